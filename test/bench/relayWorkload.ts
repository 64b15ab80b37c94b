// The relay workload and its measurement, done the way ../shared/peer-hyperlane/bench.mjs
// measures the Hyperlane peer, so that the two are comparable: block inclusion times come from
// newHeads pushes (Hardhat timestamps have 1 s resolution), a burst enters an idle origin
// mempool and lands in one block, and destination gas is summed over every destination block
// of the run.
import { Interface, JsonRpcProvider, Wallet } from 'ethers'
import { loadArtifact } from '../../contracts/artifacts.js'
import { RpcError } from '../../errors.js'
import { addressToBytes32 } from '../../protocol/index.js'

export interface WorkloadChain {
  rpcUrl: string
  wsUrl: string
  chainId: bigint
  domain: number
  bridge: string
}

export interface WorkloadOptions {
  origin: WorkloadChain
  destination: WorkloadChain
  /** Destination contract that receives the app messages. */
  recipient: string
  dispatcherKey: string
  n: number
  bodyBytes: number
  /** Interval mining of the origin during the run (ms); the burst is held and released into one block. */
  originBlockMs: number
  /** Blocks the relayers wait before a source block is final (for the relayer-added latency). */
  confirmations: number
  timeoutMs: number
  stallMs: number
  log: (line: string) => void
}

export interface WorkloadResult {
  n: number
  dispatched: number
  delivered: number
  stopReason: string
  deliveredPerS: number
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null
  relayerAddedMs: { p50: number; p99: number } | null
  destGasTotal: bigint
  destGasPerMessage: number | null
  destTxs: number
  destTxsReverted: number
}

const nowMs = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const hex = (n: number) => `0x${n.toString(16)}`
const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

let rpcId = 0
const rpc = async <T>(url: string, method: string, params: unknown[] = []): Promise<T> => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    signal: AbortSignal.timeout(60_000),
  })
  const j = (await res.json()) as { result: T; error?: { message: string } }
  if (j.error) throw new RpcError({ chain: 'evm:bench', method, endpoint: url, retryable: false, cause: j.error })
  return j.result
}

/** Records the wall-clock time each block is first pushed over `newHeads`. */
const headTracker = async (wsUrl: string) => {
  const seen = new Map<number, number>()
  const ws = new WebSocket(wsUrl)
  await new Promise<void>((resolve, reject) => {
    const to = setTimeout(
      () => reject(new RpcError({ chain: 'evm:bench', method: 'eth_subscribe', endpoint: wsUrl, cause: 'timeout' })),
      15_000,
    )
    ws.onopen = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }))
    ws.onmessage = (ev) => {
      const t = nowMs()
      const m = JSON.parse(String(ev.data)) as { id?: number; params?: { result?: { number?: string } } }
      if (m.id === 1) {
        clearTimeout(to)
        resolve()
        return
      }
      const n = m.params?.result?.number
      if (n && !seen.has(Number(n))) seen.set(Number(n), t)
    }
    ws.onerror = () => reject(new RpcError({ chain: 'evm:bench', method: 'eth_subscribe', endpoint: wsUrl }))
  })
  // A block whose push was missed takes the time of the first later block seen.
  const timeOf = (n: number): number => {
    const s = seen.get(n)
    if (s !== undefined) return s
    let best = Number.POSITIVE_INFINITY
    for (const [k, v] of seen) if (k > n && v < best) best = v
    return best
  }
  return { timeOf, close: () => ws.close() }
}

