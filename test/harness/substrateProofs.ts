import { ed25519 } from '@noble/curves/ed25519.js'
import { blake2b } from '@noble/hashes/blake2.js'
import {
  decodeTrieNode,
  encodeTrieNode,
  grandpaPrecommitPayload,
  type TrieNode,
  type TrieVersion,
} from '../../proofs/index.js'
import type { Hex } from '../../types.js'

// Test-only builders for Substrate proofs: tries with read proofs, and GRANDPA justifications
// signed by generated ed25519 keys. Independent of proofs/substrate's trieRoot (a recursive
// insertion builder here vs. the sorted builder there), so the two check each other.

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))
const blake = (b: Uint8Array): Uint8Array => blake2b(b, { dkLen: 32 })
const nibblesOf = (k: Uint8Array): number[] => [...k].flatMap((b) => [b >> 4, b & 15])

type Tree = { partial: number[]; value?: Uint8Array; children: (Tree | undefined)[] }

const insert = (t: Tree | undefined, key: number[], value: Uint8Array): Tree => {
  if (t === undefined) return { partial: key, value, children: [] }
  let i = 0
  while (i < t.partial.length && i < key.length && t.partial[i] === key[i]) i++
  if (i < t.partial.length) {
    const split: Tree = { partial: t.partial.slice(0, i), children: [] }
    split.children[t.partial[i]!] = { ...t, partial: t.partial.slice(i + 1) }
    return insert(split, key, value)
  }
  if (i === key.length) return { ...t, value }
  const children = [...t.children]
  children[key[i]!] = insert(children[key[i]!], key.slice(i + 1), value)
  return { ...t, children }
}

/** A trie built from entries: its root and a database of every hash-referenced node and hashed value. */
export interface BuiltTrie {
  root: Hex
  db: Map<Hex, Uint8Array>
}

/** Build the trie of `entries` in layout `version`. */
export const buildTrie = (entries: { key: Uint8Array; value: Uint8Array }[], version: TrieVersion): BuiltTrie => {
  let tree: Tree | undefined
  for (const e of entries) tree = insert(tree, nibblesOf(e.key), e.value)
  const db = new Map<Hex, Uint8Array>()
  const value = (v: Uint8Array) => {
    if (version === 1 && v.length >= 33) {
      db.set(hex(blake(v)), v)
      return { hash: blake(v) }
    }
    return { inline: v }
  }
  const encode = (t: Tree): Uint8Array => {
    const partial = Uint8Array.from(t.partial)
    const kids = Array.from({ length: 16 }, (_, i) => t.children[i])
    if (kids.every((c) => c === undefined)) return encodeTrieNode({ type: 'leaf', partial, value: value(t.value!) })
    const node: TrieNode = {
      type: 'branch',
      partial,
      value: t.value === undefined ? null : value(t.value),
      children: kids.map((c) => {
        if (c === undefined) return null
        const enc = encode(c)
        if (enc.length < 32) return { inline: enc }
        db.set(hex(blake(enc)), enc)
        return { hash: blake(enc) }
      }),
    }
    return encodeTrieNode(node)
  }
  const rootNode = tree === undefined ? Uint8Array.of(0) : encode(tree)
  const root = hex(blake(rootNode))
  db.set(root, rootNode)
  return { root, db }
}

/** The read proof (node set) of `keys` in a built trie: every node a lookup of those keys touches. */
export const proveKeys = (trie: BuiltTrie, keys: Uint8Array[]): Hex[] => {
  const out = new Set<Hex>()
  const take = (h: Uint8Array): Uint8Array => {
    const k = hex(h)
    out.add(k)
    return trie.db.get(k)!
  }
  for (const key of keys) {
    const nib = nibblesOf(key)
    let node = decodeTrieNode(take(bytes(trie.root)), 'root')
    let at = 0
    for (;;) {
      if (node.type === 'empty') break
      const p = [...node.partial]
      if (p.some((n, i) => nib[at + i] !== n)) break
      at += p.length
      if (node.type === 'leaf' || at === nib.length) {
        const v = node.type === 'leaf' ? (at === nib.length ? node.value : null) : node.value
        if (v?.hash) take(v.hash)
        break
      }
      const c = node.children[nib[at]!]
      if (!c) break
      at++
      node = decodeTrieNode(c.inline ?? take(c.hash), 'node')
    }
  }
  return [...out].map((h) => hex(trie.db.get(h)!))
}

/** A deterministic ed25519 key: secret seed from `i`, and its public key. */
export const grandpaKey = (i: number): { secret: Uint8Array; id: Hex } => {
  const secret = blake(Buffer.from(`isthmus-grandpa-test-key-${i}`))
  return { secret, id: hex(ed25519.getPublicKey(secret)) }
}

/** One precommit to sign: the signer's key and the block it votes for. */
export interface PrecommitSpec {
  key: { secret: Uint8Array; id: Hex }
  targetHash: Hex
  targetNumber: bigint
}

const u32 = (v: bigint) => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(Number(v))
  return b
}
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(v)
  return b
}
const compact = (n: number): Buffer => {
  if (n < 64) return Buffer.from([n << 2])
  if (n < 1 << 14) return Buffer.from([((n << 2) | 1) & 0xff, n >> 6])
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n * 4 + 2)
  return b
}

/** SCALE `GrandpaJustification` from its parts (signatures as given: no signing). */
export const encodeJustification = (o: {
  round: bigint
  targetHash: Hex
  targetNumber: bigint
  precommits: { targetHash: Hex; targetNumber: bigint; signature: Hex | Uint8Array; id: Hex }[]
  ancestries?: Uint8Array[]
}): Hex => {
  const parts: Buffer[] = [
    u64(o.round),
    Buffer.from(bytes(o.targetHash)),
    u32(o.targetNumber),
    compact(o.precommits.length),
  ]
  for (const p of o.precommits) {
    const sig = typeof p.signature === 'string' ? bytes(p.signature) : p.signature
    parts.push(Buffer.from(bytes(p.targetHash)), u32(p.targetNumber), Buffer.from(sig), Buffer.from(bytes(p.id)))
  }
  const anc = o.ancestries ?? []
  parts.push(compact(anc.length), ...anc.map((h) => Buffer.from(h)))
  return hex(Buffer.concat(parts))
}

/** SCALE `GrandpaJustification` with real ed25519 signatures over `(Precommit, round, setId)`. */
export const buildJustification = (o: {
  round: bigint
  setId: bigint
  targetHash: Hex
  targetNumber: bigint
  precommits: PrecommitSpec[]
  ancestries?: Uint8Array[]
}): Hex =>
  encodeJustification({
    ...o,
    precommits: o.precommits.map((p) => ({
      targetHash: p.targetHash,
      targetNumber: p.targetNumber,
      id: p.key.id,
      signature: ed25519.sign(
        grandpaPrecommitPayload({
          targetHash: p.targetHash,
          targetNumber: p.targetNumber,
          round: o.round,
          setId: o.setId,
        }),
        p.key.secret,
      ),
    })),
  })

/** A SCALE header with the given parent and number and an empty digest; `salt` varies its roots. */
export const makeHeader = (parentHash: Hex, number: bigint, salt = 0): { bytes: Uint8Array; hash: Hex } => {
  const roots = Buffer.alloc(64, salt & 0xff)
  const b = Buffer.concat([Buffer.from(bytes(parentHash)), compact(Number(number)), roots, Buffer.from([0])])
  return { bytes: Uint8Array.from(b), hash: hex(blake(b)) }
}
