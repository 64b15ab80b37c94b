import fc from 'fast-check'
import { InvalidProofError } from '../../../../errors.js'
import {
  decodeTrieNode,
  EMPTY_TRIE_ROOT,
  hashSubstrateHeader,
  initSubstrateCrypto,
  trieRoot,
  verifyTrieProof,
} from '../../../../proofs/index.js'
import { blake2_256, toHex } from '../../../../proofs/substrate/bytes.js'
import type { Hex } from '../../../../types.js'
import { buildTrie, proveKeys } from '../../../harness/substrateProofs.js'
import { thrown } from '../../../harness/thrown.js'
import { genesis } from './fixtures.js'

const root = genesis.header.stateRoot
const present = genesis.expected.present[0]!
const absent = genesis.expected.absent[0]!
const incomplete = genesis.expected.incomplete[0]!
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))

const reason = (fn: () => unknown): string | undefined => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

// A well-formed branch node of another trie (16 hashed children), to swap into the proof.
const foreignBranch = `0x80ffff${`80${'ab'.repeat(32)}`.repeat(16)}` as Hex

const flipLast = (h: Hex): Hex =>
  `${h.slice(0, -2)}${(Number.parseInt(h.slice(-2), 16) ^ 1).toString(16).padStart(2, '0')}` as Hex

describe('verifyTrieProof on the Polkadot genesis read proof', () => {
  it('proves the README value of the present key', () => {
    expect(verifyTrieProof({ root, proof: genesis.proof, keys: [present.key], stateVersion: 0 })).toEqual([
      { key: present.key, value: present.value },
    ])
  })

  it('proves the absent key absent, also in the same call as the present key', () => {
    expect(verifyTrieProof({ root, proof: genesis.proof, keys: [present.key, absent], stateVersion: 0 })).toEqual([
      { key: present.key, value: present.value },
      { key: absent, value: null },
    ])
  })

  it('reads the same under state version 1 (no hashed values on the path)', () => {
    expect(verifyTrieProof({ root, proof: genesis.proof, keys: [present.key], stateVersion: 1 })[0]!.value).toBe(
      present.value,
    )
  })

  it('fails the incomplete key with NODE_MISSING', () => {
    expect(reason(() => verifyTrieProof({ root, proof: genesis.proof, keys: [incomplete], stateVersion: 0 }))).toBe(
      'NODE_MISSING',
    )
  })

  const tampered: [string, () => unknown, string][] = [
    [
      'another state root',
      () =>
        verifyTrieProof({ root: flipLast(root as Hex), proof: genesis.proof, keys: [present.key], stateVersion: 0 }),
      'ROOT_MISMATCH',
    ],
    [
      'the leaf value changed',
      () =>
        verifyTrieProof({
          root,
          proof: genesis.proof.map((n, i) => (i === 0 ? flipLast(n) : n)),
          keys: [present.key],
          stateVersion: 0,
        }),
      'NODE_MISSING',
    ],
    [
      'an inner node swapped for another valid branch node',
      () =>
        verifyTrieProof({
          root,
          proof: genesis.proof.map((n, i) => (i === 2 ? foreignBranch : n)),
          keys: [present.key],
          stateVersion: 0,
        }),
      'NODE_MISSING',
    ],
    [
      'a node missing',
      () => verifyTrieProof({ root, proof: genesis.proof.slice(1), keys: [present.key], stateVersion: 0 }),
      'NODE_MISSING',
    ],
    [
      'an extra node',
      () => verifyTrieProof({ root, proof: [...genesis.proof, '0x4201ff04ab'], keys: [present.key], stateVersion: 0 }),
      'EXTRA_NODES',
    ],
    [
      'a repeated node',
      () =>
        verifyTrieProof({ root, proof: [...genesis.proof, genesis.proof[2]!], keys: [present.key], stateVersion: 0 }),
      'EXTRA_NODES',
    ],
    [
      'non-hex node',
      () => verifyTrieProof({ root, proof: ['0xzz'], keys: [present.key], stateVersion: 0 }),
      'MALFORMED_ENCODING',
    ],
  ]
  it.each(tampered)('refuses a proof with %s', (_, run, expected) => expect(reason(run)).toBe(expected))

  it('refuses a root node with a trailing byte when the root is recomputed for it (TRAILING_DATA)', () => {
    const rootNode = genesis.proof.find((n) => toHex(blake2_256(bytes(n))) === root)!
    const longer = `${rootNode}00` as Hex
    const proof = genesis.proof.map((n) => (n === rootNode ? longer : n))
    expect(
      reason(() =>
        verifyTrieProof({ root: toHex(blake2_256(bytes(longer))), proof, keys: [present.key], stateVersion: 0 }),
      ),
    ).toBe('TRAILING_DATA')
  })
})

