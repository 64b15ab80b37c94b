import { InvalidProofError } from '../../errors.js'

/** The 4-bit digits of a key, high nibble first. */
export const toNibbles = (key: Uint8Array): Uint8Array => {
  const out = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 0x0f
  }
  return out
}

/** A decoded hex-prefix path (Yellow Paper appendix C): leaf or extension, and its nibbles. */
export interface HexPrefixPath {
  isLeaf: boolean
  nibbles: Uint8Array
}

/**
 * Strict hex-prefix decoding: the flag nibble must be 0–3 and an even path's padding nibble 0.
 * @throws InvalidProofError MALFORMED_ENCODING (empty), NON_CANONICAL (bad flag or padding)
 */
export const decodeHexPrefix = (hp: Uint8Array): HexPrefixPath => {
  if (hp.length === 0) throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: 'empty hex-prefix path' })
  const flag = hp[0]! >> 4
  if (flag > 3) throw new InvalidProofError({ reason: 'NON_CANONICAL', detail: `hex-prefix flag ${flag} is not 0-3` })
  const isOdd = (flag & 1) === 1
  if (!isOdd && (hp[0]! & 0x0f) !== 0) {
    throw new InvalidProofError({
      reason: 'NON_CANONICAL',
      detail: 'even hex-prefix path with a non-zero padding nibble',
    })
  }
  const all = toNibbles(hp)
  return { isLeaf: flag >= 2, nibbles: all.subarray(isOdd ? 1 : 2) }
}

/** Hex-prefix encoding of a nibble path. */
export const encodeHexPrefix = (nibbles: Uint8Array, isLeaf: boolean): Uint8Array => {
  const isOdd = nibbles.length % 2 === 1
  const out = new Uint8Array(Math.floor(nibbles.length / 2) + 1)
  out[0] = ((isLeaf ? 2 : 0) + (isOdd ? 1 : 0)) << 4
  let i = 0
  if (isOdd) out[0] = out[0]! | nibbles[i++]!
  for (let o = 1; i < nibbles.length; o++, i += 2) out[o] = (nibbles[i]! << 4) | nibbles[i + 1]!
  return out
}

/** Length of the nibble prefix that every path shares from `depth` on (trie builders' extension nodes). */
export const commonPrefix = (items: readonly { path: Uint8Array }[], depth: number): number => {
  const first = items[0]!.path
  let n = first.length - depth
  for (const it of items) {
    let i = 0
    while (i < n && it.path[depth + i] === first[depth + i]) i++
    n = i
  }
  return n
}
