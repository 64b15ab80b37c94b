import type { Logger } from 'pino'
import { EndpointDisagreementError, InvalidProofError, RpcError } from '../../errors.js'
import {
  buildEvmReceiptBundle,
  buildReceiptTrie,
  decodeDispatchData,
  type EvmFinalityEvidence,
  type ReceiptTrie,
  verifyEvmReceiptBundle,
} from '../../proofs/index.js'
import { bytesToHex, decodeMessage, hexToBytes, messageIdOfEncoded } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import type { ObservedMessage, SourceBatch } from '../types.js'
import { DISPATCH_TOPIC } from './bridgeAbi.js'
import type { RpcClient } from './createRpcClient.js'
import { crossCheckBlock } from './crossCheckBlock.js'
import type { BlockReceiptsFetcher } from './fetchBlockReceipts.js'
import { type RpcBlock, type RpcLog, toQuantity } from './rpcTypes.js'

export interface ScanContext {
  chain: ChainRef
  chainId: bigint
  domain: number
  bridge: Hex
  rpc: RpcClient
  log: Logger
  minAgreeing: number
  receipts: BlockReceiptsFetcher
}

const lower = (h: string) => h.toLowerCase()
const sameLog = (a: RpcLog, b: RpcLog) =>
  lower(a.address) === lower(b.address) &&
  a.data === b.data &&
  a.topics.map(lower).join() === b.topics.map(lower).join()

/**
 * Scan the finalized range [from, to] (to ≤ the finalized head of `finality`) and build one batch:
 * every Dispatch of the registered bridge with its receipt proof bundle, in (block, logIndex) order.
 * @throws EndpointDisagreementError, InvalidProofError (the bridge emitted something inconsistent), RpcError
 */
