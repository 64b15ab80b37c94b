import { blake2b } from '@noble/hashes/blake2.js'
import type { Hex } from '../../types.js'

/** blake2b-256: Substrate's header, trie node and value hash. */
export const blake2_256 = (b: Uint8Array): Uint8Array => blake2b(b, { dkLen: 32 })

/** Lower-case `0x` hex of some bytes. */
export const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`

/** Raw bytes of trusted well-formed hex (the bundle parser already checked it). */
export const hexToBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))

/** Concatenation of byte arrays. */
export const concatBytes = (parts: readonly Uint8Array[]): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
