import { InvalidProofError } from '../../errors.js'
import { bytesToUint, toHex } from './bytes.js'
import { decodeRlp } from './decodeRlp.js'
import { RECEIPT_TYPES } from './encodeReceipt.js'
import { asBytes, asList } from './rlpAccess.js'
import type { DecodedReceipt, EvmLog, RlpItem } from './types.js'

const decodeLog = (item: RlpItem, i: number): EvmLog => {
  const [address, topics, data] = asList(item, `log ${i}`, 3)
  return {
    address: toHex(asBytes(address, `log ${i} address`, 20)),
    topics: asList(topics, `log ${i} topics`).map((t, j) => toHex(asBytes(t, `log ${i} topic ${j}`, 32))),
    data: toHex(asBytes(data, `log ${i} data`)),
  }
}

const decodeStatus = (b: Uint8Array): Pick<DecodedReceipt, 'status' | 'postStateRoot'> => {
  if (b.length === 32) return { status: null, postStateRoot: toHex(b) }
  if (b.length === 0) return { status: 0, postStateRoot: null }
  if (b.length === 1 && b[0] === 1) return { status: 1, postStateRoot: null }
  throw new InvalidProofError({
    reason: 'MALFORMED_ENCODING',
    detail: 'receipt status is neither 0, 1 nor a 32-byte root',
  })
}

/**
 * Decode a receipt's consensus encoding (a value proven from the receipts trie): legacy
 * `rlp([...])` or EIP-2718 `type ‖ rlp([...])` for types 0x1-0x4.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeReceipt = (value: Uint8Array): DecodedReceipt => {
  const first = value[0]
  if (first === undefined) throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: 'empty receipt' })
  const isLegacy = first >= 0xc0
  // Type 0 is never prefixed (EIP-2718): a leading 0x00 is not a receipt.
  if (!isLegacy && (first === 0 || !(RECEIPT_TYPES as readonly number[]).includes(first))) {
    throw new InvalidProofError({
      reason: 'MALFORMED_ENCODING',
      detail: `unknown receipt type 0x${first.toString(16)}`,
    })
  }
  const [status, gas, bloom, logs] = asList(decodeRlp(isLegacy ? value : value.subarray(1)), 'receipt', 4)
  return {
    type: isLegacy ? 0 : first,
    ...decodeStatus(asBytes(status, 'receipt status')),
    cumulativeGasUsed: bytesToUint(asBytes(gas, 'receipt cumulativeGasUsed'), 'receipt cumulativeGasUsed'),
    logsBloom: toHex(asBytes(bloom, 'receipt logsBloom', 256)),
    logs: asList(logs, 'receipt logs').map(decodeLog),
  }
}
