import { InvalidProofError } from '../../errors.js'
import { concatBytes } from './bytes.js'
import { createScaleReader, encodeCompact } from './scale.js'

/** A value in a trie node: inline bytes, or (layout V1) the blake2-256 of a value stored as its own node. */
export type TrieValue = { inline: Uint8Array; hash?: undefined } | { hash: Uint8Array; inline?: undefined }

/** A child reference: the child's hash, or the child node itself when its encoding is under 32 bytes. */
export type TrieChild = { hash: Uint8Array; inline?: undefined } | { inline: Uint8Array; hash?: undefined }

/** A decoded node of Substrate's base-16 trie without extension nodes (sp-trie `NodeCodec`). */
export type TrieNode =
  | { type: 'empty' }
  | { type: 'leaf'; partial: Uint8Array; value: TrieValue }
  | { type: 'branch'; partial: Uint8Array; value: TrieValue | null; children: (TrieChild | null)[] }

// Node header prefixes (sp-trie node_header.rs): the top bits select the node type, the rest
// (and, when they are all ones, following bytes) count the partial key's nibbles.
const LEAF = 0b01 << 6
const BRANCH_NO_VALUE = 0b10 << 6
const BRANCH_WITH_VALUE = 0b11 << 6
const HASHED_VALUE_LEAF = 0b001 << 5
const HASHED_VALUE_BRANCH = 0b0001 << 4
/** sp-trie caps partial keys at this many nibbles. */
const NIBBLE_SIZE_BOUND = 65535

const nonCanonical = (what: string, detail: string) =>
  new InvalidProofError({ reason: 'NON_CANONICAL', detail: `${what}: ${detail}` })

/**
 * Decoding state: the node bytes and a cursor. Nodes are decoded on every proof step, so this
 * avoids the general SCALE reader's per-call allocations.
 */
interface Cursor {
  data: Uint8Array
  o: number
  what: string
}