export const scanRange = async (
  c: ScanContext,
  range: { from: bigint; to: bigint },
  finality: EvmFinalityEvidence,
): Promise<SourceBatch> => {
  const toBlock = await crossCheckBlock(c, range.to)
  const raw = await c.rpc.request<RpcLog[]>('eth_getLogs', [
    { fromBlock: toQuantity(range.from), toBlock: toQuantity(range.to), address: c.bridge, topics: [DISPATCH_TOPIC] },
  ])
  const logs = raw.filter((l) => acceptLog(c, l, range))
  const byBlock = new Map<bigint, RpcLog[]>()
  for (const l of logs) {
    const n = BigInt(l.blockNumber)
    const list = byBlock.get(n)
    if (list) list.push(l)
    else byBlock.set(n, [l])
  }
  const messages: ObservedMessage[] = []
  for (const n of [...byBlock.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const block = n === range.to ? toBlock : await crossCheckBlock(c, n)
    messages.push(...(await blockMessages(c, block, byBlock.get(n)!, finality)))
  }
  return { chain: c.chain, fromBlock: range.from, toBlock: range.to, toBlockHash: toBlock.hash, messages }
}

/** Drop (and alarm on) logs an endpoint should never have returned for this filter (NT-11, BI-42). */
const acceptLog = (c: ScanContext, l: RpcLog, range: { from: bigint; to: bigint }): boolean => {
  const n = BigInt(l.blockNumber)
  if (lower(l.address) !== lower(c.bridge) || lower(l.topics[0] ?? '') !== lower(DISPATCH_TOPIC)) {
    c.log.error(
      { alert: 'foreign-emitter', emitter: l.address, blockNumber: n, txHash: l.transactionHash },
      'log from an unregistered emitter ignored',
    )
    return false
  }
  if (l.removed === true || n < range.from || n > range.to) {
    throw new RpcError({
      chain: c.chain,
      method: 'eth_getLogs',
      retryable: true,
      cause: { badLog: 'removed or outside the range' },
    })
  }
  return true
}

const blockMessages = async (
  c: ScanContext,
  block: RpcBlock,
  logs: RpcLog[],
  finality: EvmFinalityEvidence,
): Promise<ObservedMessage[]> => {
  for (const l of logs) {
    if (lower(l.blockHash) !== lower(block.hash)) {
      // The log's endpoint saw another block at this height than every endpoint agreed on.
      throw new EndpointDisagreementError({
        chain: c.chain,
        blockNumber: BigInt(block.number),
        hashes: { logs: l.blockHash, headers: block.hash },
      })
    }
  }
  const receipts = await c.receipts(block)
  const fromReceipts = receipts.flatMap((r) => r.logs.filter((l) => lower(l.topics[0] ?? '') === lower(DISPATCH_TOPIC)))
  for (const l of fromReceipts.filter((x) => lower(x.address) !== lower(c.bridge))) {
    c.log.error(
      { alert: 'foreign-emitter', emitter: l.address, blockNumber: BigInt(block.number), txHash: l.transactionHash },
      'Dispatch from an unregistered emitter ignored',
    )
  }
  const ours = fromReceipts.filter((x) => lower(x.address) === lower(c.bridge))
  if (ours.length !== logs.length) {
    throw new RpcError({
      chain: c.chain,
      method: 'eth_getLogs',
      retryable: true,
      cause: { inconsistentLogs: 'eth_getLogs and receipts differ' },
    })
  }
  // One trie per block: a burst of n messages in one block needs n proofs of the same n-receipt trie.
  const receiptsTrie = buildReceiptTrie(receipts)
  return [...logs]
    .sort((a, b) => Number(BigInt(a.logIndex) - BigInt(b.logIndex)))
    .map((l) => observed(c, block, receipts, receiptsTrie, l, finality))
}

const observed = (
  c: ScanContext,
  block: RpcBlock,
  receipts: Awaited<ReturnType<BlockReceiptsFetcher>>,
  receiptsTrie: ReceiptTrie,
  l: RpcLog,
  finality: EvmFinalityEvidence,
): ObservedMessage => {
  const txIndex = Number(BigInt(l.transactionIndex))
  const receipt = receipts[txIndex]
  const local = receipt ? receipt.logs.findIndex((x) => BigInt(x.logIndex) === BigInt(l.logIndex)) : -1
  if (!receipt || local < 0 || !sameLog(receipt.logs[local]!, l)) {
    throw new RpcError({
      chain: c.chain,
      method: 'eth_getLogs',
      retryable: true,
      cause: { inconsistentLogs: 'log not in its receipt' },
    })
  }
  const bytes = decodeDispatchData(hexToBytes(l.data, 'log data'))
  const encoded = bytesToHex(bytes)
  const message = decodeMessage(bytes)
  const id = messageIdOfEncoded(bytes)
  const [, idTopic, destTopic, nonceTopic] = l.topics
  if (
    lower(idTopic ?? '') !== lower(id) ||
    BigInt(destTopic ?? -1) !== BigInt(message.destination) ||
    BigInt(nonceTopic ?? -1) !== message.nonce ||
    message.origin !== c.domain
  ) {
    throw new InvalidProofError({
      reason: 'MESSAGE_MISMATCH',
      detail: 'the Dispatch topics or origin do not match the message',
      meta: { id, txHash: l.transactionHash },
    })
  }
  const bundle = buildEvmReceiptBundle({
    chain: c.chain,
    chainId: c.chainId,
    bridge: c.bridge,
    header: block,
    receipts,
    txIndex,
    logIndex: local,
    finality,
    receiptsTrie,
  })
  // Never hand over a bundle that does not prove itself against the cross-checked hash.
  verifyEvmReceiptBundle(bundle, { bridge: c.bridge, chainId: c.chainId, trustedBlockHash: block.hash })
  return {
    id,
    message,
    encoded,
    source: {
      chain: c.chain,
      blockNumber: BigInt(block.number),
      blockHash: block.hash,
      txHash: l.transactionHash,
      logIndex: Number(BigInt(l.logIndex)),
    },
    bundle: { ...bundle },
  }
}
