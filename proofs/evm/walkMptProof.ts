import { InvalidProofError } from '../../errors.js'
import { equalBytes, keccak, toBytes, toHex } from './bytes.js'
import { decodeRlp } from './decodeRlp.js'
import { encodeRlp } from './encodeRlp.js'
import { decodeHexPrefix, toNibbles } from './nibbles.js'
import { asBytes } from './rlpAccess.js'
import type { MptProofInput, RlpItem, VerifyMptProofOptions } from './types.js'

/** Default cap on proof nodes: a 32-byte key has 64 nibbles, plus the terminal node. */
export const MAX_MPT_DEPTH = 65

type Ref = { hash: Uint8Array } | { inline: RlpItem[] }

const reject = (reason: InvalidProofError['reason'], detail: string): InvalidProofError =>
  new InvalidProofError({ reason, detail: `MPT: ${detail}` })

/** A child reference is a 32-byte hash, or a node embedded in its parent because its encoding is < 32 bytes. */
const checkRef = (child: RlpItem, what: string): void => {
  if (child instanceof Uint8Array) {
    if (child.length !== 32) throw reject('NON_CANONICAL', `${what} is a ${child.length}-byte reference, expected 32`)
    return
  }
  const size = encodeRlp(child).length
  if (size >= 32)
    throw reject('NON_CANONICAL', `${what} embeds a ${size}-byte node; nodes of 32 bytes or more are hashed`)
}

const toRef = (child: RlpItem, what: string): Ref => {
  checkRef(child, what)
  return child instanceof Uint8Array ? { hash: child } : { inline: child }
}

const shapeOf = (node: RlpItem, what: string): RlpItem[] => {
  if (!Array.isArray(node) || (node.length !== 2 && node.length !== 17)) {
    throw reject('MALFORMED_ENCODING', `${what} is not a trie node (a list of 2 or 17 items)`)
  }
  return node
}

const loadNode = (nodes: Uint8Array[], index: number, hash: Uint8Array): RlpItem[] => {
  const enc = nodes[index]
  if (enc === undefined) throw reject('NODE_MISSING', `the proof ends before node ${index} (${toHex(hash)})`)
  if (!equalBytes(keccak(enc), hash)) {
    throw index === 0
      ? reject('ROOT_MISMATCH', 'keccak(proof[0]) is not the expected root')
      : reject('HASH_MISMATCH', `keccak(proof[${index}]) does not match the reference in its parent`)
  }
  if (index > 0 && enc.length < 32) {
    throw reject('NON_CANONICAL', `proof[${index}] is ${enc.length} bytes and referenced by hash; it must be embedded`)
  }
  return shapeOf(decodeRlp(enc), `proof[${index}]`)
}

/** Every child slot is empty, a hash or a small embedded node; no value unless allowed; at least two entries. */
const checkBranch = (node: RlpItem[], what: string, allowBranchValues: boolean): void => {
  let entries = 0
  for (let i = 0; i < 16; i++) {
    const c = node[i]!
    if (c instanceof Uint8Array && c.length === 0) continue
    checkRef(c, `${what} child ${i}`)
    entries++
  }
  const value = asBytes(node[16], `${what} value`)
  if (value.length > 0) {
    if (!allowBranchValues) throw reject('NON_CANONICAL', `${what} holds a value; this trie has none in branches`)
    entries++
  }
  if (entries < 2) throw reject('NON_CANONICAL', `${what} has ${entries} entries; a branch needs at least two`)
}

const startsWith = (key: Uint8Array, at: number, path: Uint8Array): boolean => {
  if (key.length - at < path.length) return false
  for (let i = 0; i < path.length; i++) if (key[at + i] !== path[i]) return false
  return true
}

/**
 * Walk a Merkle-Patricia proof from `root` along `key`. Returns the value, or `null` when the proof
 * shows the key is absent. The proof must be exactly the hash-referenced nodes on the path, in order.
 * @throws InvalidProofError NODE_MISSING, ROOT_MISMATCH, HASH_MISMATCH, EXTRA_NODES, DEPTH_EXCEEDED,
 *   NON_CANONICAL, MALFORMED_ENCODING, TRAILING_DATA
 */
export const walkMptProof = (input: MptProofInput, opts: VerifyMptProofOptions = {}): Uint8Array | null => {
  const root = toBytes(input.root, 'root')
  if (root.length !== 32) throw reject('MALFORMED_ENCODING', `root is ${root.length} bytes, expected 32`)
  const key = toNibbles(toBytes(input.key, 'key'))
  const nodes = input.proof.map((n, i) => toBytes(n, `proof[${i}]`))
  const limit = Math.min(opts.maxDepth ?? MAX_MPT_DEPTH, key.length + 1)
  if (nodes.length === 0) throw reject('NODE_MISSING', 'the proof is empty')
  if (nodes.length > limit) throw reject('DEPTH_EXCEEDED', `${nodes.length} nodes; at most ${limit} for this key`)
  const done = (value: Uint8Array | null, used: number): Uint8Array | null => {
    if (used < nodes.length) throw reject('EXTRA_NODES', `${nodes.length - used} unused nodes after the path ends`)
    return value
  }
  let ref: Ref = { hash: root }
  let used = 0
  let pos = 0
  let afterExtension = false
  // Terminates: every pass returns or consumes at least one key nibble.
  for (;;) {
    const what = 'hash' in ref ? `proof[${used}]` : `node embedded after proof[${used - 1}]`
    const node: RlpItem[] = 'hash' in ref ? loadNode(nodes, used++, ref.hash) : shapeOf(ref.inline, what)
    if (node.length === 17) {
      checkBranch(node, what, opts.allowBranchValues === true)
      if (pos === key.length) {
        const value = node[16] as Uint8Array
        return done(value.length > 0 ? value : null, used)
      }
      const child = node[key[pos++]!]!
      if (child instanceof Uint8Array && child.length === 0) return done(null, used)
      // Already checked by checkBranch.
      ref = child instanceof Uint8Array ? { hash: child } : { inline: child as RlpItem[] }
      afterExtension = false
      continue
    }
    const path = decodeHexPrefix(asBytes(node[0], `${what} path`))
    if (afterExtension) throw reject('NON_CANONICAL', `${what} follows an extension; only a branch may`)
    if (path.isLeaf) {
      const value = asBytes(node[1], `${what} value`)
      if (value.length === 0) throw reject('NON_CANONICAL', `${what} is a leaf with an empty value`)
      const isMatch = key.length - pos === path.nibbles.length && startsWith(key, pos, path.nibbles)
      return done(isMatch ? value : null, used)
    }
    if (path.nibbles.length === 0) throw reject('NON_CANONICAL', `${what} is an extension with an empty path`)
    ref = toRef(node[1]!, `${what} child`)
    if (!startsWith(key, pos, path.nibbles)) return done(null, used)
    pos += path.nibbles.length
    afterExtension = true
  }
}
