import { compactFromU8a, u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { InvalidProofError } from '../../errors.js'

// A straightforward Substrate read-proof lookup written with @polkadot/util and
// @polkadot/util-crypto's (wasm) blake2, as the bench's reference for verifyTrieProof: the same
// node codec, without the strictness checks (canonical nodes, unused nodes, layout rules).

type Child = Uint8Array | null

const decode = (n: Uint8Array) => {
  const h = n[0]!
  let o = 1
  const size = (bits: number) => {
    const max = 255 >> bits
    let s = h & max
    if (s === max) {
      for (;;) {
        const b = n[o++]!
        s += b
        if (b < 255) break
      }
    }
    return s
  }
  const kind = h >> 6 === 1 ? 'leaf' : h >> 6 >= 2 ? 'branch' : h >> 5 === 1 ? 'hleaf' : 'hbranch'
  const count = size(kind === 'leaf' || kind === 'branch' ? 2 : kind === 'hleaf' ? 3 : 4)
  const nib: number[] = []
  const start = o
  o += (count + 1) >> 1
  for (let i = 0; i < count; i++) {
    const k = i + (count % 2)
    const b = n[start + (k >> 1)]!
    nib.push(k % 2 === 0 ? b >> 4 : b & 15)
  }
  const vec = (): Uint8Array => {
    const [len, v] = compactFromU8a(n.subarray(o))
    o += len
    const out = n.subarray(o, o + v.toNumber())
    o += v.toNumber()
    return out
  }
  if (kind === 'leaf') return { nib, value: vec(), hashed: false, children: null }
  if (kind === 'hleaf') return { nib, value: n.subarray(o, o + 32), hashed: true, children: null }
  const bitmap = n[o]! | (n[o + 1]! << 8)
  o += 2
  let value: Uint8Array | null = null
  if (kind === 'hbranch') {
    value = n.subarray(o, o + 32)
    o += 32
  } else if (h >> 6 === 3) value = vec()
  const children: Child[] = []
  for (let i = 0; i < 16; i++) children.push((bitmap >> i) & 1 ? vec() : null)
  return { nib, value, hashed: kind === 'hbranch', children }
}

/** The value at `key` under `root` (null when absent); throws when a needed node is missing. */
export const referenceReadProof = (root: Uint8Array, proof: Uint8Array[], key: Uint8Array): Uint8Array | null => {
  const db = new Map<string, Uint8Array>()
  for (const n of proof) db.set(u8aToHex(blake2AsU8a(n, 256)), n)
  const get = (h: Uint8Array) => {
    const n = db.get(u8aToHex(h))
    if (!n) throw new InvalidProofError({ reason: 'NODE_MISSING', detail: 'reference: incomplete proof' })
    return n
  }
  const nib = [...key].flatMap((b) => [b >> 4, b & 15])
  let node = decode(get(root))
  let at = 0
  for (;;) {
    if (node.nib.some((x, i) => nib[at + i] !== x)) return null
    at += node.nib.length
    if (node.children === null || at === nib.length) {
      if (at !== nib.length || node.value === null) return null
      return node.hashed ? get(node.value) : node.value
    }
    const c = node.children[nib[at++]!]
    if (!c) return null
    node = decode(c.length === 32 ? get(c) : c)
  }
}
