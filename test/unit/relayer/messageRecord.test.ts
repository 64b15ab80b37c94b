import { computeAddress, keccak256, toUtf8Bytes } from 'ethers'
import { signAttestation } from '../../../proofs/quorum/signAttestation.js'
import type { Committee } from '../../../proofs/quorum/types.js'
import { verifyQuorumCertificate } from '../../../proofs/quorum/verifyQuorumCertificate.js'
import {
  addAttestation,
  attestationCount,
  decodeMessageRecord,
  encodeMessageRecord,
  type MessageRecord,
  markDispatched,
  type VerifiedAttestation,
} from '../../../relayer/aggregate/messageRecord.js'
import type { Hex } from '../../../types.js'

const keys = [1, 2, 3, 4].map((i) => `0x${(i * 7).toString(16).padStart(64, '0')}` as Hex)
const addr = (k: Hex) => computeAddress(k).toLowerCase() as Hex
const committee: Committee = { epoch: 5n, signers: keys.slice(0, 3).map(addr), threshold: 2 }
const digest = keccak256(toUtf8Bytes('record')) as Hex
const id = keccak256(toUtf8Bytes('id')) as Hex
const t = (s: number) => new Date(Date.UTC(2026, 10, 21, 0, 0, s))
const att = (k: Hex, epoch = 5n): VerifiedAttestation => ({
  id,
  origin: 1,
  destination: 2,
  nonce: 2n ** 63n,
  message: '0x01',
  epoch,
  signer: addr(k),
  signature: signAttestation(digest, k),
  relayer: `r${k.slice(-2)}`,
})
const apply = (steps: [VerifiedAttestation, number][], c = committee): MessageRecord | undefined =>
  steps.reduce<MessageRecord | undefined>((rec, [a, s]) => addAttestation(rec, a, c, digest, t(s)) ?? rec, undefined)

describe('addAttestation', () => {
  it('creates an attested record on the first signature', () => {
    const r = apply([[att(keys[0]!), 1]])!
    expect(r).toMatchObject({
      v: 1,
      id,
      status: 'attested',
      epoch: 5n,
      threshold: 2,
      stages: { attested: t(1).toISOString() },
    })
    expect(attestationCount(r)).toBe(1)
    expect(r.certificate).toBeUndefined()
  })

  it('returns undefined (no write) when the signer is already recorded', () => {
    const r = apply([[att(keys[0]!), 1]])!
    expect(addAttestation(r, att(keys[0]!), committee, digest, t(2))).toBeUndefined()
  })

  it('certifies at threshold with a certificate the destination accepts', () => {
    const r = apply([
      [att(keys[2]!), 1],
      [att(keys[0]!), 2],
    ])!
    expect(r.status).toBe('certified')
    expect(r.stages.certified).toBe(t(2).toISOString())
    expect(
      verifyQuorumCertificate({ certificate: { epoch: 5n, signatures: r.certificate!.signatures }, committee, digest }),
    ).toEqual(r.certificate!.signers)
  })

  it('freezes the certificate when more signatures arrive', () => {
    const two = apply([
      [att(keys[0]!), 1],
      [att(keys[1]!), 2],
    ])!
    const three = addAttestation(two, att(keys[2]!), committee, digest, t(3))!
    expect(three.certificate).toEqual(two.certificate)
    expect(attestationCount(three)).toBe(3)
    expect(three.stages.certified).toBe(t(2).toISOString())
  })

  it('does not count signatures of another epoch towards the quorum', () => {
    const r = apply([
      [att(keys[0]!, 4n), 1],
      [att(keys[1]!), 2],
    ])!
    expect(r.status).toBe('attested')
    expect(attestationCount(r)).toBe(1)
  })

  it('never moves a delivered record back to certified', () => {
    const delivered: MessageRecord = { ...apply([[att(keys[0]!), 1]])!, status: 'delivered' }
    const r = addAttestation(delivered, att(keys[1]!), committee, digest, t(5))!
    expect(r.status).toBe('delivered')
    expect(r.certificate).toBeDefined()
  })
})

describe('markDispatched', () => {
  it('records the first dispatch and ignores later ones', () => {
    const r = apply([
      [att(keys[0]!), 1],
      [att(keys[1]!), 2],
    ])!
    const d = markDispatched(r, 7, t(3))!
    expect(d.dispatched).toEqual({ seq: 7, at: t(3).toISOString() })
    expect(markDispatched(d, 8, t(4))).toBeUndefined()
    expect(markDispatched(undefined, 8, t(4))).toBeUndefined()
  })
})

describe('message record codec', () => {
  it('round-trips through JSON with bigints as decimal strings', () => {
    const r = markDispatched(
      apply([
        [att(keys[0]!), 1],
        [att(keys[1]!), 2],
      ])!,
      1,
      t(3),
    )!
    const raw = encodeMessageRecord(r)
    expect(new TextDecoder().decode(raw)).toContain('"nonce":"9223372036854775808"')
    expect(decodeMessageRecord(raw)).toEqual(r)
  })
})
