import { keccak_256 } from '@noble/hashes/sha3.js'
import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import type { BytesLike } from './types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/

/** Lower-case `0x` hex of some bytes. */
export const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`

/** Raw bytes of a `BytesLike`; bad hex is a malformed proof. */
export const toBytes = (v: BytesLike, what: string): Uint8Array => {
  if (v instanceof Uint8Array) return v
  if (typeof v !== 'string' || !HEX_RE.test(v)) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${what} is not 0x-prefixed even-length hex` })
  }
  return Uint8Array.from(Buffer.from(v.slice(2), 'hex'))
}

/**
 * keccak256. @noble/hashes 2.x directly: the 1.3 copy inside ethers hashes about half as fast, and
 * hashing is most of the cost of verifying a receipt proof.
 */
export const keccak = (b: Uint8Array): Uint8Array => keccak_256(b)

/** keccak256 as lower-case hex. */
export const keccakHex = (b: Uint8Array): Hex => toHex(keccak_256(b))

/** Byte-wise equality. */
export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Minimal big-endian bytes of an unsigned integer (0 → empty), as RLP wants integers. */
export const uintToBytes = (v: bigint | number): Uint8Array => {
  let n = BigInt(v)
  const out: number[] = []
  while (n > 0n) {
    out.push(Number(n & 0xffn))
    n >>= 8n
  }
  return Uint8Array.from(out.reverse())
}

/** Strict RLP integer: no leading zero bytes. */
export const bytesToUint = (b: Uint8Array, what: string): bigint => {
  if (b.length > 0 && b[0] === 0) {
    throw new InvalidProofError({ reason: 'NON_CANONICAL', detail: `${what} has leading zero bytes` })
  }
  return b.length === 0 ? 0n : BigInt(toHex(b))
}
