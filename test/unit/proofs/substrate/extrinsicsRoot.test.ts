import { BundleInvalidError } from '../../../../errors.js'
import { decodeSubstrateHeader, EMPTY_TRIE_ROOT, orderedTrieRoot, trieRoot } from '../../../../proofs/index.js'
import { blake2_256, toHex } from '../../../../proofs/substrate/bytes.js'
import { encodeCompact } from '../../../../proofs/substrate/scale.js'
import { buildTrie } from '../../../harness/substrateProofs.js'
import { thrown } from '../../../harness/thrown.js'
import { genesis, westendBlocks } from './fixtures.js'

const blocks = westendBlocks()

describe('orderedTrieRoot (extrinsics root)', () => {
  it('is the empty-trie root for an empty body, as in the Polkadot genesis header', () => {
    expect(orderedTrieRoot([], 0)).toBe(EMPTY_TRIE_ROOT)
    expect(orderedTrieRoot([], 1)).toBe(genesis.header.extrinsicsRoot)
  })

  it('gives every Westend block body (blocks 1-256, layout V0) its header extrinsicsRoot', () => {
    const mismatches = blocks.filter(
      (b) => orderedTrieRoot(b.body, 0) !== decodeSubstrateHeader(b.header).extrinsicsRoot,
    )
    expect(mismatches.map((b) => b.hash)).toEqual([])
  })

  it('gives another root under layout V1 when an extrinsic is 33 bytes or more (V0/V1 confusion)', () => {
    const long = blocks.filter((b) => b.body.some((x) => x.length > 32))
    expect(long.length).toBeGreaterThan(0)
    for (const b of long) expect(orderedTrieRoot(b.body, 1)).not.toBe(decodeSubstrateHeader(b.header).extrinsicsRoot)
  })

  it('changes when an extrinsic changes, is dropped or the order changes', () => {
    const b = blocks.find((x) => x.body.length >= 2)!
    const root = decodeSubstrateHeader(b.header).extrinsicsRoot
    const flipped = b.body.map((x, i) => (i === 0 ? Uint8Array.from(x, (v, j) => (j === x.length - 1 ? v ^ 1 : v)) : x))
    expect(orderedTrieRoot(flipped, 0)).not.toBe(root)
    expect(orderedTrieRoot(b.body.slice(1), 0)).not.toBe(root)
    expect(orderedTrieRoot([...b.body].reverse(), 0)).not.toBe(root)
  })

  it.each([0, 1] as const)('agrees with an independent insertion-built trie on 300 items of mixed sizes (V%i)', (v) => {
    const values = Array.from({ length: 300 }, (_, i) => new Uint8Array((i * 7) % 70).fill(i & 0xff))
    const entries = values.map((value, i) => ({ key: encodeCompact(i), value }))
    expect(orderedTrieRoot(values, v)).toBe(buildTrie(entries, v).root)
  })

  // Node encodings asserted byte for byte by sp-trie's own tests (codec_trie_single_tuple,
  // codec_trie_two_tuples_disjoint_keys): the root is blake2-256 of these bytes in both layouts.
  it.each([0, 1] as const)('matches the sp-trie codec vectors (V%i)', (v) => {
    const single = [{ key: Uint8Array.of(0xaa), value: Uint8Array.of(0xbb) }]
    expect(trieRoot(single, v)).toBe(toHex(blake2_256(Uint8Array.of(0x42, 0xaa, 0x04, 0xbb))))
    const two = [
      { key: Uint8Array.of(0x48, 0x19), value: Uint8Array.of(0xfe) },
      { key: Uint8Array.of(0x13, 0x14), value: Uint8Array.of(0xff) },
    ]
    const branch = [0x80, 0x12, 0x00, 0x14, 0x43, 0x03, 0x14, 0x04, 0xff, 0x14, 0x43, 0x08, 0x19, 0x04, 0xfe]
    expect(trieRoot(two, v)).toBe(toHex(blake2_256(Uint8Array.from(branch))))
  })

  it('refuses a repeated key', () => {
    const e = { key: Uint8Array.of(1), value: Uint8Array.of(2) }
    expect(thrown(() => trieRoot([e, e], 0))).toBeInstanceOf(BundleInvalidError)
  })
})
