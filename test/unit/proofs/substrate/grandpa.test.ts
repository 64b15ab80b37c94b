import { TypeRegistry } from '@polkadot/types'
import type { GrandpaJustification as GrandpaJustificationCodec } from '@polkadot/types/interfaces'
import { cryptoWaitReady, ed25519Verify } from '@polkadot/util-crypto'
import { BundleInvalidError, InvalidProofError } from '../../../../errors.js'
import {
  decodeGrandpaJustification,
  type GrandpaAuthority,
  type GrandpaJustification,
  grandpaPrecommitPayload,
  grandpaThreshold,
  verifyGrandpaJustification,
} from '../../../../proofs/index.js'
import type { Hex } from '../../../../types.js'
import { buildJustification, encodeJustification, grandpaKey, makeHeader } from '../../../harness/substrateProofs.js'
import { thrown } from '../../../harness/thrown.js'
import { polkadotJustification as P } from './fixtures.js'

const decoded = decodeGrandpaJustification(Buffer.from(P.hex.slice(2), 'hex'))
/** Set 450 had 297 voters; the fixture has the 199 signers, so 98 stand-in ids complete it. */
const standIns = (n: number): GrandpaAuthority[] =>
  Array.from({ length: n }, (_, i) => ({ id: `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex, weight: 1n }))
const signers: GrandpaAuthority[] = decoded.precommits.map((p) => ({ id: p.id, weight: 1n }))
const set297 = { setId: P.setId, authorities: [...signers, ...standIns(98)] }

const reencode = (j: GrandpaJustification, change: Partial<GrandpaJustification>): Hex => {
  const k = { ...j, ...change }
  return encodeJustification({ ...k, ancestries: [] })
}

const reason = (fn: () => unknown): string | undefined => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

describe('GRANDPA threshold', () => {
  it.each([
    [1n, 1n],
    [3n, 3n],
    [4n, 3n],
    [100n, 67n],
    [297n, 199n],
    [600n, 401n],
  ])('requires strictly more than 2/3 of total weight %s: %s', (total, threshold) => {
    expect(grandpaThreshold(total)).toBe(threshold)
    expect(threshold * 3n > total * 2n).toBe(true)
  })
})

describe('verifyGrandpaJustification on the Polkadot #4635975 justification', () => {
  it('decodes round, target, 199 precommits from 199 distinct keys, no ancestries', () => {
    expect(decoded).toMatchObject({
      round: P.round,
      targetHash: P.targetHash,
      targetNumber: P.targetNumber,
      votesAncestries: [],
    })
    expect(decoded.precommits).toHaveLength(199)
    expect(new Set(decoded.precommits.map((p) => p.id)).size).toBe(199)
  })

  it('decodes like @polkadot/types GrandpaJustification', () => {
    const ref = new TypeRegistry().createType<GrandpaJustificationCodec>('GrandpaJustification', P.hex)
    expect(ref.round.toBigInt()).toBe(decoded.round)
    expect(ref.commit.targetHash.toHex()).toBe(decoded.targetHash)
    expect(ref.commit.targetNumber.toBigInt()).toBe(decoded.targetNumber)
    expect(
      ref.commit.precommits.map((p) => ({
        targetHash: p.precommit.targetHash.toHex(),
        targetNumber: p.precommit.targetNumber.toBigInt(),
        signature: p.signature.toHex(),
        id: p.id.toHex(),
      })),
    ).toEqual(decoded.precommits)
  })

  it('verifies with set id 450 and a 297-member set (threshold 199)', () => {
    expect(
      verifyGrandpaJustification({
        justification: P.hex,
        authoritySet: set297,
        expectedTarget: { hash: P.targetHash, number: P.targetNumber },
      }),
    ).toMatchObject({
      round: P.round,
      setId: 450n,
      targetHash: P.targetHash,
      targetNumber: P.targetNumber,
      signedWeight: 199n,
      totalWeight: 297n,
      threshold: 199n,
    })
  })

  it('has signatures that @polkadot/util-crypto ed25519Verify accepts for set 450 and refuses for 449 and 451', async () => {
    await cryptoWaitReady()
    const check = (setId: bigint) =>
      decoded.precommits
        .slice(0, 20)
        .map((p) => ed25519Verify(grandpaPrecommitPayload({ ...p, round: P.round, setId }), p.signature, p.id))
    expect(check(450n).every(Boolean)).toBe(true)
    expect(check(449n).some(Boolean)).toBe(false)
    expect(check(451n).some(Boolean)).toBe(false)
  })

  const flipped = decoded.precommits.map((p, i) =>
    i === 17
      ? {
          ...p,
          signature: `${p.signature.slice(0, 40)}${p.signature[40] === '0' ? '1' : '0'}${p.signature.slice(41)}` as Hex,
        }
      : p,
  )
  const tampered: [string, () => unknown, string][] = [
    [
      'set id 449',
      () => verifyGrandpaJustification({ justification: P.hex, authoritySet: { ...set297, setId: 449n } }),
      'SIGNATURE_INVALID',
    ],
    [
      'set id 451',
      () => verifyGrandpaJustification({ justification: P.hex, authoritySet: { ...set297, setId: 451n } }),
      'SIGNATURE_INVALID',
    ],
    [
      'another round',
      () =>
        verifyGrandpaJustification({ justification: reencode(decoded, { round: P.round + 1n }), authoritySet: set297 }),
      'SIGNATURE_INVALID',
    ],
    [
      'a flipped signature byte',
      () =>
        verifyGrandpaJustification({ justification: reencode(decoded, { precommits: flipped }), authoritySet: set297 }),
      'SIGNATURE_INVALID',
    ],
    [
      'a duplicated precommit (same voter twice)',
      () =>
        verifyGrandpaJustification({
          justification: reencode(decoded, { precommits: [...decoded.precommits, decoded.precommits[3]!] }),
          authoritySet: set297,
        }),
      'DUPLICATE_VOTE',
    ],
    [
      '198 of 297 precommits (below threshold)',
      () =>
        verifyGrandpaJustification({
          justification: reencode(decoded, { precommits: decoded.precommits.slice(1) }),
          authoritySet: set297,
        }),
      'QUORUM_NOT_MET',
    ],
    [
      '199 of a 299-member set (threshold 200)',
      () =>
        verifyGrandpaJustification({
          justification: P.hex,
          authoritySet: { ...set297, authorities: [...signers, ...standIns(100)] },
        }),
      'QUORUM_NOT_MET',
    ],
    [
      'a signer outside the authority set',
      () =>
        verifyGrandpaJustification({
          justification: P.hex,
          authoritySet: { ...set297, authorities: [...signers.slice(1), ...standIns(99)] },
        }),
      'UNKNOWN_AUTHORITY',
    ],
    [
      'another expected target',
      () =>
        verifyGrandpaJustification({
          justification: P.hex,
          authoritySet: set297,
          expectedTarget: { hash: P.targetHash, number: P.targetNumber + 1n },
        }),
      'HEADER_MISMATCH',
    ],
    [
      'a trailing byte',
      () => verifyGrandpaJustification({ justification: `${P.hex}00` as Hex, authoritySet: set297 }),
      'TRAILING_DATA',
    ],
    [
      'a truncated precommit list',
      () => verifyGrandpaJustification({ justification: P.hex.slice(0, 2000) as Hex, authoritySet: set297 }),
      'MALFORMED_ENCODING',
    ],
    [
      'a precommit for an unknown descendant (no ancestry)',
      () =>
        verifyGrandpaJustification({
          justification: reencode(decoded, {
            precommits: decoded.precommits.map((p, i) => (i === 0 ? { ...p, targetNumber: p.targetNumber + 1n } : p)),
          }),
          authoritySet: set297,
        }),
      'ANCESTRY_INVALID',
    ],
  ]
  it.each(tampered)('refuses it with %s', (_, run, expected) => expect(reason(run)).toBe(expected))

  it('refuses a malformed authority set with BundleInvalidError', () => {
    const e = thrown(() =>
      verifyGrandpaJustification({
        justification: P.hex,
        authoritySet: { setId: 450n, authorities: [...signers, signers[0]!] },
      }),
    )
    expect(e).toBeInstanceOf(BundleInvalidError)
  })
})

describe('verifyGrandpaJustification with generated keys and vote ancestries', () => {
  const keys = Array.from({ length: 7 }, (_, i) => grandpaKey(i)) // threshold 5
  const set = { setId: 3n, authorities: keys.map((k) => ({ id: k.id, weight: 1n })) }
  const target = makeHeader(`0x${'11'.repeat(32)}`, 100n)
  const child = makeHeader(target.hash, 101n)
  const grandchild = makeHeader(child.hash, 102n)
  const sibling = makeHeader(target.hash, 101n, 7) // another fork at 101
  const vote = (i: number, h: { hash: Hex }, n: bigint) => ({ key: keys[i]!, targetHash: h.hash, targetNumber: n })
  const base = { round: 9n, setId: 3n, targetHash: target.hash, targetNumber: 100n }

  it('accepts precommits on the target and on descendants linked by ancestries', () => {
    const j = buildJustification({
      ...base,
      precommits: [
        vote(0, target, 100n),
        vote(1, child, 101n),
        vote(2, grandchild, 102n),
        vote(3, sibling, 101n),
        vote(4, target, 100n),
      ],
      ancestries: [child.bytes, grandchild.bytes, sibling.bytes],
    })
    expect(verifyGrandpaJustification({ justification: j, authoritySet: set })).toMatchObject({
      signedWeight: 5n,
      threshold: 5n,
    })
  })

  it('counts an equivocating voter (two targets) once', () => {
    const precommits = [0, 1, 2, 3].map((i) => vote(i, target, 100n))
    const j = buildJustification({
      ...base,
      precommits: [...precommits, vote(0, child, 101n)],
      ancestries: [child.bytes],
    })
    expect(reason(() => verifyGrandpaJustification({ justification: j, authoritySet: set }))).toBe('QUORUM_NOT_MET')
    const ok = buildJustification({
      ...base,
      precommits: [...precommits, vote(4, target, 100n), vote(0, child, 101n)],
      ancestries: [child.bytes],
    })
    expect(verifyGrandpaJustification({ justification: ok, authoritySet: set }).signers).toHaveLength(5)
  })

  const five = [0, 1, 2, 3, 4].map((i) => vote(i, target, 100n))
  const cases: [string, Parameters<typeof buildJustification>[0], string][] = [
    [
      'a third vote by one voter',
      {
        ...base,
        precommits: [...five, vote(0, child, 101n), vote(0, sibling, 101n)],
        ancestries: [child.bytes, sibling.bytes],
      },
      'DUPLICATE_VOTE',
    ],
    [
      'a missing ancestry header',
      { ...base, precommits: [...five, vote(5, grandchild, 102n)], ancestries: [grandchild.bytes] },
      'ANCESTRY_INVALID',
    ],
    ['an unused ancestry header', { ...base, precommits: five, ancestries: [child.bytes] }, 'ANCESTRY_INVALID'],
    [
      'the target header itself as an ancestry',
      { ...base, precommits: five, ancestries: [target.bytes] },
      'ANCESTRY_INVALID',
    ],
    [
      'a repeated ancestry header',
      { ...base, precommits: [...five, vote(5, child, 101n)], ancestries: [child.bytes, child.bytes] },
      'ANCESTRY_INVALID',
    ],
    [
      'a precommit below the target',
      { ...base, precommits: [...five, vote(5, makeHeader(target.hash, 99n), 99n)] },
      'ANCESTRY_INVALID',
    ],
    [
      'a precommit number that is not its header number',
      { ...base, precommits: [...five, vote(5, child, 102n)], ancestries: [child.bytes] },
      'ANCESTRY_INVALID',
    ],
    [
      'a descendant of another block',
      {
        ...base,
        precommits: [...five, vote(5, makeHeader(`0x${'22'.repeat(32)}`, 101n), 101n)],
        ancestries: [makeHeader(`0x${'22'.repeat(32)}`, 101n).bytes],
      },
      'ANCESTRY_INVALID',
    ],
    ['no precommits', { ...base, precommits: [] }, 'QUORUM_NOT_MET'],
  ]
  it.each(cases)('refuses %s', (_, spec, expected) => {
    expect(
      reason(() => verifyGrandpaJustification({ justification: buildJustification(spec), authoritySet: set })),
    ).toBe(expected)
  })

  it('weighs voters by their weight', () => {
    const weighted = { setId: 3n, authorities: keys.map((k, i) => ({ id: k.id, weight: i === 0 ? 10n : 1n })) } // total 16, threshold 11
    const j = buildJustification({ ...base, precommits: [vote(0, target, 100n), vote(1, target, 100n)] })
    expect(verifyGrandpaJustification({ justification: j, authoritySet: weighted })).toMatchObject({
      signedWeight: 11n,
      totalWeight: 16n,
      threshold: 11n,
    })
  })
})
