import { TypeRegistry } from '@polkadot/types'
import type { Header } from '@polkadot/types/interfaces'
import { compactFromU8a, compactToU8a } from '@polkadot/util'
import fc from 'fast-check'
import { BundleInvalidError, InvalidProofError } from '../../../../errors.js'
import { decodeSubstrateHeader, encodeSubstrateHeader, hashSubstrateHeader } from '../../../../proofs/index.js'
import { createScaleReader, encodeCompact, encodeU32, encodeU64 } from '../../../../proofs/substrate/scale.js'
import type { Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'
import { genesis } from './fixtures.js'

const reason = (fn: () => unknown): string | undefined => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

describe('SCALE compact integers', () => {
  it('encode and decode like @polkadot/util in every mode', () => {
    const values = [0, 1, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 48 - 1]
    for (const v of values) {
      const ours = encodeCompact(v)
      expect(ours).toEqual(compactToU8a(v))
      const r = createScaleReader(ours, 'compact')
      expect(r.compact()).toBe(v)
      r.end()
      expect(compactFromU8a(ours)[1].toNumber()).toBe(v)
    }
  })

  it('round-trips random values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (v) => {
        expect(createScaleReader(encodeCompact(v), 'c').compact()).toBe(v)
        expect(encodeCompact(v)).toEqual(compactToU8a(v))
      }),
      { numRuns: 300, seed: 7 },
    )
  })

  it.each([
    ['1 in two bytes', [0x05, 0x00], 'NON_CANONICAL'],
    ['64 in four bytes', [0x02, 0x01, 0x00, 0x00], 'NON_CANONICAL'],
    ['2^30 - 1 in big-integer mode', [0x03, 0xff, 0xff, 0xff, 0x3f], 'NON_CANONICAL'],
    ['a big integer with a zero top byte', [0x07, 0x00, 0x00, 0x00, 0x40, 0x00], 'NON_CANONICAL'],
    ['a big integer over 6 bytes', [0x0f, 1, 2, 3, 4, 5, 6, 7], 'MALFORMED_ENCODING'],
    ['a truncated big integer', [0x03, 0x00], 'MALFORMED_ENCODING'],
    ['nothing', [], 'MALFORMED_ENCODING'],
  ])('refuses %s', (_, bytes, expected) => {
    expect(reason(() => createScaleReader(Uint8Array.from(bytes), 'c').compact())).toBe(expected)
  })

  it('reads fixed-width little-endian integers and refuses a vector longer than the input', () => {
    const r = createScaleReader(
      Uint8Array.from([...encodeU32(0xfedcba98), ...encodeU64(2n ** 64n - 2n), 0x34, 0x12]),
      'ints',
    )
    expect([r.u32(), r.u64(), r.u16(), r.remaining]).toEqual([0xfedcba98, 2n ** 64n - 2n, 0x1234, 0])
    expect(reason(() => createScaleReader(Uint8Array.of(0x10, 1), 'v').vecLength(1))).toBe('MALFORMED_ENCODING')
  })
})

describe('Substrate headers with every digest item kind', () => {
  const registry = new TypeRegistry()
  const logs: Hex[] = [
    '0x0642414245080102', // PreRuntime BABE [1, 2]
    '0x04464e4b3400', // Consensus FRNK [] -- 0x00 is an empty vec
    '0x0008aabb', // Other [aa, bb]
    '0x08', // RuntimeEnvironmentUpdated
    '0x054241424504ff', // Seal BABE [ff]
  ]
  const header = { ...genesis.header, number: '0xffffffff' as Hex, digest: { logs } }

  it('decodes them like @polkadot/types and hashes the same', () => {
    const enc = encodeSubstrateHeader(header)
    const ours = decodeSubstrateHeader(enc)
    const ref = registry.createType<Header>('Header', enc)
    expect(ours.hash).toBe(ref.hash.toHex())
    expect(ours.number).toBe(0xffffffffn)
    expect(ours.digest).toEqual([
      { kind: 6, engine: '0x42414245', data: '0x0102' },
      { kind: 4, engine: '0x464e4b34', data: '0x' },
      { kind: 0, engine: null, data: '0xaabb' },
      { kind: 8, engine: null, data: '0x' },
      { kind: 5, engine: '0x42414245', data: '0xff' },
    ])
    expect(hashSubstrateHeader(enc)).toBe(ours.hash)
  })

  it('refuses a block number above u32', () => {
    const enc = encodeSubstrateHeader(header)
    const big = Uint8Array.from([...enc.subarray(0, 32), ...encodeCompact(2 ** 32), ...enc.subarray(37)])
    expect(reason(() => decodeSubstrateHeader(big))).toBe('MALFORMED_ENCODING')
  })

  it.each([
    ['parentHash', { parentHash: '0x12' }],
    ['number', { number: -1 }],
    ['digest.logs', { digest: {} }],
    ['digest.logs[0]', { digest: { logs: ['zz'] } }],
  ])('names the malformed field %s when encoding', (field, change) => {
    const e = thrown(() => encodeSubstrateHeader({ ...header, ...change } as never))
    expect(e).toBeInstanceOf(BundleInvalidError)
    expect((e as BundleInvalidError).meta['field']).toBe(field)
  })

  it('accepts decimal, hex and bigint block numbers', () => {
    for (const number of [7, '7', '0x7', 7n])
      expect(decodeSubstrateHeader(encodeSubstrateHeader({ ...header, number: number as Hex })).number).toBe(7n)
  })
})
