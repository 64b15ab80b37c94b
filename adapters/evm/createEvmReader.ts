import { Interface } from 'ethers'
import type { Logger } from 'pino'
import { RpcError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { ChainHead } from '../types.js'
import { bridgeInterface, DISPATCH_TOPIC } from './bridgeAbi.js'
import { createRpcClient, type RpcClient } from './createRpcClient.js'
import type { RpcBlock, RpcLog } from './rpcTypes.js'
import { toRelayError } from './toRelayError.js'

// Read-only views of the bridge's asset registry and of ERC-20 tokens (contracts/src/AssetRegistry.sol).
const READER_ABI = new Interface([
  'function paused() view returns (bool)',
  'function committee() view returns (uint64 epoch, address[] signers, uint8 threshold)',
  'function assetOf(bytes32 assetId) view returns (address token, uint8 kind)',
  'function rateLimitOf(bytes32 assetId) view returns (bool enabled, uint128 capacity, uint128 refillPerSecond, uint256 available)',
  'function largeTransferOf(bytes32 assetId) view returns (uint256 threshold, uint64 delaySeconds)',
  'function queuedReleaseAt(bytes32 id) view returns (uint64)',
  'function allowance(address owner, address spender) view returns (uint256)',
])

/** Fee data of the next block, wei. */
export interface EvmFeeData {
  baseFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  /** What a wallet would offer: 2 × base fee + priority fee. */
  maxFeePerGas: bigint
}

export interface EvmRateLimit {
  enabled: boolean
  capacity: bigint
  refillPerSecond: bigint
  /** Deliverable right now (2^256-1 when the bucket is off). */
  available: bigint
}

/** Where a Dispatch log with a given id sits on the source chain. */
export interface DispatchLocation {
  blockNumber: bigint
  blockHash: Hex
  txHash: Hex
  logIndex: number
  /** Block timestamp, unix seconds. */
  timestamp: bigint
  destination: number
  nonce: bigint
  /** The canonical message encoding the log carries. */
  message: Hex
}

/** Read-only access to one EVM chain and its bridge (the API's chain reader; it never signs). */
export interface EvmReader {
  readonly chain: ChainRef
  readonly chainId: bigint
  readonly bridge: Hex
  head(tag?: 'latest' | 'finalized'): Promise<ChainHead>
  /** Mean seconds per block over the last `sample` blocks (at least 0.001). */
  blockTimeSeconds(sample?: number): Promise<number>
  feeData(): Promise<EvmFeeData>
  paused(): Promise<boolean>
  threshold(): Promise<number>
  /** The local token of an asset and its kind; undefined when the bridge does not know it. */
  assetOf(assetId: Hex): Promise<{ token: Hex; kind: 'native' | 'wrapped' } | undefined>
  rateLimitOf(assetId: Hex): Promise<EvmRateLimit>
  largeTransferOf(assetId: Hex): Promise<{ threshold: bigint; delaySeconds: bigint }>
  queuedReleaseAt(id: Hex): Promise<bigint>
  allowance(token: Hex, owner: Hex, spender: Hex): Promise<bigint>
  /** The Dispatch log of `id` within the last `lookbackBlocks` blocks, if any. */
  findDispatch(id: Hex, lookbackBlocks: number): Promise<DispatchLocation | undefined>
}

export interface EvmReaderOptions {
  chain: ChainRef
  chainId: bigint
  rpcUrls: readonly string[]
  bridge: Hex
  requestTimeoutMs: number
  log: Logger
  /** Attempts per read (default 2: the API answers a user waiting on it). */
  maxAttempts?: number
}

const big = (h: Hex | string | undefined | null): bigint => (h ? BigInt(h) : 0n)

const viewOf = async (rpc: RpcClient, chain: ChainRef, to: Hex, fn: string, args: readonly unknown[]) => {
  const out = await rpc.request<Hex>('eth_call', [{ to, data: READER_ABI.encodeFunctionData(fn, args) }, 'latest'])
  try {
    return READER_ABI.decodeFunctionResult(fn, out)
  } catch (e) {
    throw toRelayError(e, { chain, method: `eth_call ${fn}` })
  }
}

/**
 * A read-only EVM chain reader for the API: heads, fee data, bridge pause and asset limits, token
 * allowances and Dispatch lookups, over the adapter's multi-endpoint RPC client.
 * @throws RpcError, RpcTimeoutError from every read
 * @example
 * const r = createEvmReader({ chain: 'evm:31337', chainId: 31337n, rpcUrls: [url], bridge, requestTimeoutMs: 3000, log })
 * const { maxFeePerGas } = await r.feeData()
 */
export const createEvmReader = (o: EvmReaderOptions): EvmReader => {
  const rpc = createRpcClient({
    chain: o.chain,
    urls: o.rpcUrls,
    requestTimeoutMs: o.requestTimeoutMs,
    maxAttempts: o.maxAttempts ?? 2,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
    log: o.log,
  })
  const view = (fn: string, args: readonly unknown[] = [], to: Hex = o.bridge) => viewOf(rpc, o.chain, to, fn, args)
  const block = async (tag: string): Promise<RpcBlock> => {
    const b = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [tag, false])
    if (!b) throw new RpcError({ chain: o.chain, method: `eth_getBlockByNumber ${tag} (null)`, retryable: true })
    return b
  }
  const head = async (tag: 'latest' | 'finalized' = 'latest'): Promise<ChainHead> => {
    const b = await block(tag)
    return { number: big(b.number), hash: b.hash, timestamp: big(b.timestamp) }
  }
  return {
    chain: o.chain,
    chainId: o.chainId,
    bridge: o.bridge,
    head,
    blockTimeSeconds: async (sample = 20) => {
      const h = await block('latest')
      const n = big(h.number)
      const span = n < BigInt(sample) ? n : BigInt(sample)
      if (span === 0n) return 1
      const past = await block(`0x${(n - span).toString(16)}`)
      return Math.max(0.001, Number(big(h.timestamp) - big(past.timestamp)) / Number(span))
    },
    feeData: async () => {
      const [b, tip] = await Promise.all([
        block('latest'),
        rpc.request<Hex>('eth_maxPriorityFeePerGas').catch(() => '0x3b9aca00' as Hex),
      ])
      const baseFeePerGas = big(b.baseFeePerGas)
      const maxPriorityFeePerGas = big(tip)
      return { baseFeePerGas, maxPriorityFeePerGas, maxFeePerGas: 2n * baseFeePerGas + maxPriorityFeePerGas }
    },
    paused: async () => (await view('paused'))[0] as boolean,
    threshold: async () => Number((await view('committee'))[2]),
    assetOf: async (assetId) => {
      const [token, kind] = await view('assetOf', [assetId])
      if (BigInt(token as string) === 0n) return undefined
      return { token: (token as string).toLowerCase() as Hex, kind: Number(kind) === 1 ? 'native' : 'wrapped' }
    },
    rateLimitOf: async (assetId) => {
      const r = await view('rateLimitOf', [assetId])
      return {
        enabled: r[0] as boolean,
        capacity: r[1] as bigint,
        refillPerSecond: r[2] as bigint,
        available: r[3] as bigint,
      }
    },
    largeTransferOf: async (assetId) => {
      const r = await view('largeTransferOf', [assetId])
      return { threshold: r[0] as bigint, delaySeconds: r[1] as bigint }
    },
    queuedReleaseAt: async (id) => (await view('queuedReleaseAt', [id]))[0] as bigint,
    allowance: async (token, owner, spender) => (await view('allowance', [owner, spender], token))[0] as bigint,
    findDispatch: async (id, lookbackBlocks) => {
      const h = await head('latest')
      const from = h.number > BigInt(lookbackBlocks) ? h.number - BigInt(lookbackBlocks) : 0n
      const logs = await rpc.request<RpcLog[]>('eth_getLogs', [
        {
          address: o.bridge,
          topics: [DISPATCH_TOPIC, id.toLowerCase()],
          fromBlock: `0x${from.toString(16)}`,
          toBlock: 'latest',
        },
      ])
      const l = logs.find((x) => !x.removed)
      if (!l) return undefined
      let ev: ReturnType<typeof bridgeInterface.decodeEventLog>
      try {
        ev = bridgeInterface.decodeEventLog('Dispatch', l.data, l.topics)
      } catch (e) {
        throw toRelayError(e, { chain: o.chain, method: 'eth_getLogs Dispatch' })
      }
      const b = await block(l.blockNumber)
      return {
        blockNumber: big(l.blockNumber),
        blockHash: l.blockHash,
        txHash: l.transactionHash,
        logIndex: Number(big(l.logIndex)),
        timestamp: big(b.timestamp),
        destination: Number(ev.getValue('destination')),
        nonce: BigInt(ev.getValue('nonce') as bigint),
        message: (ev.getValue('message') as string).toLowerCase() as Hex,
      }
    },
  }
}
