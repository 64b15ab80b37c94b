import { blake2b } from '@noble/hashes/blake2.js'
import type { Hex } from '../../types.js'

const jsBlake2_256 = (b: Uint8Array): Uint8Array => blake2b(b, { dkLen: 32 })

// Set once by `initSubstrateCrypto`: an accelerator with identical output, not state that changes results.
let wasmBlake2_256: ((b: Uint8Array) => Uint8Array) | undefined

/**
 * Optional: switch blake2 to @polkadot/util-crypto's wasm implementation (an order of magnitude
 * faster than the pure-JS one, test/bench/substrate.bench.ts). Loaded lazily so that importing
 * `proofs/` stays cheap; verification results are the same with or without it.
 */
export const initSubstrateCrypto = async (): Promise<void> => {
  const { blake2AsU8a, cryptoWaitReady } = await import('@polkadot/util-crypto')
  const noKey = new Uint8Array(0) // passing the (empty) key skips a conversion per call
  if (await cryptoWaitReady()) wasmBlake2_256 = (b) => blake2AsU8a(b, 256, noKey)
}

/** blake2b-256: Substrate's header, trie node and value hash. */
export const blake2_256 = (b: Uint8Array): Uint8Array => (wasmBlake2_256 ?? jsBlake2_256)(b)

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
