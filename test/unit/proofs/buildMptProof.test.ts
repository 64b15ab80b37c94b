import { BundleInvalidError } from '../../../errors.js'
import { buildMptProof, verifyMptProof } from '../../../proofs/index.js'
import { thrown } from '../../harness/thrown.js'
import { hex } from './forge.js'

const e = (key: number[], value: number[]) => ({ key: Uint8Array.from(key), value: Uint8Array.from(value) })

describe('buildMptProof', () => {
  it('builds the well-known root of a one-entry trie', () => {
    // The transactions/receipts root of a block with one entry is keccak(rlp([hp(key), value])).
    const p = buildMptProof([e([0x80], [0x01])], Uint8Array.of(0x80))
    expect(p.proof).toEqual(['0xc482208001'])
    expect(verifyMptProof({ root: p.root, key: Uint8Array.of(0x80), proof: p.proof })).toEqual(Uint8Array.of(1))
  })

  it('proves a key whose leaf holds the whole remaining path in one node', () => {
    const entries = [e([1, 2, 3], [9]), e([0xf0], Array(40).fill(7))]
    const p = buildMptProof(entries, Uint8Array.of(0xf0))
    expect(hex(verifyMptProof({ root: p.root, key: Uint8Array.of(0xf0), proof: p.proof }))).toBe(
      hex(Uint8Array.from(Array(40).fill(7))),
    )
  })

  it.each([
    ['no entries', []],
    ['a repeated key', [e([1], [1]), e([1], [2])]],
    ['a repeated empty key', [e([], [1]), e([], [2])]],
    ['an empty value', [e([1], [])]],
  ])('rejects %s', (_, entries) => {
    const err = thrown(() => buildMptProof(entries, Uint8Array.of(1)))
    expect(err).toBeInstanceOf(BundleInvalidError)
    expect((err as BundleInvalidError).meta['field']).toBe('entries')
  })
})
