import { BundleInvalidError } from '../../errors.js'
import { keccak, keccakHex, toHex } from './bytes.js'
import { encodeRlp } from './encodeRlp.js'
import { commonPrefix, encodeHexPrefix, toNibbles } from './nibbles.js'
import type { BuildMptProofResult, MptEntry, RlpItem } from './types.js'

interface Item {
  path: Uint8Array
  value: Uint8Array
}

/** A built subtrie: its node, encoding, and the proof nodes from it down the target's path (itself first). */
interface Built {
  node: RlpItem[]
  encoded: Uint8Array
  proof: Uint8Array[]
}

const EMPTY = new Uint8Array(0)

const make = (node: RlpItem[], onPath: boolean, below: Built | undefined): Built => {
  const encoded = encodeRlp(node)
  // A child under 32 bytes is embedded in this node, so it is not a proof node of its own.
  const tail = below ? (below.encoded.length < 32 ? below.proof.slice(1) : below.proof) : []
  return { node, encoded, proof: onPath ? [encoded, ...tail] : [] }
}

const refOf = (child: Built): RlpItem => (child.encoded.length < 32 ? child.node : keccak(child.encoded))

const build = (items: Item[], depth: number, target: Uint8Array | null): Built => {
  if (items.length === 1) {
    const it = items[0]!
    return make([encodeHexPrefix(it.path.subarray(depth), true), it.value], target !== null, undefined)
  }
  const cp = commonPrefix(items, depth)
  if (cp > 0) {
    const prefix = items[0]!.path.subarray(depth, depth + cp)
    const isOnPath = target !== null && Buffer.from(prefix).equals(target.subarray(depth, depth + cp))
    const child = build(items, depth + cp, isOnPath ? target : null)
    return make([encodeHexPrefix(prefix, false), refOf(child)], target !== null, isOnPath ? child : undefined)
  }
  const groups: Item[][] = Array.from({ length: 16 }, () => [])
  let value: Uint8Array = EMPTY
  for (const it of items) {
    if (it.path.length === depth) {
      if (value.length > 0) throw new BundleInvalidError({ field: 'entries', expected: 'unique keys' })
      value = it.value
    } else groups[it.path[depth]!]!.push(it)
  }
  const node: RlpItem[] = []
  let below: Built | undefined
  for (let n = 0; n < 16; n++) {
    const group = groups[n]!
    if (group.length === 0) {
      node.push(EMPTY)
      continue
    }
    const isOnPath = target !== null && target.length > depth && target[depth] === n
    const child = build(group, depth + 1, isOnPath ? target : null)
    if (isOnPath) below = child
    node.push(refOf(child))
  }
  node.push(value)
  return make(node, target !== null, below)
}

/**
 * Build the Merkle-Patricia trie of `entries` and the proof for `key` (an inclusion proof when the
 * key is present, an exclusion proof otherwise), in the `eth_getProof` layout `verifyMptProof` reads.
 * Pure: the EVM adapter uses it for receipt proofs, which JSON-RPC does not serve.
 * @throws BundleInvalidError when there are no entries, a key repeats or a value is empty
 */
export const buildMptProof = (entries: readonly MptEntry[], key: Uint8Array): BuildMptProofResult => {
  if (entries.length === 0) throw new BundleInvalidError({ field: 'entries', expected: 'at least one entry' })
  const items = entries.map((e): Item => {
    if (e.value.length === 0) throw new BundleInvalidError({ field: 'entries', expected: 'non-empty values' })
    return { path: toNibbles(e.key), value: e.value }
  })
  const root = build(items, 0, toNibbles(key))
  return { root: keccakHex(root.encoded), proof: root.proof.map(toHex) }
}
