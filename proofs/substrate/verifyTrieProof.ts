import { InvalidProofError } from '../../errors.js'
import { blake2_256, toHex } from './bytes.js'
import { decodeTrieNode, type TrieChild, type TrieNode, type TrieValue } from './trieNode.js'
import type { TrieProofEntry, TrieProofInput, TrieVersion } from './types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/

/** Root of the empty trie (both layouts): blake2-256 of the empty node `0x00`. */
export const EMPTY_TRIE_ROOT = toHex(blake2_256(Uint8Array.of(0)))

const fail = (reason: InvalidProofError['reason'], detail: string) =>
  new InvalidProofError({ reason, detail: `trie proof: ${detail}` })

const bytesOf = (v: Uint8Array | string, what: string): Uint8Array => {
  if (v instanceof Uint8Array) return v
  if (typeof v !== 'string' || !HEX_RE.test(v)) throw fail('MALFORMED_ENCODING', `${what} is not 0x hex`)
  return Uint8Array.from(Buffer.from(v.slice(2), 'hex'))
}

const toNibbles = (key: Uint8Array): Uint8Array => {
  const out = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 0x0f
  }
  return out
}

interface ProofDb {
  nodes: Map<string, Uint8Array>
  used: Set<string>
  version: TrieVersion
}

const fetch = (db: ProofDb, hash: Uint8Array, what: string): Uint8Array => {
  const k = toHex(hash)
  const node = db.nodes.get(k)
  if (node === undefined) throw fail('NODE_MISSING', `${what} ${k} is not in the proof`)
  db.used.add(k)
  return node
}

const resolveChild = (db: ProofDb, c: TrieChild, at: number): TrieNode => {
  if (c.inline) return decodeTrieNode(c.inline, `inline node at nibble ${at}`)
  const encoded = fetch(db, c.hash, `node at nibble ${at}`)
  // A node whose encoding is under 32 bytes is always inlined in its parent, never hashed.
  if (encoded.length < 32)
    throw fail('NON_CANONICAL', `hash-referenced node at nibble ${at} is ${encoded.length} bytes`)
  const node = decodeTrieNode(encoded, `node at nibble ${at}`)
  if (node.type === 'empty') throw fail('NON_CANONICAL', `empty node below the root at nibble ${at}`)
  return node
}

const resolveValue = (db: ProofDb, v: TrieValue): Uint8Array => {
  if (v.inline) return v.inline
  if (db.version === 0) throw fail('NON_CANONICAL', 'hashed value node in a state version 0 trie')
  const value = fetch(db, v.hash, 'value node')
  // Layout V1 hashes values of 33 bytes or more and only those.
  if (value.length < 33)
    throw fail('NON_CANONICAL', `hashed value of ${value.length} bytes (V1 inlines values under 33 bytes)`)
  return value
}

const startsWith = (key: Uint8Array, at: number, partial: Uint8Array): boolean => {
  if (at + partial.length > key.length) return false
  for (let i = 0; i < partial.length; i++) if (key[at + i] !== partial[i]) return false
  return true
}

const lookup = (db: ProofDb, root: TrieNode, key: Uint8Array): Uint8Array | null => {
  let node = root
  let at = 0
  for (;;) {
    if (node.type === 'empty') return null
    if (!startsWith(key, at, node.partial)) return null
    at += node.partial.length
    if (node.type === 'leaf') return at === key.length ? resolveValue(db, node.value) : null
    if (at === key.length) return node.value === null ? null : resolveValue(db, node.value)
    const child = node.children[key[at]!]
    if (child === null || child === undefined) return null
    at += 1
    node = resolveChild(db, child, at)
  }
}

/**
 * Verify a Substrate read proof (`state_getReadProof`: an unordered set of trie nodes) against a
 * state root, for every key of `keys`: each key's value, or `null` when the proof shows it absent.
 * Strict: every node must be used by some key (EXTRA_NODES), no node may repeat, nodes under
 * 32 bytes must be inlined, valueless single-child branches and (state version 0) hashed values
 * are refused (NON_CANONICAL).
 * @throws InvalidProofError ROOT_MISMATCH, NODE_MISSING, EXTRA_NODES, NON_CANONICAL, MALFORMED_ENCODING, TRAILING_DATA
 */
export const verifyTrieProof = (input: TrieProofInput): TrieProofEntry[] => {
  const root = bytesOf(input.root, 'root')
  if (root.length !== 32) throw fail('MALFORMED_ENCODING', 'root is not 32 bytes')
  const db: ProofDb = { nodes: new Map(), used: new Set(), version: input.stateVersion }
  input.proof.forEach((n, i) => {
    const bytes = bytesOf(n, `proof[${i}]`)
    const k = toHex(blake2_256(bytes))
    if (db.nodes.has(k)) throw fail('EXTRA_NODES', `proof[${i}] repeats a node`)
    db.nodes.set(k, bytes)
  })
  const rootHex = toHex(root)
  let rootNode: TrieNode = { type: 'empty' }
  if (rootHex !== EMPTY_TRIE_ROOT || db.nodes.has(rootHex)) {
    const encoded = db.nodes.get(rootHex)
    if (encoded === undefined) throw fail('ROOT_MISMATCH', `no proof node hashes to the root ${rootHex}`)
    db.used.add(rootHex)
    rootNode = decodeTrieNode(encoded, 'root node')
  }
  const entries = input.keys.map((k, i) => {
    const key = bytesOf(k, `keys[${i}]`)
    const value = lookup(db, rootNode, toNibbles(key))
    return { key: toHex(key), value: value === null ? null : toHex(value) }
  })
  if (db.used.size !== db.nodes.size) {
    throw fail('EXTRA_NODES', `${db.nodes.size - db.used.size} proof nodes are not on the path of any key`)
  }
  return entries
}
