// F-25: three submitters deliver the same certificate at the same moment against one real hardhat
// node. Exactly one execution per id (I1 on chain); the losers classify their outcome as
// `already-delivered` — a success, not an error — and there is no revert storm.
import { type Contract, Wallet } from 'ethers'
import {
  type ChainAdapter,
  createEvmAdapter,
  type DeliveryItem,
  type DeliveryResult,
} from '../../../../adapters/index.js'
import { HARDHAT_DEV_KEYS } from '../../../../cli/devnet/startHardhatNode.js'
import { addressToBytes32, messageId } from '../../../../protocol/index.js'
import type { Hex, Message } from '../../../../types.js'
import {
  adapterOptions,
  bridgeAt,
  type CapturedLog,
  captureLogger,
  certify,
  deployContract,
  recipientBytes,
  startChain,
  type TestChain,
  waitUntil,
} from './fixture.js'

const ORIGIN = 401
const DOMAIN_B = 402
/** Dev accounts of the three submitters (each its own funded key). */
const SUBMITTERS = [7, 8, 9]
let b: TestChain
let recipient: Contract
let nonceSeq = 50_000n

interface Submitter {
  adapter: ChainAdapter
  lines: CapturedLog[]
  address: string
}

let submitters: Submitter[]

beforeAll(async () => {
  b = await startChain(31_337n + 41n, DOMAIN_B)
  recipient = await deployContract(b.deployer, 'RecordingRecipient', [b.bridgeAddress])
  submitters = SUBMITTERS.map((k) => {
    const { log, lines } = captureLogger()
    return {
      adapter: createEvmAdapter(adapterOptions(b, { stuckAfterMs: 5_000 }, k), { log }),
      lines,
      address: new Wallet(HARDHAT_DEV_KEYS[k]!).address.toLowerCase(),
    }
  })
}, 60_000)
afterAll(async () => {
  await Promise.all((submitters ?? []).map((s) => s.adapter.close()))
  await b?.node.stop()
})

const appMessage = (payload: Hex): Message => ({
  version: 1,
  nonce: nonceSeq++,
  origin: ORIGIN,
  sender: addressToBytes32(b.deployer.address),
  destination: DOMAIN_B,
  recipient: recipientBytes(recipient.target as string),
  body: `0x00${payload.slice(2)}` as Hex,
})
const item = (m: Message): DeliveryItem => ({ message: m, certificate: certify(m, b) })
const calls = async () => (await recipient.getFunction('calls')()) as bigint

interface PendingTx {
  hash: Hex
  from: string
  to: string | null
}

/** Delivered events per id on the bridge since `fromBlock`. */
const deliveredEvents = async (fromBlock: number): Promise<Map<string, number>> => {
  const bridge = bridgeAt(b, b.bridgeAddress)
  const logs = await bridge.queryFilter(bridge.filters.Delivered!(), fromBlock, 'latest')
  const out = new Map<string, number>()
  for (const l of logs) {
    const id = String((l as { args: unknown[] }).args[0]).toLowerCase()
    out.set(id, (out.get(id) ?? 0) + 1)
  }
  return out
}

/** Receipts of every transaction the submitters sent to the bridge since `fromBlock`. */
const submitterReceipts = async (fromBlock: number) => {
  const head = Number(BigInt(await b.node.rpc<string>('eth_blockNumber')))
  const out: { from: string; status: number }[] = []
  for (let n = fromBlock; n <= head; n++) {
    const block = await b.node.rpc<{ transactions: { hash: Hex; from: string; to: string | null }[] }>(
      'eth_getBlockByNumber',
      [`0x${n.toString(16)}`, true],
    )
    for (const t of block.transactions) {
      if (t.to?.toLowerCase() !== b.bridgeAddress) continue
      const r = await b.node.rpc<{ status: string }>('eth_getTransactionReceipt', [t.hash])
      out.push({ from: t.from.toLowerCase(), status: Number(BigInt(r.status)) })
    }
  }
  return out
}

/**
 * All three submitters call `deliver(items)` at once while the node holds blocks back, so every one
 * of them simulates successfully and broadcasts; then one block settles the race.
 */
