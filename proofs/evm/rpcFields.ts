import { BundleInvalidError } from '../../errors.js'
import { uintToBytes } from './bytes.js'

const DATA_RE = /^0x(?:[0-9a-fA-F]{2})*$/
const QUANTITY_RE = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$/

/** A JSON-RPC DATA field (even-length hex), optionally of a fixed byte length. */
export const rpcData = (v: unknown, field: string, length?: number): Uint8Array => {
  if (typeof v !== 'string' || !DATA_RE.test(v) || (length !== undefined && v.length !== 2 + 2 * length)) {
    throw new BundleInvalidError({
      field,
      expected: length === undefined ? '0x hex data' : `0x hex of ${length} bytes`,
    })
  }
  return Uint8Array.from(Buffer.from(v.slice(2), 'hex'))
}

/** A JSON-RPC QUANTITY field, returned as minimal big-endian bytes (its RLP integer form). */
export const rpcQuantity = (v: unknown, field: string): Uint8Array => {
  if (typeof v !== 'string' || !QUANTITY_RE.test(v)) {
    throw new BundleInvalidError({ field, expected: 'a 0x hex quantity without leading zeros' })
  }
  return uintToBytes(BigInt(v))
}
