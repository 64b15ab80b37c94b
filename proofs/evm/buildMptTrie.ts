import { BundleInvalidError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { keccak, keccakHex, toHex } from './bytes.js'
import { encodeRlp } from './encodeRlp.js'
import { commonPrefix, encodeHexPrefix, toNibbles } from './nibbles.js'
import type { MptEntry, RlpItem } from './types.js'

interface Item {
  path: Uint8Array
  value: Uint8Array
}

/** A built node with what is needed to walk a key down to its leaf. */
type TrieNode =
  | { kind: 'leaf'; rest: Uint8Array; node: RlpItem[]; encoded: Uint8Array }
  | { kind: 'extension'; prefix: Uint8Array; child: TrieNode; node: RlpItem[]; encoded: Uint8Array }
  | { kind: 'branch'; children: (TrieNode | undefined)[]; node: RlpItem[]; encoded: Uint8Array }

/** A trie built once: its root and the inclusion proof of any of its keys. */
export interface MptTrie {
  root: Hex
  /** Proof nodes from the root down to the key's leaf, in the `eth_getProof` layout. */
  proofOf(key: Uint8Array): Hex[]
}

const EMPTY = new Uint8Array(0)
// A child under 32 bytes is embedded in its parent, not a proof node of its own.
const refOf = (child: TrieNode): RlpItem => (child.encoded.length < 32 ? child.node : keccak(child.encoded))

const build = (items: Item[], depth: number): TrieNode => {
  if (items.length === 1) {
    const rest = items[0]!.path.subarray(depth)
    const node: RlpItem[] = [encodeHexPrefix(rest, true), items[0]!.value]
    return { kind: 'leaf', rest, node, encoded: encodeRlp(node) }
  }
  const cp = commonPrefix(items, depth)
  if (cp > 0) {
    const prefix = items[0]!.path.subarray(depth, depth + cp)
    const child = build(items, depth + cp)
    const node: RlpItem[] = [encodeHexPrefix(prefix, false), refOf(child)]
    return { kind: 'extension', prefix, child, node, encoded: encodeRlp(node) }
  }
  const groups: Item[][] = Array.from({ length: 16 }, () => [])
  let value: Uint8Array = EMPTY
  for (const it of items) {
    if (it.path.length === depth) {
      if (value.length > 0) throw new BundleInvalidError({ field: 'entries', expected: 'unique keys' })
      value = it.value
    } else groups[it.path[depth]!]!.push(it)
  }
  const children = groups.map((g) => (g.length > 0 ? build(g, depth + 1) : undefined))
  const node: RlpItem[] = [...children.map((c) => (c ? refOf(c) : EMPTY)), value]
  return { kind: 'branch', children, node, encoded: encodeRlp(node) }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Build the Merkle-Patricia trie of `entries` once and serve inclusion proofs of any key from it —
 * linear in the block where one `buildMptProof` per key is quadratic (a burst of n messages in one
 * block needs n proofs of an n-receipt trie).
 * @throws BundleInvalidError when there are no entries, a key repeats or a value is empty; from
 *   `proofOf`, when the key is not in the trie
 */
export const buildMptTrie = (entries: readonly MptEntry[]): MptTrie => {
  if (entries.length === 0) throw new BundleInvalidError({ field: 'entries', expected: 'at least one entry' })
  const items = entries.map((e): Item => {
    if (e.value.length === 0) throw new BundleInvalidError({ field: 'entries', expected: 'non-empty values' })
    return { path: toNibbles(e.key), value: e.value }
  })
  const root = build(items, 0)
  return {
    root: keccakHex(root.encoded),
    proofOf: (key) => {
      const path = toNibbles(key)
      const proof: Hex[] = [toHex(root.encoded)]
      let node = root
      let depth = 0
      for (;;) {
        if (node.kind === 'leaf') {
          if (!sameBytes(node.rest, path.subarray(depth))) break
          return proof
        }
        let next: TrieNode | undefined
        if (node.kind === 'extension') {
          if (!sameBytes(node.prefix, path.subarray(depth, depth + node.prefix.length))) break
          depth += node.prefix.length
          next = node.child
        } else {
          if (depth >= path.length) break
          next = node.children[path[depth]!]
          depth += 1
        }
        if (!next) break
        if (next.encoded.length >= 32) proof.push(toHex(next.encoded))
        node = next
      }
      throw new BundleInvalidError({ field: 'key', expected: 'a key present in the trie' })
    },
  }
}
