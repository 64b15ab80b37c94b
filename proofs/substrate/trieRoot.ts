import { BundleInvalidError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { blake2_256, toHex } from './bytes.js'
import { encodeCompact } from './scale.js'
import { encodeTrieNode, type TrieChild, type TrieValue } from './trieNode.js'
import type { TrieVersion } from './types.js'

/** LayoutV1 stores values of this many bytes or more as their own node, referenced by hash. */
const V1_MAX_INLINE_VALUE = 32

interface Item {
  nibbles: Uint8Array
  value: Uint8Array
}

const toNibbles = (key: Uint8Array): Uint8Array => {
  const out = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 0x0f
  }
  return out
}

const compareNibbles = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

const trieValue = (v: Uint8Array, version: TrieVersion): TrieValue =>
  version === 1 && v.length > V1_MAX_INLINE_VALUE ? { hash: blake2_256(v) } : { inline: v }

const reference = (encoded: Uint8Array): TrieChild =>
  encoded.length >= 32 ? { hash: blake2_256(encoded) } : { inline: encoded }

/** Encode the sub-trie of `items` (sorted, sharing their first `depth` nibbles). */
const encodeSubtrie = (items: Item[], depth: number, version: TrieVersion): Uint8Array => {
  const first = items[0]!
  if (items.length === 1) {
    return encodeTrieNode({
      type: 'leaf',
      partial: first.nibbles.subarray(depth),
      value: trieValue(first.value, version),
    })
  }
  const last = items[items.length - 1]!
  let end = depth // sorted, so the common prefix of all is that of the first and last
  while (end < first.nibbles.length && end < last.nibbles.length && first.nibbles[end] === last.nibbles[end]) end++
  const hasValue = first.nibbles.length === end
  const children: (TrieChild | null)[] = new Array(16).fill(null)
  let i = hasValue ? 1 : 0
  while (i < items.length) {
    const nibble = items[i]!.nibbles[end]!
    let j = i + 1
    while (j < items.length && items[j]!.nibbles[end] === nibble) j++
    children[nibble] = reference(encodeSubtrie(items.slice(i, j), end + 1, version))
    i = j
  }
  return encodeTrieNode({
    type: 'branch',
    partial: first.nibbles.subarray(depth, end),
    value: hasValue ? trieValue(first.value, version) : null,
    children,
  })
}

/**
 * Root of the trie holding `entries` in the given layout (sp-trie `trie_root` with
 * `LayoutV0`/`LayoutV1`).
 * @throws BundleInvalidError for a repeated key
 */
export const trieRoot = (entries: readonly { key: Uint8Array; value: Uint8Array }[], version: TrieVersion): Hex => {
  const items = entries
    .map((e) => ({ nibbles: toNibbles(e.key), value: e.value }))
    .sort((a, b) => compareNibbles(a.nibbles, b.nibbles))
  for (let i = 1; i < items.length; i++) {
    if (compareNibbles(items[i - 1]!.nibbles, items[i]!.nibbles) === 0) {
      throw new BundleInvalidError({ field: 'entries', expected: 'distinct keys' })
    }
  }
  if (items.length === 0) return toHex(blake2_256(Uint8Array.of(0)))
  return toHex(blake2_256(encodeSubtrie(items, 0, version)))
}

/**
 * Root of the ordered trie of `values` (key = SCALE compact index): a block's extrinsics root,
 * where each value is one extrinsic as `chain_getBlock` returns it (its SCALE encoding, length
 * prefix included). `version` is the runtime's extrinsics-root layout (RuntimeVersion
 * `system_version` 2 → V1, 0 or 1 → V0).
 */
export const orderedTrieRoot = (values: readonly Uint8Array[], version: TrieVersion): Hex =>
  trieRoot(
    values.map((value, i) => ({ key: encodeCompact(i), value })),
    version,
  )
