import { InvalidProofError } from '../../errors.js'
import { bytesToUint, toHex } from './bytes.js'
import { decodeRlp } from './decodeRlp.js'
import { asBytes, asList } from './rlpAccess.js'
import type { DecodedHeader } from './types.js'

/** Frontier has 15 header fields; Prague 21. */
export const HEADER_FIELDS = { min: 15, max: 21 } as const

/**
 * Decode the fields the verifiers use from a header RLP (strict RLP; the caller checks its hash).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeHeader = (rlp: Uint8Array): DecodedHeader => {
  const f = asList(decodeRlp(rlp), 'header')
  if (f.length < HEADER_FIELDS.min || f.length > HEADER_FIELDS.max) {
    throw new InvalidProofError({
      reason: 'MALFORMED_ENCODING',
      detail: `header has ${f.length} fields, expected 15-21`,
    })
  }
  const hash = (i: number, name: string) => toHex(asBytes(f[i], `header ${name}`, 32))
  const uint = (i: number, name: string) => bytesToUint(asBytes(f[i], `header ${name}`), `header ${name}`)
  return {
    parentHash: hash(0, 'parentHash'),
    stateRoot: hash(3, 'stateRoot'),
    transactionsRoot: hash(4, 'transactionsRoot'),
    receiptsRoot: hash(5, 'receiptsRoot'),
    number: uint(8, 'number'),
    timestamp: uint(11, 'timestamp'),
    fieldCount: f.length,
  }
}
