import { BundleInvalidError, InvalidProofError } from '../../../../errors.js'
import {
  decodeGrandpaJustification,
  parseGrandpaAuthoritySet,
  verifyProofBundle,
  verifySubstrateStorageBundle,
} from '../../../../proofs/index.js'
import type { Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'
import { builtStorageBundle, EVENTS_KEY, genesisStorageBundle, grandpaBundle, POLKADOT } from './bundles.js'
import { genesis, polkadotJustification as P } from './fixtures.js'

const reason = (fn: () => unknown): string | undefined => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}
const field = (fn: () => unknown): unknown => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(BundleInvalidError)
  return (e as BundleInvalidError).meta['field']
}
const flip = (h: Hex, at = 10): Hex => `${h.slice(0, at)}${h[at] === '0' ? '1' : '0'}${h.slice(at + 1)}` as Hex

describe('substrate-storage bundles', () => {
  const doc = genesisStorageBundle()

  it('proves the Polkadot genesis entries (one value, one absence) and the empty body', () => {
    const r = verifyProofBundle(doc, { substrate: { genesisHash: POLKADOT }, trustedBlockHash: genesis.hash })
    expect(r).toMatchObject({
      kind: 'substrate-storage',
      chain: 'substrate:polkadot',
      blockNumber: 0n,
      blockHash: genesis.hash,
      stateVersion: 0,
      entries: doc.entries,
      extrinsics: [],
      isAnchored: true,
    })
  })

  it.each([
    [0, 0],
    [1, 0],
    [1, 1],
  ] as const)('proves a built block with state V%i and extrinsics V%i, returning header, entries and body', (s, x) => {
    const b = builtStorageBundle(s, x)
    const r = verifySubstrateStorageBundle(b)
    expect(r).toMatchObject({
      blockNumber: 10n,
      entries: [{ key: EVENTS_KEY, value: b.entries[0]!.value }],
      extrinsics: b.extrinsics,
      extrinsicIndex: 1,
      isAnchored: false,
    })
    expect(r.header.stateRoot).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('never reports a bundle that claims a message valid without the message-level check (typed refusal)', () => {
    const e = thrown(() => verifyProofBundle({ ...doc, message: '0x01' }))
    expect(e instanceof BundleInvalidError || e instanceof InvalidProofError).toBe(true)
  })

  const tampered: [string, () => unknown, string][] = [
    [
      'another genesis than expected',
      () => verifyProofBundle(doc, { substrate: { genesisHash: `0x${'00'.repeat(32)}` } }),
      'CHAIN_MISMATCH',
    ],
    [
      'a header that is not blockHash',
      () => verifyProofBundle({ ...doc, header: flip(doc.header, 80) }),
      'HEADER_MISMATCH',
    ],
    ['another blockNumber', () => verifyProofBundle({ ...doc, blockNumber: '1' }), 'HEADER_MISMATCH'],
    [
      'another trusted block',
      () => verifyProofBundle(doc, { trustedBlockHash: `0x${'00'.repeat(32)}` }),
      'HEADER_MISMATCH',
    ],
    [
      'a changed entry value',
      () => verifyProofBundle({ ...doc, entries: [{ ...doc.entries[0]!, value: flip(doc.entries[0]!.value!) }] }),
      'HASH_MISMATCH',
    ],
    [
      'a present entry claimed absent',
      () => verifyProofBundle({ ...doc, entries: [{ ...doc.entries[0]!, value: null }] }),
      'VALUE_PRESENT',
    ],
    [
      'an absent entry claimed present',
      () => verifyProofBundle({ ...doc, entries: [{ ...doc.entries[1]!, value: '0x00' }] }),
      'VALUE_ABSENT',
    ],
    [
      'a proof node dropped',
      () => verifyProofBundle({ ...doc, storageProof: doc.storageProof.slice(0, 5) }),
      'NODE_MISSING',
    ],
    [
      'an extra proof node',
      () => verifyProofBundle({ ...doc, storageProof: [...doc.storageProof, '0x4201ff04ab'] }),
      'EXTRA_NODES',
    ],
    ['an extrinsic in an empty block', () => verifyProofBundle({ ...doc, extrinsics: ['0x0400'] }), 'ROOT_MISMATCH'],
    [
      'extrinsics root layout V1 for a V0 body',
      () => verifyProofBundle({ ...builtStorageBundle(1, 0), extrinsicsVersion: 1 }),
      'ROOT_MISMATCH',
    ],
    [
      'extrinsics root layout V0 for a V1 body',
      () => verifyProofBundle({ ...builtStorageBundle(1, 1), extrinsicsVersion: 0 }),
      'ROOT_MISMATCH',
    ],
    [
      'a V1 state proof declared state version 0',
      () => verifyProofBundle({ ...builtStorageBundle(1, 0), stateVersion: 0 }),
      'NON_CANONICAL',
    ],
    [
      'a changed extrinsic',
      () =>
        verifyProofBundle({
          ...builtStorageBundle(0, 0),
          extrinsics: [flip(builtStorageBundle(0, 0).extrinsics[0]!), builtStorageBundle(0, 0).extrinsics[1]!],
        }),
      'ROOT_MISMATCH',
    ],
  ]
  it.each(tampered)('refuses %s', (_, run, expected) => expect(reason(run)).toBe(expected))

  it.each([
    ['kind', { kind: 'substrate-storagex' }],
    ['version', { version: 2 }],
    ['chain', { chain: 'evm:1' }],
    ['genesisHash', { genesisHash: '0x12' }],
    ['blockNumber', { blockNumber: '4294967296' }],
    ['stateVersion', { stateVersion: 2 }],
    ['storageProof[0]', { storageProof: ['0x1'] }],
    ['entries', { entries: [] }],
    ['entries[0].key', { entries: [{ key: 1, value: null }] }],
    ['extrinsics[0]', { extrinsics: ['x'] }],
    ['extrinsicsVersion', { extrinsicsVersion: '1' }],
    ['extrinsicIndex', { extrinsicIndex: 0 }],
  ])('names the malformed field %s', (name, change) => {
    expect(field(() => verifyProofBundle({ ...doc, ...change }))).toBe(name)
  })
})

describe('substrate-grandpa bundles', () => {
  const doc = grandpaBundle(10, 7)
  const trusted = parseGrandpaAuthoritySet(doc.authoritySet)

  it('proves the finalized block with the bundle set, anchored when the trusted set matches', () => {
    expect(verifyProofBundle(doc)).toMatchObject({
      kind: 'substrate-grandpa',
      blockNumber: 5000n,
      blockHash: doc.blockHash,
      setId: 7n,
      round: 12n,
      signedWeight: 7n,
      threshold: 7n,
      isAnchored: false,
    })
    expect(verifyProofBundle(doc, { substrate: { authoritySet: trusted } })).toMatchObject({
      isAnchored: true,
      header: { number: 5000n },
    })
  })

  it('proves the Polkadot #4635975 justification as a bundle (without a header; 98 stand-in voters)', () => {
    const ids = decodeGrandpaJustification(Buffer.from(P.hex.slice(2), 'hex')).precommits.map((p) => p.id)
    const standIns = Array.from({ length: 98 }, (_, i) => `0x${(i + 1).toString(16).padStart(64, '0')}`)
    const polkadot = {
      version: 1,
      kind: 'substrate-grandpa',
      chain: 'substrate:polkadot',
      genesisHash: POLKADOT,
      blockNumber: P.targetNumber.toString(),
      blockHash: P.targetHash,
      justification: P.hex,
      authoritySet: { setId: '450', authorities: [...ids, ...standIns].map((id) => ({ id, weight: '1' })) },
    }
    expect(verifyProofBundle(polkadot, { substrate: { genesisHash: POLKADOT } })).toMatchObject({
      kind: 'substrate-grandpa',
      blockNumber: 4635975n,
      setId: 450n,
      round: 6971n,
      signedWeight: 199n,
      totalWeight: 297n,
      header: null,
    })
  })

  const tampered: [string, () => unknown, string][] = [
    [
      'a trusted set with another set id',
      () => verifyProofBundle(doc, { substrate: { authoritySet: { ...trusted, setId: 8n } } }),
      'UNKNOWN_AUTHORITY',
    ],
    [
      'a trusted set with another member',
      () =>
        verifyProofBundle(doc, {
          substrate: {
            authoritySet: {
              ...trusted,
              authorities: [...trusted.authorities.slice(1), { id: `0x${'00'.repeat(32)}`, weight: 1n }],
            },
          },
        }),
      'UNKNOWN_AUTHORITY',
    ],
    [
      'a bundle set id that is not the signed one',
      () => verifyProofBundle({ ...doc, authoritySet: { ...doc.authoritySet, setId: '8' } }),
      'SIGNATURE_INVALID',
    ],
    ['a header of another block', () => verifyProofBundle({ ...doc, header: flip(doc.header, 80) }), 'HEADER_MISMATCH'],
    [
      'a blockHash the justification does not finalize',
      () => verifyProofBundle({ ...doc, header: undefined, blockHash: `0x${'00'.repeat(32)}` }),
      'HEADER_MISMATCH',
    ],
    [
      'a bigger set (threshold above the signers)',
      () =>
        verifyProofBundle({
          ...doc,
          authoritySet: {
            ...doc.authoritySet,
            authorities: [...doc.authoritySet.authorities, { id: `0x${'00'.repeat(32)}`, weight: '1' }],
          },
        }),
      'QUORUM_NOT_MET',
    ],
  ]
  it.each(tampered)('refuses %s', (_, run, expected) => expect(reason(run)).toBe(expected))

  it.each([
    ['justification', { justification: 7 }],
    ['authoritySet', { authoritySet: [] }],
    ['authoritySet.setId', { authoritySet: { ...doc.authoritySet, setId: 7 } }],
    [
      'authoritySet.authorities[1].id',
      {
        authoritySet: {
          ...doc.authoritySet,
          authorities: [doc.authoritySet.authorities[0], doc.authoritySet.authorities[0]],
        },
      },
    ],
    [
      'authoritySet.authorities[0].weight',
      { authoritySet: { ...doc.authoritySet, authorities: [{ ...doc.authoritySet.authorities[0], weight: '0' }] } },
    ],
    ['header', { header: '0x0' }],
  ])('names the malformed field %s', (name, change) => {
    expect(field(() => verifyProofBundle({ ...doc, ...change }))).toBe(name)
  })
})
