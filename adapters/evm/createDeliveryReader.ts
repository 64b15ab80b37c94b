import type { Logger } from 'pino'
import { RpcError } from '../../errors.js'
import { hexToBytes, messageIdOfEncoded } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { bridgeInterface } from './bridgeAbi.js'
import { createRpcClient, type RpcTransport } from './createRpcClient.js'
import { type RpcBlock, type RpcLog, toQuantity } from './rpcTypes.js'

/** One `Delivered` event of a destination bridge, with the message the transaction carried. */
export interface DeliveredRecord {
  chain: ChainRef
  id: Hex
  origin: number
  nonce: bigint
  txHash: Hex
  blockNumber: bigint
  /**
   * The canonical message encoding from the transaction's calldata (`deliver`, `deliverBatch`,
   * `releaseQueued`) whose keccak256 is `id`; undefined when the call was not one of these (e.g.
   * made through another contract).
   */
  message?: Hex
}

export interface DeliveryReaderOptions {
  chain: ChainRef
  rpcUrls: readonly string[]
  bridge: Hex
  requestTimeoutMs: number
  /** Blocks per eth_getLogs request. */
  maxLogRangeBlocks: number
  log: Logger
  transport?: RpcTransport
}

/** Read-only access to an EVM chain for monitoring and audit: no keys. */
export interface DeliveryReader {
  readonly chain: ChainRef
  /** The latest block number. */
  head(): Promise<bigint>
  /** Every `Delivered` event of the bridge in [fromBlock, toBlock], in chain order. */
  deliveries(fromBlock: bigint, toBlock: bigint): Promise<DeliveredRecord[]>
  /** The hash of the canonical block at `number`; undefined beyond the head. */
  blockHashAt(number: bigint): Promise<Hex | undefined>
}

const DELIVERED_TOPIC = bridgeInterface.getEvent('Delivered')!.topicHash

/** The message with id `id` among those a bridge call carried. */
const messageOfCall = (input: Hex, id: Hex): Hex | undefined => {
  let tx: ReturnType<typeof bridgeInterface.parseTransaction>
  try {
    tx = bridgeInterface.parseTransaction({ data: input })
  } catch {
    return undefined
  }
  if (!tx) return undefined
  const candidates: string[] =
    tx.name === 'deliverBatch'
      ? [...(tx.args[0] as string[])]
      : tx.name === 'deliver' || tx.name === 'releaseQueued'
        ? [tx.args[0] as string]
        : []
  return candidates.map((m) => m.toLowerCase() as Hex).find((m) => messageIdOfEncoded(hexToBytes(m, 'message')) === id)
}

/**
 * A keyless reader of a destination bridge's deliveries and of canonical block hashes (audit,
 * reorg checks), over the adapter's multi-endpoint RPC client.
 * @example
 * const r = createDeliveryReader({ chain: 'evm:31338', rpcUrls, bridge, requestTimeoutMs: 5000, maxLogRangeBlocks: 2000, log })
 * const delivered = await r.deliveries(0n, await r.head())
 */
export const createDeliveryReader = (o: DeliveryReaderOptions): DeliveryReader => {
  const rpc = createRpcClient({
    chain: o.chain,
    urls: o.rpcUrls,
    requestTimeoutMs: o.requestTimeoutMs,
    maxAttempts: 4,
    backoffBaseMs: 100,
    backoffMaxMs: 2_000,
    log: o.log,
    ...(o.transport ? { transport: o.transport } : {}),
  })
  const inputs = new Map<Hex, Hex | undefined>()
  const inputOf = async (txHash: Hex): Promise<Hex | undefined> => {
    if (inputs.has(txHash)) return inputs.get(txHash)
    const tx = await rpc.request<{ input?: Hex; to?: Hex | null } | null>('eth_getTransactionByHash', [txHash])
    const input = tx && tx.to?.toLowerCase() === o.bridge.toLowerCase() ? tx.input : undefined
    if (inputs.size > 1_000) inputs.clear()
    inputs.set(txHash, input)
    return input
  }
  const deliveries = async (fromBlock: bigint, toBlock: bigint): Promise<DeliveredRecord[]> => {
    const out: DeliveredRecord[] = []
    const step = BigInt(Math.max(1, o.maxLogRangeBlocks))
    for (let from = fromBlock; from <= toBlock; from += step) {
      const to = from + step - 1n < toBlock ? from + step - 1n : toBlock
      const logs = await rpc.request<RpcLog[]>('eth_getLogs', [
        { fromBlock: toQuantity(from), toBlock: toQuantity(to), address: o.bridge, topics: [DELIVERED_TOPIC] },
      ])
      for (const l of logs) {
        if (l.removed || l.topics.length !== 4 || l.address.toLowerCase() !== o.bridge.toLowerCase()) continue
        const id = l.topics[1]!.toLowerCase() as Hex
        const input = await inputOf(l.transactionHash)
        const message = input ? messageOfCall(input, id) : undefined
        out.push({
          chain: o.chain,
          id,
          origin: Number(BigInt(l.topics[2]!)),
          nonce: BigInt(l.topics[3]!),
          txHash: l.transactionHash.toLowerCase() as Hex,
          blockNumber: BigInt(l.blockNumber),
          ...(message ? { message } : {}),
        })
      }
    }
    return out
  }
  return {
    chain: o.chain,
    head: async () => BigInt(await rpc.request<Hex>('eth_blockNumber')),
    deliveries,
    blockHashAt: async (n) => {
      const b = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [toQuantity(n), false])
      if (b && !/^0x[0-9a-fA-F]{64}$/.test(b.hash))
        throw new RpcError({ chain: o.chain, method: 'eth_getBlockByNumber', retryable: true })
      return b ? (b.hash.toLowerCase() as Hex) : undefined
    },
  }
}