const raceThree = async (items: DeliveryItem[]): Promise<{ results: DeliveryResult[][]; fromBlock: number }> => {
  const fromBlock = Number(BigInt(await b.node.rpc<string>('eth_blockNumber'))) + 1
  await b.node.rpc('evm_setAutomine', [false])
  let racing: Promise<DeliveryResult[][]> | undefined
  try {
    racing = Promise.all(submitters.map((s) => s.adapter.deliver(items)))
    await waitUntil(
      async () => {
        const txs = await b.node.rpc<PendingTx[]>('eth_pendingTransactions')
        const froms = new Set(txs.filter((t) => t.to?.toLowerCase() === b.bridgeAddress).map((t) => t.from))
        return froms.size === submitters.length ? true : undefined
      },
      15_000,
      'a pending delivery transaction from each of the three submitters',
    )
  } finally {
    await b.node.rpc('evm_setAutomine', [true])
  }
  await b.node.rpc('evm_mine')
  return { results: await racing!, fromBlock }
}

const statusesOf = (results: DeliveryResult[][], id: Hex) =>
  results.map((rs) => rs.find((r) => r.id.toLowerCase() === id.toLowerCase())?.status).sort()

const errorLines = () => submitters.flatMap((s) => s.lines.filter((l) => l.level === 'error' || l.level === 'fatal'))

describe('three EVM submitters delivering the same certificate at once (F-25)', () => {
  it('single deliver: one execution, the two losers report already-delivered after one on-chain revert each', async () => {
    const m = appMessage('0x25a1')
    const id = messageId(m)
    const before = await calls()
    const { results, fromBlock } = await raceThree([item(m)])
    expect(statusesOf(results, id)).toEqual(['already-delivered', 'already-delivered', 'delivered'])
    expect(await calls()).toBe(before + 1n)
    expect((await deliveredEvents(fromBlock)).get(id.toLowerCase())).toBe(1)
    expect(await submitters[0]!.adapter.isDelivered(id)).toBe(true)
    // No revert storm: each submitter sent exactly one transaction (no retry after the revert).
    const receipts = await submitterReceipts(fromBlock)
    expect(receipts.map((r) => r.from).sort()).toEqual(submitters.map((s) => s.address).sort())
    expect(receipts.filter((r) => r.status === 1)).toHaveLength(1)
    expect(receipts.filter((r) => r.status === 0)).toHaveLength(2)
    expect(errorLines()).toEqual([])
  }, 40_000)

  it('batched deliver: every id executes once, the losers skip without reverting', async () => {
    const ms = ['0x25b1', '0x25b2', '0x25b3'].map((p) => appMessage(p as Hex))
    const ids = ms.map(messageId)
    const before = await calls()
    const { results, fromBlock } = await raceThree(ms.map(item))
    for (const id of ids)
      expect(statusesOf(results, id)).toEqual(['already-delivered', 'already-delivered', 'delivered'])
    // The winner delivered the whole batch in one transaction.
    const winner = results.find((rs) => rs.every((r) => r.status === 'delivered'))
    expect(winner).toBeDefined()
    expect(new Set(winner!.map((r) => r.txHash)).size).toBe(1)
    expect(await calls()).toBe(before + 3n)
    const events = await deliveredEvents(fromBlock)
    for (const id of ids) expect(events.get(id.toLowerCase())).toBe(1)
    // deliverBatch skips handled ids (DeliverySkipped): no transaction reverts at all.
    const receipts = await submitterReceipts(fromBlock)
    expect(receipts).toHaveLength(3)
    expect(receipts.every((r) => r.status === 1)).toBe(true)
    expect(errorLines()).toEqual([])
  }, 40_000)

  it('with automine (no held blocks): still exactly one delivered per id, the others already-delivered', async () => {
    const ms = ['0x25c1', '0x25c2'].map((p) => appMessage(p as Hex))
    const before = await calls()
    const fromBlock = Number(BigInt(await b.node.rpc<string>('eth_blockNumber'))) + 1
    const results = await Promise.all(submitters.map((s) => s.adapter.deliver(ms.map(item))))
    for (const id of ms.map(messageId))
      expect(statusesOf(results, id)).toEqual(['already-delivered', 'already-delivered', 'delivered'])
    expect(await calls()).toBe(before + 2n)
    const events = await deliveredEvents(fromBlock)
    for (const id of ms.map(messageId)) expect(events.get(id.toLowerCase())).toBe(1)
    expect(errorLines()).toEqual([])
  }, 40_000)
})