const take = (c: Cursor, n: number): Uint8Array => {
  if (c.o + n > c.data.length) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${c.what}: truncated at byte ${c.o}` })
  }
  const out = c.data.subarray(c.o, c.o + n)
  c.o += n
  return out
}

const byte = (c: Cursor): number => take(c, 1)[0]!

/** A SCALE compact length (strict, via the general reader for the rare multi-byte forms). */
const compactLength = (c: Cursor): number => {
  const b0 = byte(c)
  if ((b0 & 3) === 0) return b0 >> 2
  c.o -= 1
  const r = createScaleReader(c.data.subarray(c.o), c.what)
  const v = r.compact()
  c.o += r.offset
  return v
}

const readSize = (c: Cursor, first: number, prefixBits: number): number => {
  const max = 255 >> prefixBits
  let size = first & max
  if (size < max) return size
  for (;;) {
    const n = byte(c)
    size += n
    if (n < 255) return Math.min(size, NIBBLE_SIZE_BOUND)
    if (size > NIBBLE_SIZE_BOUND) return NIBBLE_SIZE_BOUND
  }
}

const readPartial = (c: Cursor, count: number): Uint8Array => {
  const bytes = take(c, (count + 1) >> 1)
  const out = new Uint8Array(count)
  let o = 0
  let i = 0
  if (count % 2 === 1) {
    if (bytes[0]! >> 4 !== 0) throw nonCanonical(c.what, 'padding nibble of an odd partial key is not 0')
    out[o++] = bytes[i++]! & 0x0f
  }
  for (; i < bytes.length; i++) {
    out[o++] = bytes[i]! >> 4
    out[o++] = bytes[i]! & 0x0f
  }
  return out
}

const readChild = (c: Cursor): TrieChild => {
  const len = compactLength(c)
  if (len === 32) return { hash: take(c, 32) }
  if (len === 0 || len > 32) throw nonCanonical(c.what, `child reference of ${len} bytes`)
  return { inline: take(c, len) }
}

/**
 * Decode one trie node strictly (layouts V0 and V1 share the codec; V1 adds the hashed-value
 * node types).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeTrieNode = (data: Uint8Array, what: string): TrieNode => {
  const c: Cursor = { data, o: 0, what }
  const first = byte(c)
  let node: TrieNode
  const top = first & 0xc0
  if (first === 0) {
    node = { type: 'empty' }
  } else if (top === LEAF) {
    const partial = readPartial(c, readSize(c, first, 2))
    node = { type: 'leaf', partial, value: { inline: take(c, compactLength(c)) } }
  } else if ((first & 0xe0) === HASHED_VALUE_LEAF) {
    const partial = readPartial(c, readSize(c, first, 3))
    node = { type: 'leaf', partial, value: { hash: take(c, 32) } }
  } else if (top === BRANCH_NO_VALUE || top === BRANCH_WITH_VALUE || (first & 0xf0) === HASHED_VALUE_BRANCH) {
    const isHashed = top === 0
    const partial = readPartial(c, readSize(c, first, isHashed ? 4 : 2))
    const bitmapBytes = take(c, 2)
    const bitmap = bitmapBytes[0]! | (bitmapBytes[1]! << 8)
    if (bitmap === 0) throw nonCanonical(what, 'branch without children')
    const value: TrieValue | null = isHashed
      ? { hash: take(c, 32) }
      : top === BRANCH_WITH_VALUE
        ? { inline: take(c, compactLength(c)) }
        : null
    const children: (TrieChild | null)[] = []
    let count = 0
    for (let i = 0; i < 16; i++) {
      if ((bitmap >> i) & 1) {
        children.push(readChild(c))
        count++
      } else children.push(null)
    }
    // A valueless branch with one child is always merged into that child by the trie builder.
    if (value === null && count === 1) throw nonCanonical(what, 'branch with one child and no value')
    node = { type: 'branch', partial, value, children }
  } else {
    throw new InvalidProofError({
      reason: 'MALFORMED_ENCODING',
      detail: `${what}: unknown node header 0x${first.toString(16)}`,
    })
  }
  if (c.o !== data.length) {
    throw new InvalidProofError({
      reason: 'TRAILING_DATA',
      detail: `${what}: ${data.length - c.o} bytes after the node`,
    })
  }
  return node
}

const sizeHeader = (prefix: number, prefixBits: number, nibbles: number): Uint8Array => {
  const max = 255 >> prefixBits
  if (nibbles < max) return Uint8Array.of(prefix | nibbles)
  const out = [prefix | max]
  let rem = Math.min(nibbles, NIBBLE_SIZE_BOUND) - max
  for (; rem >= 255; rem -= 255) out.push(255)
  out.push(rem)
  return Uint8Array.from(out)
}

const encodePartial = (nibbles: Uint8Array): Uint8Array => {
  const out = new Uint8Array((nibbles.length + 1) >> 1)
  let i = 0
  let o = 0
  if (nibbles.length % 2 === 1) out[o++] = nibbles[i++]!
  for (; i < nibbles.length; i += 2) out[o++] = (nibbles[i]! << 4) | nibbles[i + 1]!
  return out
}

const encodeValue = (v: TrieValue): Uint8Array[] => (v.hash ? [v.hash] : [encodeCompact(v.inline.length), v.inline])

/** Encode one trie node (sp-trie `NodeCodec`), the inverse of `decodeTrieNode`. */
export const encodeTrieNode = (node: TrieNode): Uint8Array => {
  if (node.type === 'empty') return Uint8Array.of(0)
  if (node.type === 'leaf') {
    const header = node.value.hash
      ? sizeHeader(HASHED_VALUE_LEAF, 3, node.partial.length)
      : sizeHeader(LEAF, 2, node.partial.length)
    return concatBytes([header, encodePartial(node.partial), ...encodeValue(node.value)])
  }
  const header =
    node.value === null
      ? sizeHeader(BRANCH_NO_VALUE, 2, node.partial.length)
      : node.value.hash
        ? sizeHeader(HASHED_VALUE_BRANCH, 4, node.partial.length)
        : sizeHeader(BRANCH_WITH_VALUE, 2, node.partial.length)
  let bitmap = 0
  const children: Uint8Array[] = []
  node.children.forEach((c, i) => {
    if (c === null) return
    bitmap |= 1 << i
    const ref = c.hash ?? c.inline
    children.push(encodeCompact(ref.length), ref)
  })
  return concatBytes([
    header,
    encodePartial(node.partial),
    Uint8Array.of(bitmap & 0xff, bitmap >> 8),
    ...(node.value === null ? [] : encodeValue(node.value)),
    ...children,
  ])
}
