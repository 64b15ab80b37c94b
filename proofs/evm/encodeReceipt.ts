import { BundleInvalidError } from '../../errors.js'
import { encodeRlp } from './encodeRlp.js'
import { rpcData, rpcQuantity } from './rpcFields.js'
import type { EvmRpcLog, EvmRpcReceipt, RlpItem } from './types.js'

/** EIP-2718 receipt types whose payload is `rlp([status, cumulativeGasUsed, logsBloom, logs])`. */
export const RECEIPT_TYPES = [0, 1, 2, 3, 4] as const

const receiptType = (r: EvmRpcReceipt, field: string): number => {
  if (r.type === undefined || r.type === null) return 0
  const b = rpcQuantity(r.type, `${field}.type`)
  const t = b.length === 0 ? 0 : b.length === 1 ? b[0]! : -1
  if (!(RECEIPT_TYPES as readonly number[]).includes(t)) {
    throw new BundleInvalidError({ field: `${field}.type`, expected: 'a receipt type 0x0-0x4' })
  }
  return t
}

/** Byzantium+ receipts carry `status` (0 → empty string, 1 → 0x01); earlier ones the post-state root. */
const statusField = (r: EvmRpcReceipt, field: string): Uint8Array => {
  if (r.status !== undefined && r.status !== null) {
    if (r.status !== '0x0' && r.status !== '0x1')
      throw new BundleInvalidError({ field: `${field}.status`, expected: '0x0 or 0x1' })
    return r.status === '0x1' ? Uint8Array.of(1) : new Uint8Array(0)
  }
  if (r.root !== undefined && r.root !== null) return rpcData(r.root, `${field}.root`, 32)
  throw new BundleInvalidError({ field: `${field}.status`, expected: 'status (or root for pre-Byzantium receipts)' })
}

const logItem = (l: EvmRpcLog, field: string): RlpItem => {
  if (typeof l !== 'object' || l === null || !Array.isArray(l.topics)) {
    throw new BundleInvalidError({ field, expected: 'a log with address, topics and data' })
  }
  if (l.topics.length > 4) throw new BundleInvalidError({ field: `${field}.topics`, expected: 'at most 4 topics' })
  return [
    rpcData(l.address, `${field}.address`, 20),
    l.topics.map((t, i) => rpcData(t, `${field}.topics[${i}]`, 32)),
    rpcData(l.data, `${field}.data`),
  ]
}

/**
 * Consensus encoding of a JSON-RPC receipt: the value stored in the block's receipts trie.
 * Legacy receipts are `rlp([statusOrRoot, cumulativeGasUsed, logsBloom, logs])`; typed receipts
 * (0x1 access list, 0x2 dynamic fee, 0x3 blob, 0x4 set-code) are `type ‖ rlp([...])` (EIP-2718).
 * @throws BundleInvalidError naming the offending field
 */
export const encodeReceipt = (r: EvmRpcReceipt, field = 'receipt'): Uint8Array => {
  if (typeof r !== 'object' || r === null || !Array.isArray(r.logs)) {
    throw new BundleInvalidError({ field, expected: 'a receipt object with logs' })
  }
  const type = receiptType(r, field)
  const payload = encodeRlp([
    statusField(r, field),
    rpcQuantity(r.cumulativeGasUsed, `${field}.cumulativeGasUsed`),
    rpcData(r.logsBloom, `${field}.logsBloom`, 256),
    r.logs.map((l, i) => logItem(l, `${field}.logs[${i}]`)),
  ])
  if (type === 0) return payload
  const out = new Uint8Array(payload.length + 1)
  out[0] = type
  out.set(payload, 1)
  return out
}
