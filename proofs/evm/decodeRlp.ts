import { InvalidProofError } from '../../errors.js'
import type { RlpItem } from './types.js'

/** Lists nested deeper than this are refused (headers, receipts and trie nodes need at most 4). */
export const MAX_RLP_DEPTH = 16

const fail = (reason: 'MALFORMED_ENCODING' | 'NON_CANONICAL' | 'TRAILING_DATA' | 'DEPTH_EXCEEDED', detail: string) =>
  new InvalidProofError({ reason, detail: `RLP: ${detail}` })

/** Read a long-form length of `lenOfLen` bytes at `pos`; canonical means no leading zero and ≥ 56. */
const readLength = (b: Uint8Array, pos: number, lenOfLen: number, end: number): number => {
  if (pos + lenOfLen > end) throw fail('MALFORMED_ENCODING', `length of length runs past the input at offset ${pos}`)
  if (b[pos] === 0) throw fail('NON_CANONICAL', `length with leading zero at offset ${pos}`)
  let len = 0
  for (let i = 0; i < lenOfLen; i++) len = len * 256 + b[pos + i]!
  if (len < 56) throw fail('NON_CANONICAL', `long form used for ${len} bytes at offset ${pos}`)
  return len
}

/** Decode the item at `pos`, which must end at or before `end`; returns the item and the offset after it. */
const decodeAt = (b: Uint8Array, pos: number, end: number, depth: number): [RlpItem, number] => {
  const p = b[pos]!
  if (p < 0x80) return [b.subarray(pos, pos + 1), pos + 1]
  let start: number
  let len: number
  if (p <= 0xb7 || (p >= 0xc0 && p <= 0xf7)) {
    start = pos + 1
    len = p - (p <= 0xb7 ? 0x80 : 0xc0)
  } else {
    const lenOfLen = p - (p <= 0xbf ? 0xb7 : 0xf7)
    len = readLength(b, pos + 1, lenOfLen, end)
    start = pos + 1 + lenOfLen
  }
  const stop = start + len
  if (stop > end) throw fail('MALFORMED_ENCODING', `item at offset ${pos} runs past its container`)
  if (p < 0xc0) {
    if (len === 1 && b[start]! < 0x80)
      throw fail('NON_CANONICAL', `single byte < 0x80 wrapped as a string at offset ${pos}`)
    return [b.subarray(start, stop), stop]
  }
  if (depth >= MAX_RLP_DEPTH) throw fail('DEPTH_EXCEEDED', `lists nested deeper than ${MAX_RLP_DEPTH}`)
  const items: RlpItem[] = []
  let at = start
  while (at < stop) {
    const [item, next] = decodeAt(b, at, stop, depth + 1)
    items.push(item)
    at = next
  }
  return [items, stop]
}

/**
 * Strict RLP decoding of exactly one item: refuses non-canonical encodings (a single byte < 0x80
 * wrapped as a string, long form for < 56 bytes, lengths with leading zeros), lengths past the
 * input and trailing bytes. Byte strings are views into `input` (no copies).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA, DEPTH_EXCEEDED
 */
export const decodeRlp = (input: Uint8Array): RlpItem => {
  if (input.length === 0) throw fail('MALFORMED_ENCODING', 'empty input')
  const [item, next] = decodeAt(input, 0, input.length, 0)
  if (next !== input.length) throw fail('TRAILING_DATA', `${input.length - next} bytes after the item`)
  return item
}
