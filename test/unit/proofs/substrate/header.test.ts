import { TypeRegistry } from '@polkadot/types'
import type { Header } from '@polkadot/types/interfaces'
import { blake2AsHex } from '@polkadot/util-crypto'
import { InvalidProofError } from '../../../../errors.js'
import { decodeSubstrateHeader, encodeSubstrateHeader, hashSubstrateHeader } from '../../../../proofs/index.js'
import { thrown } from '../../../harness/thrown.js'
import { genesis, westendBlocks } from './fixtures.js'

const blocks = westendBlocks()
const registry = new TypeRegistry()
const WESTEND_GENESIS = '0xe143f23803ac50e8f6f8e62695d1ce9e4e1d68aa36c1cd2cfd15340213f3423e'

const reason = (fn: () => unknown): string | undefined => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

describe('Substrate header hashing', () => {
  it('hashes the Polkadot genesis header fields to the Polkadot genesis hash', () => {
    expect(hashSubstrateHeader(genesis.header)).toBe(genesis.hash)
  })

  it('decodes the SCALE genesis header back to its fields', () => {
    const h = decodeSubstrateHeader(encodeSubstrateHeader(genesis.header))
    expect(h).toEqual({
      hash: genesis.hash,
      parentHash: genesis.header.parentHash,
      number: 0n,
      stateRoot: genesis.header.stateRoot,
      extrinsicsRoot: genesis.header.extrinsicsRoot,
      digest: [],
    })
  })

  it('hashes all 256 Westend headers to their block hashes, linked from the Westend genesis', () => {
    expect(blocks).toHaveLength(256)
    let parent = WESTEND_GENESIS
    blocks.forEach((b, i) => {
      const h = decodeSubstrateHeader(b.header)
      expect({ i, hash: h.hash, number: h.number, parent: h.parentHash }).toEqual({
        i,
        hash: b.hash,
        number: BigInt(i + 1),
        parent,
      })
      parent = h.hash
    })
  })

  it('agrees with @polkadot/types Header on hash, number, roots and digest for every Westend header', () => {
    for (const b of blocks) {
      const ours = decodeSubstrateHeader(b.header)
      const ref = registry.createType<Header>('Header', b.header)
      expect(ours.hash).toBe(ref.hash.toHex())
      expect(ours.hash).toBe(blake2AsHex(b.header, 256))
      expect(ours.number).toBe(ref.number.toBigInt())
      expect(ours.stateRoot).toBe(ref.stateRoot.toHex())
      expect(ours.extrinsicsRoot).toBe(ref.extrinsicsRoot.toHex())
      expect(ours.digest.map((d) => d.kind)).toEqual(ref.digest.logs.map((l) => l.index))
      expect(
        encodeSubstrateHeader({ ...ref.toJSON(), digest: { logs: ref.digest.logs.map((l) => l.toHex()) } } as never),
      ).toEqual(b.header)
    }
  })

  it.each([
    ['a trailing byte', (h: Uint8Array) => Uint8Array.from([...h, 0]), 'TRAILING_DATA'],
    ['a truncated digest', (h: Uint8Array) => h.subarray(0, h.length - 1), 'MALFORMED_ENCODING'],
    ['an unknown digest item', (h: Uint8Array) => Uint8Array.from([...h.subarray(0, 98), 4, 7]), 'MALFORMED_ENCODING'],
    // block 1 as compact in 2 bytes (0x0500) instead of 1 (0x04)
    [
      'a non-minimal compact number',
      (h: Uint8Array) => Uint8Array.from([...h.subarray(0, 32), 0x05, 0x00, ...h.subarray(33)]),
      'NON_CANONICAL',
    ],
  ])('refuses a header with %s', (_, tamper, expected) => {
    expect(reason(() => decodeSubstrateHeader(tamper(blocks[0]!.header)))).toBe(expected)
  })
})
