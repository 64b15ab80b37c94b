import { RLP } from '@ethereumjs/rlp'
import fc from 'fast-check'
import { InvalidProofError } from '../../../errors.js'
import { decodeRlp, encodeRlp, type RlpItem } from '../../../proofs/index.js'
import { thrown } from '../../harness/thrown.js'
import { bytes, hex } from './forge.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const lorem = 'Lorem ipsum dolor sit amet, consectetur adipisicing elit'

// Examples of the Ethereum RLP specification (ethereum.org "Recursive-length prefix").
const valid: { name: string; item: RlpItem; encoded: string }[] = [
  { name: 'the string "dog"', item: text('dog'), encoded: '0x83646f67' },
  { name: 'the list ["cat", "dog"]', item: [text('cat'), text('dog')], encoded: '0xc88363617483646f67' },
  { name: 'the empty string', item: new Uint8Array(0), encoded: '0x80' },
  { name: 'the empty list', item: [], encoded: '0xc0' },
  { name: 'the byte 0x0f', item: Uint8Array.of(0x0f), encoded: '0x0f' },
  { name: 'the byte 0x00', item: Uint8Array.of(0x00), encoded: '0x00' },
  { name: 'the byte 0x80', item: Uint8Array.of(0x80), encoded: '0x8180' },
  { name: 'the integer 1024', item: Uint8Array.of(0x04, 0x00), encoded: '0x820400' },
  { name: 'the set-theoretic three', item: [[], [[]], [[], [[]]]], encoded: '0xc7c0c1c0c3c0c1c0' },
  { name: 'a 56-byte string (long form)', item: text(lorem), encoded: `0xb838${Buffer.from(lorem).toString('hex')}` },
  {
    name: 'a 55-byte string (short form)',
    item: text(lorem.slice(0, 55)),
    encoded: `0xb7${Buffer.from(lorem.slice(0, 55)).toString('hex')}`,
  },
  {
    name: 'a 60-byte list (long form)',
    item: Array.from({ length: 20 }, () => text('ab')),
    encoded: `0xf83c${'826162'.repeat(20)}`,
  },
  { name: 'a 256-byte string', item: new Uint8Array(256).fill(7), encoded: `0xb90100${'07'.repeat(256)}` },
]

const invalid: { name: string; encoded: string; reason: InvalidProofError['reason'] }[] = [
  { name: 'empty input', encoded: '0x', reason: 'MALFORMED_ENCODING' },
  { name: 'a single byte < 0x80 wrapped as a string', encoded: '0x8100', reason: 'NON_CANONICAL' },
  { name: 'the byte 0x7f wrapped as a string', encoded: '0x817f', reason: 'NON_CANONICAL' },
  { name: 'long form for a 1-byte string', encoded: '0xb80180', reason: 'NON_CANONICAL' },
  { name: 'long form for a 55-byte string', encoded: `0xb837${'61'.repeat(55)}`, reason: 'NON_CANONICAL' },
  { name: 'long form for a short list', encoded: '0xf80180', reason: 'NON_CANONICAL' },
  { name: 'a length with a leading zero', encoded: `0xb90038${'61'.repeat(56)}`, reason: 'NON_CANONICAL' },
  { name: 'a list length with a leading zero', encoded: `0xf90038${'61'.repeat(56)}`, reason: 'NON_CANONICAL' },
  { name: 'a string longer than the input', encoded: '0x8364', reason: 'MALFORMED_ENCODING' },
  { name: 'a length-of-length past the input', encoded: '0xb9', reason: 'MALFORMED_ENCODING' },
  { name: 'a long string longer than the input', encoded: `0xb838${'61'.repeat(10)}`, reason: 'MALFORMED_ENCODING' },
  { name: 'an item past its list', encoded: '0xc283646f67', reason: 'MALFORMED_ENCODING' },
  { name: 'an 8-byte length', encoded: '0xbfffffffffffffffff00', reason: 'MALFORMED_ENCODING' },
  { name: 'trailing bytes after a string', encoded: '0x83646f6700', reason: 'TRAILING_DATA' },
  { name: 'trailing bytes after a list', encoded: '0xc0c0', reason: 'TRAILING_DATA' },
  {
    name: 'lists nested 17 deep',
    encoded: `0x${Array.from({ length: 17 }, (_, i) => (0xc0 + 16 - i).toString(16)).join('')}`,
    reason: 'DEPTH_EXCEEDED',
  },
]

describe('encodeRlp', () => {
  it.each(valid)('encodes $name', ({ item, encoded }) => expect(hex(encodeRlp(item))).toBe(encoded))
})

describe('decodeRlp', () => {
  it.each(valid)('decodes $name', ({ item, encoded }) => expect(decodeRlp(bytes(encoded))).toEqual(item))

  it.each(invalid)('rejects $name with $reason', ({ encoded, reason }) => {
    const e = thrown(() => decodeRlp(bytes(encoded)))
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).reason).toBe(reason)
  })

  it('accepts lists nested 16 deep', () => {
    const enc = `0x${Array.from({ length: 16 }, (_, i) => (0xc0 + 15 - i).toString(16)).join('')}`
    expect(hex(encodeRlp(decodeRlp(bytes(enc))))).toBe(enc)
  })
})

const item: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 70 }),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item

const toEthereumJs = (x: RlpItem): unknown => (x instanceof Uint8Array ? x : x.map(toEthereumJs))

describe('RLP against @ethereumjs/rlp', () => {
  it('encodes every item like the reference and decodes it back', () => {
    fc.assert(
      fc.property(item, (x) => {
        const enc = encodeRlp(x)
        expect(hex(enc)).toBe(hex(RLP.encode(toEthereumJs(x) as Uint8Array)))
        expect(decodeRlp(enc)).toEqual(x)
      }),
      { numRuns: 300 },
    )
  })

  it('accepts and rejects mutated encodings exactly when the reference does', () => {
    const mutated = fc
      .tuple(item, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete'))
      .map(([x, at, byte, op]) => {
        const b = [...encodeRlp(x)]
        const i = at % (b.length + 1)
        if (op === 'flip' && i < b.length) b[i] = byte
        if (op === 'insert') b.splice(i, 0, byte)
        if (op === 'delete') b.splice(i, 1)
        return Uint8Array.from(b)
      })
    fc.assert(
      fc.property(mutated, (b) => {
        let ref: unknown
        try {
          ref = RLP.decode(b)
        } catch {
          ref = 'rejected'
        }
        let ours: unknown
        try {
          ours = decodeRlp(b)
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidProofError)
          ours = 'rejected'
        }
        // The reference accepts the empty input as an empty string; we refuse it.
        if (b.length === 0) expect(ours).toBe('rejected')
        else expect(ours).toEqual(ref === 'rejected' ? ref : toEthereumJs(ref as RlpItem))
      }),
      { numRuns: 500 },
    )
  })
})