describe('verifyTrieProof on built tries', () => {
  const key = (s: string) => Uint8Array.from(Buffer.from(s))
  const entries = [
    { key: key('a'), value: Uint8Array.of(1) },
    { key: key('ab'), value: new Uint8Array(40).fill(2) }, // hashed out of line in V1
    { key: key('abc'), value: new Uint8Array(32).fill(3) }, // stays inline in V1 (32 bytes)
    { key: key('b'), value: new Uint8Array(0) },
    { key: key('x'.repeat(40)), value: new Uint8Array(100).fill(4) }, // a partial key over 63 nibbles
    { key: key('x'.repeat(40) + 'y'), value: Uint8Array.of(5) },
  ]

  it.each([0, 1] as const)('proves values, a branch value, an empty value and absences (V%i)', (v) => {
    const trie = buildTrie(entries, v)
    expect(trie.root).toBe(trieRoot(entries, v))
    const keys = [...entries.map((e) => e.key), key('abd'), key('c'), key('x'.repeat(41))]
    const proof = proveKeys(trie, keys)
    expect(verifyTrieProof({ root: trie.root, proof, keys, stateVersion: v }).map((e) => e.value)).toEqual([
      ...entries.map((e) => toHex(e.value)),
      null,
      null,
      null,
    ])
  })

  it('keeps small nodes inline: a two-entry trie of short values is a single root node', () => {
    const trie = buildTrie(
      [
        { key: Uint8Array.of(0x10), value: Uint8Array.of(1) },
        { key: Uint8Array.of(0x20), value: Uint8Array.of(2) },
      ],
      0,
    )
    const proof = proveKeys(trie, [Uint8Array.of(0x10)])
    expect(proof).toHaveLength(1)
    const node = decodeTrieNode(bytes(proof[0]!), 'root')
    expect(node.type === 'branch' && node.children.filter((c) => c?.inline).length).toBe(2)
    expect(verifyTrieProof({ root: trie.root, proof, keys: [Uint8Array.of(0x20)], stateVersion: 0 })[0]!.value).toBe(
      '0x02',
    )
  })

  it('proves every key absent from the empty trie with an empty proof', () => {
    expect(verifyTrieProof({ root: EMPTY_TRIE_ROOT, proof: [], keys: ['0x00', '0x'], stateVersion: 1 })).toEqual([
      { key: '0x00', value: null },
      { key: '0x', value: null },
    ])
    expect(
      verifyTrieProof({ root: EMPTY_TRIE_ROOT, proof: ['0x00'], keys: ['0x01'], stateVersion: 0 })[0]!.value,
    ).toBeNull()
  })

  it('refuses a V1 proof with a hashed value read as state version 0 (NON_CANONICAL)', () => {
    const trie = buildTrie(entries, 1)
    const proof = proveKeys(trie, [key('ab')])
    expect(reason(() => verifyTrieProof({ root: trie.root, proof, keys: [key('ab')], stateVersion: 0 }))).toBe(
      'NON_CANONICAL',
    )
  })

  it('refuses a V1 proof whose hashed value node is missing (NODE_MISSING)', () => {
    const trie = buildTrie(entries, 1)
    const proof = proveKeys(trie, [key('ab')]).filter((n) => n !== toHex(entries[1]!.value))
    expect(reason(() => verifyTrieProof({ root: trie.root, proof, keys: [key('ab')], stateVersion: 1 }))).toBe(
      'NODE_MISSING',
    )
  })

  it('refuses nodes under 32 bytes referenced by hash and hashed values under 33 bytes (NON_CANONICAL)', () => {
    const tiny = Uint8Array.from([0x41, 0x01, 0x04, 0x07]) // leaf, 1 nibble (1), value 0x07
    const branch = (child: Uint8Array) => Uint8Array.from([0x80, 0x03, 0x00, 0x80, ...child, 0x80, ...child])
    const b = branch(blake2_256(tiny))
    expect(
      reason(() => verifyTrieProof({ root: blake2_256(b), proof: [b, tiny], keys: ['0x01'], stateVersion: 0 })),
    ).toBe('NON_CANONICAL')
    const small = new Uint8Array(20).fill(9)
    const hashedLeaf = Uint8Array.from([0x20 | 2, 0x12, ...blake2_256(small)]) // hashed-value leaf, 2 nibbles
    expect(
      reason(() =>
        verifyTrieProof({ root: blake2_256(hashedLeaf), proof: [hashedLeaf, small], keys: ['0x12'], stateVersion: 1 }),
      ),
    ).toBe('NON_CANONICAL')
  })

  it.each([
    ['an unknown node header', Uint8Array.of(0x01, 0x00), 'MALFORMED_ENCODING'],
    ['a truncated value', Uint8Array.of(0x41, 0x01, 0x08, 0x00), 'MALFORMED_ENCODING'],
    ['a branch with no children', Uint8Array.of(0x80, 0x00, 0x00), 'NON_CANONICAL'],
    ['a valueless branch with one child', Uint8Array.of(0x80, 0x01, 0x00, 0x0c, 0x41, 0x01, 0x00), 'NON_CANONICAL'],
    ['an odd partial key with a non-zero padding nibble', Uint8Array.of(0x41, 0x11, 0x00), 'NON_CANONICAL'],
    [
      'a child reference of 33 bytes',
      Uint8Array.from([0x80, 0x03, 0x00, 0x84, ...new Uint8Array(33), 0x04, 0x00]),
      'NON_CANONICAL',
    ],
  ])('refuses a node with %s', (_, node, expected) => {
    expect(
      reason(() => verifyTrieProof({ root: blake2_256(node), proof: [node], keys: ['0x01'], stateVersion: 0 })),
    ).toBe(expected)
  })

  it('agrees with the insertion-built trie on random tries, keys and layouts (present values, absences)', () => {
    const entry = fc.record({
      key: fc.uint8Array({ minLength: 0, maxLength: 6 }),
      value: fc.uint8Array({ maxLength: 48 }),
    })
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => toHex(e.key), minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 6 }),
        fc.constantFrom(0 as const, 1 as const),
        (es, probe, v) => {
          const trie = buildTrie(es, v)
          expect(trieRoot(es, v)).toBe(trie.root)
          const keys = [es[0]!.key, probe]
          const got = verifyTrieProof({ root: trie.root, proof: proveKeys(trie, keys), keys, stateVersion: v })
          const want = (k: Uint8Array) => es.find((e) => toHex(e.key) === toHex(k))
          expect(got.map((g) => g.value)).toEqual(keys.map((k) => (want(k) ? toHex(want(k)!.value) : null)))
        },
      ),
      { numRuns: 200, seed: 4 },
    )
  })
})

describe('initSubstrateCrypto', () => {
  it('switches to wasm blake2 with identical results (genesis proof, built V1 trie, header hash)', async () => {
    const before = verifyTrieProof({ root, proof: genesis.proof, keys: [present.key, absent], stateVersion: 0 })
    const entries = [
      { key: Uint8Array.of(1), value: new Uint8Array(50).fill(1) },
      { key: Uint8Array.of(2), value: Uint8Array.of(2) },
    ]
    const trie = buildTrie(entries, 1)
    await initSubstrateCrypto()
    expect(verifyTrieProof({ root, proof: genesis.proof, keys: [present.key, absent], stateVersion: 0 })).toEqual(
      before,
    )
    expect(trieRoot(entries, 1)).toBe(trie.root)
    expect(hashSubstrateHeader(genesis.header)).toBe(genesis.hash)
  })
})