/** Dispatch `n` app messages in one burst and measure their delivery. */
export const runRelayWorkload = async (o: WorkloadOptions): Promise<WorkloadResult> => {
  const bridgeIface = new Interface(loadArtifact('Bridge').abi)
  const dispatchTopic = bridgeIface.getEvent('Dispatch')!.topicHash
  const deliveredTopic = bridgeIface.getEvent('Delivered')!.topicHash
  const tO = await headTracker(o.origin.wsUrl)
  const tD = await headTracker(o.destination.wsUrl)
  const destStart = Number(await rpc<string>(o.destination.rpcUrl, 'eth_blockNumber'))

  const provider = new JsonRpcProvider(o.origin.rpcUrl, Number(o.origin.chainId), { staticNetwork: true })
  const wallet = new Wallet(o.dispatcherKey, provider)
  const recipient32 = addressToBytes32(o.recipient)
  const body = (i: number) => {
    const b = Buffer.alloc(o.bodyBytes)
    Buffer.from(`isthmus-bench #${i}`).copy(b)
    return `0x${b.toString('hex')}`
  }
  const gasLimit =
    ((await wallet.estimateGas({
      to: o.origin.bridge,
      data: bridgeIface.encodeFunctionData('dispatch', [o.destination.domain, recipient32, body(0)]),
    })) *
      3n) /
      2n +
    50_000n
  const fee = await provider.getFeeData()
  const maxFeePerGas = (fee.maxFeePerGas ?? 10n ** 10n) * 4n
  let nonce = await provider.getTransactionCount(wallet.address, 'pending')
  const signed: string[] = []
  for (let i = 0; i < o.n; i++) {
    signed.push(
      await wallet.signTransaction({
        type: 2,
        chainId: o.origin.chainId,
        nonce: nonce++,
        to: o.origin.bridge,
        data: bridgeIface.encodeFunctionData('dispatch', [o.destination.domain, recipient32, body(i)]),
        gasLimit,
        maxFeePerGas,
        maxPriorityFeePerGas: 10n ** 9n,
      }),
    )
  }
  // Hold the origin's interval mining so the whole burst lands in one block, as the peer bench does.
  await rpc(o.origin.rpcUrl, 'evm_setIntervalMining', [0])
  const hashes: string[] = []
  for (const tx of signed) hashes.push(await rpc<string>(o.origin.rpcUrl, 'eth_sendRawTransaction', [tx]))
  await rpc(o.origin.rpcUrl, 'evm_setIntervalMining', [o.originBlockMs])
  o.log(`submitted ${hashes.length} dispatch txs`)

  const msgs = new Map<string, { originBlock: number; destBlock: number | null }>()
  const pending = new Set(hashes)
  const receiptDeadline = nowMs() + 120_000
  while (pending.size > 0 && nowMs() < receiptDeadline) {
    for (const h of [...pending].slice(0, 200)) {
      const r = await rpc<{
        status: string
        blockNumber: string
        logs: { topics: string[]; address: string }[]
      } | null>(o.origin.rpcUrl, 'eth_getTransactionReceipt', [h])
      if (!r) continue
      pending.delete(h)
      const lg = r.logs.find(
        (l) => l.topics[0] === dispatchTopic && l.address.toLowerCase() === o.origin.bridge.toLowerCase(),
      )
      if (r.status === '0x1' && lg) msgs.set(lg.topics[1]!, { originBlock: Number(r.blockNumber), destBlock: null })
    }
    if (pending.size > 0) await sleep(200)
  }
  o.log(`${msgs.size} messages dispatched`)

  const tStart = nowMs()
  let scanned = destStart
  let delivered = 0
  let lastProgress = nowMs()
  let stopReason = 'all delivered'
  while (delivered < msgs.size) {
    const head = Number(await rpc<string>(o.destination.rpcUrl, 'eth_blockNumber'))
    if (head > scanned) {
      const logs = await rpc<{ topics: string[]; blockNumber: string }[]>(o.destination.rpcUrl, 'eth_getLogs', [
        { fromBlock: hex(scanned + 1), toBlock: hex(head), address: o.destination.bridge, topics: [deliveredTopic] },
      ])
      for (const l of logs) {
        const m = msgs.get(l.topics[1]!)
        if (m && m.destBlock === null) {
          m.destBlock = Number(l.blockNumber)
          delivered++
          lastProgress = nowMs()
        }
      }
      scanned = head
    }
    if (delivered >= msgs.size) break
    if (nowMs() - tStart > o.timeoutMs) {
      stopReason = `timeout ${o.timeoutMs} ms`
      break
    }
    if (nowMs() - lastProgress > o.stallMs) {
      stopReason = `stalled: no delivery for ${o.stallMs} ms`
      break
    }
    await sleep(100)
  }
  await sleep(300)
  tO.close()
  tD.close()

  const lat: number[] = []
  const added: number[] = []
  let tFirstDispatch = Number.POSITIVE_INFINITY
  let tLastDelivery = Number.NEGATIVE_INFINITY
  for (const m of msgs.values()) {
    const td = tO.timeOf(m.originBlock)
    tFirstDispatch = Math.min(tFirstDispatch, td)
    if (m.destBlock === null) continue
    const tr = tD.timeOf(m.destBlock)
    tLastDelivery = Math.max(tLastDelivery, tr)
    lat.push(tr - td)
    added.push(tr - tO.timeOf(m.originBlock + o.confirmations))
  }
  lat.sort((a, b) => a - b)
  added.sort((a, b) => a - b)
  const spanS = delivered > 0 ? (tLastDelivery - tFirstDispatch) / 1000 : 0

  const destEnd = Number(await rpc<string>(o.destination.rpcUrl, 'eth_blockNumber'))
  let gasTotal = 0n
  const txHashes: string[] = []
  for (let b = destStart + 1; b <= destEnd; b++) {
    const blk = await rpc<{ gasUsed: string; transactions: string[] }>(o.destination.rpcUrl, 'eth_getBlockByNumber', [
      hex(b),
      false,
    ])
    gasTotal += BigInt(blk.gasUsed)
    txHashes.push(...blk.transactions)
  }
  let reverted = 0
  for (const h of txHashes) {
    const r = await rpc<{ status: string }>(o.destination.rpcUrl, 'eth_getTransactionReceipt', [h])
    if (r.status !== '0x1') reverted++
  }
  return {
    n: o.n,
    dispatched: msgs.size,
    delivered,
    stopReason,
    deliveredPerS: spanS > 0 ? delivered / spanS : 0,
    latencyMs:
      lat.length > 0 ? { p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: lat[lat.length - 1]! } : null,
    relayerAddedMs: added.length > 0 ? { p50: pct(added, 50), p99: pct(added, 99) } : null,
    destGasTotal: gasTotal,
    destGasPerMessage: delivered > 0 ? Number(gasTotal / BigInt(delivered)) : null,
    destTxs: txHashes.length,
    destTxsReverted: reverted,
  }
}
