import { MessageInvalidError } from '../errors.js'
import type { Hex } from '../types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/

/** Parse a 0x hex string into bytes; `field` names the input in the error. */
export const hexToBytes = (value: unknown, field: string): Uint8Array => {
  if (typeof value !== 'string' || !HEX_RE.test(value)) {
    throw new MessageInvalidError({
      field,
      expected: '0x-prefixed hex with an even number of digits',
      got: preview(value),
    })
  }
  return Uint8Array.from(Buffer.from(value.slice(2), 'hex'))
}

export const bytesToHex = (b: Uint8Array): Hex =>
  `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`

/** A fixed-width byte string such as bytes32. */
export const fixedHex = (value: unknown, field: string, width: number): Uint8Array => {
  const b = hexToBytes(value, field)
  if (b.length !== width) throw new MessageInvalidError({ field, expected: `${width} bytes`, got: `${b.length} bytes` })
  return b
}

/** Big-endian unsigned integer of `width` bytes. */
export const writeUint = (out: Uint8Array, offset: number, width: number, value: bigint): void => {
  let v = value
  for (let i = width - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn)
    v >>= 8n
  }
}

export const readUint = (b: Uint8Array, offset: number, width: number): bigint => {
  let v = 0n
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(b[offset + i]!)
  return v
}

export const checkUint = (value: unknown, field: string, bits: number): bigint => {
  const max = (1n << BigInt(bits)) - 1n
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof v !== 'bigint' || v < 0n || v > max) {
    throw new MessageInvalidError({ field, expected: `an integer in [0, 2^${bits} - 1]`, got: preview(value) })
  }
  return v
}

const preview = (v: unknown): string => {
  const s = typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v)
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
