import { getBytes, keccak256 } from 'ethers'
import { decodeRlp, encodeRlp, type RlpItem } from '../../../proofs/index.js'
import type { Hex } from '../../../types.js'

export const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`
export const bytes = (h: string): Uint8Array => getBytes(h)
export const hashOf = (b: Uint8Array): Uint8Array => getBytes(keccak256(b))

/** A node decoded as a list (test inputs are known to be lists). */
export const nodeOf = (enc: Uint8Array | Hex): RlpItem[] =>
  decodeRlp(typeof enc === 'string' ? bytes(enc) : enc) as RlpItem[]

/** Canonical list prefix around already-encoded items (which may themselves be non-canonical). */
export const rawList = (items: Uint8Array[]): Uint8Array => {
  const body = Buffer.concat(items)
  const n = body.length
  const prefix = n < 56 ? [0xc0 + n] : n < 256 ? [0xf8, n] : [0xf9, n >> 8, n & 0xff]
  return Uint8Array.from([...prefix, ...body])
}

/**
 * Replace proof[index] by `node` and re-hash every ancestor's reference to it, so the forged proof
 * is consistent up to a new root: only the structural checks can then refuse it.
 */
export const reseal = (
  proof: readonly (Hex | Uint8Array)[],
  index: number,
  node: Uint8Array,
): { root: Hex; proof: Uint8Array[] } => {
  const out = proof.map((p) => (typeof p === 'string' ? bytes(p) : p))
  let oldHash = hashOf(out[index]!)
  out[index] = node
  for (let i = index - 1; i >= 0; i--) {
    const parent = nodeOf(out[i]!)
    const at = parent.findIndex((c) => c instanceof Uint8Array && Buffer.from(c).equals(oldHash))
    expect(at).toBeGreaterThanOrEqual(0)
    parent[at] = hashOf(out[i + 1]!)
    oldHash = hashOf(out[i]!)
    out[i] = encodeRlp(parent)
  }
  return { root: hex(hashOf(out[0]!)), proof: out }
}
