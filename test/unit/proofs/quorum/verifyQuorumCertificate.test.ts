import fc from 'fast-check'
import { CertificateInvalidError, InvalidProofError, RelayError } from '../../../../errors.js'
import { assembleCertificate } from '../../../../proofs/quorum/assembleCertificate.js'
import { signAttestation } from '../../../../proofs/quorum/signAttestation.js'
import { SECP256K1_N } from '../../../../proofs/quorum/signatureFormat.js'
import type { Committee } from '../../../../proofs/quorum/types.js'
import { verifyQuorumCertificate } from '../../../../proofs/quorum/verifyQuorumCertificate.js'
import type { Certificate, Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'
import { addressOf, committeeOf, digestOf, sortedKeys, testKeys } from './fixtures.js'

// Four members sorted by address; committee = the first three, 2-of-3. keys[3] is an outsider.
const keys = sortedKeys(4) as [Hex, Hex, Hex, Hex]
const [k0, k1, k2, outsider] = keys
const committee = committeeOf([k0, k1, k2], 2)
const digest = digestOf('isthmus quorum')
const sig = (k: Hex, d: Hex = digest) => signAttestation(d, k)
const cert = (signatures: Hex[], epoch = committee.epoch): Certificate => ({ epoch, signatures })
const highS = (s: Hex): Hex => {
  const v = Number.parseInt(s.slice(130), 16)
  const hs = (SECP256K1_N - BigInt(`0x${s.slice(66, 130)}`)).toString(16).padStart(64, '0')
  return `${s.slice(0, 66)}${hs}${(v === 27 ? 28 : 27).toString(16)}` as Hex
}

interface Case {
  name: string
  certificate: Certificate
  committee?: Committee
  digest?: Hex
}

const valid: (Case & { signers: Hex[] })[] = [
  {
    name: '2-of-3 with the two lowest signers',
    certificate: cert([sig(k0), sig(k1)]),
    signers: [k0, k1].map(addressOf),
  },
  { name: '2-of-3 with a gap in the order', certificate: cert([sig(k0), sig(k2)]), signers: [k0, k2].map(addressOf) },
  {
    name: 'all three signers (above threshold)',
    certificate: cert([sig(k0), sig(k1), sig(k2)]),
    signers: [k0, k1, k2].map(addressOf),
  },
  {
    name: '1-of-1 committee',
    certificate: cert([sig(k1)]),
    committee: committeeOf([k1], 1),
    signers: [addressOf(k1)],
  },
  {
    name: 'committee addresses in checksum case',
    certificate: cert([sig(k0), sig(k1)]),
    committee: { ...committee, signers: committee.signers.map((s) => `0x${s.slice(2).toUpperCase()}` as Hex) },
    signers: [k0, k1].map(addressOf),
  },
]

const tamperedCertificate: (Case & { check: string })[] = [
  { name: 'wrong epoch', certificate: cert([sig(k0), sig(k1)], committee.epoch + 1n), check: 'EPOCH_MISMATCH' },
  { name: 'fewer than threshold', certificate: cert([sig(k0)]), check: 'QUORUM_NOT_MET' },
  { name: 'no signatures', certificate: cert([]), check: 'QUORUM_NOT_MET' },
  { name: 'a non-member signature', certificate: cert([sig(k0), sig(outsider)].sort()), check: 'NON_MEMBER' },
  {
    name: 'a signature over another digest',
    certificate: cert([sig(k0), sig(k1, digestOf('other'))]),
    check: 'NON_MEMBER',
  },
  { name: 'the same signature twice', certificate: cert([sig(k0), sig(k0)]), check: 'DUPLICATE_SIGNER' },
  { name: 'signers in decreasing order', certificate: cert([sig(k1), sig(k0)]), check: 'UNSORTED_SIGNERS' },
  {
    name: 'a duplicate hidden after a valid pair',
    certificate: cert([sig(k0), sig(k1), sig(k1)]),
    check: 'DUPLICATE_SIGNER',
  },
  {
    name: 'a committee with threshold 0',
    certificate: cert([]),
    committee: { ...committee, threshold: 0 },
    check: 'COMMITTEE_INVALID',
  },
  {
    name: 'a committee with threshold above its size',
    certificate: cert([sig(k0), sig(k1), sig(k2)]),
    committee: { ...committee, threshold: 4 },
    check: 'COMMITTEE_INVALID',
  },
  {
    name: 'an empty committee',
    certificate: cert([]),
    committee: { epoch: 7n, signers: [], threshold: 1 },
    check: 'COMMITTEE_INVALID',
  },
  {
    name: 'a committee listing a member twice',
    certificate: cert([sig(k0), sig(k1)]),
    committee: { ...committee, signers: [addressOf(k0), addressOf(k0), addressOf(k1)] },
    check: 'COMMITTEE_INVALID',
  },
  {
    name: 'a committee with the zero address',
    certificate: cert([sig(k0), sig(k1)]),
    committee: { ...committee, signers: [`0x${'00'.repeat(20)}`, ...committee.signers] as Hex[] },
    check: 'COMMITTEE_INVALID',
  },
  {
    name: 'a committee with a fractional threshold',
    certificate: cert([sig(k0), sig(k1)]),
    committee: { ...committee, threshold: 1.5 },
    check: 'COMMITTEE_INVALID',
  },
]

const tamperedSignature: (Case & { reason: string })[] = [
  { name: 'a high-s signature', certificate: cert([sig(k0), highS(sig(k1))]), reason: 'NON_CANONICAL' },
  { name: 'v = 0', certificate: cert([sig(k0), `${sig(k1).slice(0, 130)}00` as Hex]), reason: 'NON_CANONICAL' },
  { name: 'v = 29', certificate: cert([sig(k0), `${sig(k1).slice(0, 130)}1d` as Hex]), reason: 'NON_CANONICAL' },
  {
    name: 'a 64-byte signature',
    certificate: cert([sig(k0), sig(k1).slice(0, 130) as Hex]),
    reason: 'MALFORMED_ENCODING',
  },
  { name: 'a 66-byte signature', certificate: cert([sig(k0), `${sig(k1)}00` as Hex]), reason: 'MALFORMED_ENCODING' },
  {
    name: 'two signatures concatenated into one entry',
    certificate: cert([`${sig(k0)}${sig(k1).slice(2)}` as Hex]),
    committee: committeeOf([k0, k1, k2], 1),
    reason: 'MALFORMED_ENCODING',
  },
  { name: 'garbage bytes', certificate: cert([sig(k0), `0x${'5a'.repeat(64)}1b` as Hex]), reason: 'SIGNATURE_INVALID' },
  {
    name: 'a malformed digest',
    certificate: cert([sig(k0), sig(k1)]),
    digest: '0x00' as Hex,
    reason: 'MALFORMED_ENCODING',
  },
]

describe('verifyQuorumCertificate', () => {
  it.each(valid)('accepts $name', (c) => {
    expect(
      verifyQuorumCertificate({
        certificate: c.certificate,
        committee: c.committee ?? committee,
        digest: c.digest ?? digest,
      }),
    ).toEqual(c.signers)
  })

  it.each(tamperedCertificate)('rejects $name with CertificateInvalidError', (c) => {
    const e = thrown(() =>
      verifyQuorumCertificate({
        certificate: c.certificate,
        committee: c.committee ?? committee,
        digest: c.digest ?? digest,
      }),
    )
    expect(e).toBeInstanceOf(CertificateInvalidError)
    expect((e as CertificateInvalidError).meta.check).toBe(c.check)
    expect((e as RelayError).retryable).toBe(false)
  })

  it.each(tamperedSignature)('rejects $name with InvalidProofError', (c) => {
    const e = thrown(() =>
      verifyQuorumCertificate({
        certificate: c.certificate,
        committee: c.committee ?? committee,
        digest: c.digest ?? digest,
      }),
    )
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).reason).toBe(c.reason)
  })

  it('reports which signature failed when one is malformed', () => {
    const e = thrown(() => verifyQuorumCertificate({ certificate: cert([sig(k0), highS(sig(k1))]), committee, digest }))
    expect((e as InvalidProofError).meta.index).toBe(1)
  })
})

describe('verifyQuorumCertificate and assembleCertificate (property)', () => {
  const pool = testKeys(6)
  it('round-trips any quorum of any committee, and a flipped byte never verifies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            threshold: fc.integer({ min: 1, max: n }),
            order: fc.shuffledSubarray([...Array(n).keys()], { minLength: 0, maxLength: n }),
            label: fc.string({ maxLength: 16 }),
            epoch: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
            flipAt: fc.nat(),
          }),
        ),
        ({ n, threshold, order, label, epoch, flipAt }) => {
          const members = pool.slice(0, n)
          const c = committeeOf(members, threshold, epoch)
          const d = digestOf(label)
          const atts = order.map((i) => ({
            id: d,
            epoch,
            signer: addressOf(members[i]!),
            signature: signAttestation(d, members[i]!),
          }))
          const r = assembleCertificate(atts, c, d)
          if (order.length < threshold) {
            expect(r.certificate).toBeUndefined()
            return
          }
          const certificate = r.certificate!
          expect(certificate.signatures).toHaveLength(threshold)
          const signers = verifyQuorumCertificate({ certificate, committee: c, digest: d })
          expect(signers).toEqual(r.signers)
          expect(signers).toEqual([...signers].sort())
          expect(signers).toEqual(
            order
              .slice(0, threshold)
              .map((i) => addressOf(members[i]!))
              .sort(),
          )
          // Flip one hex digit somewhere in the certificate: it must never verify.
          const flat = certificate.signatures.join('').replaceAll('0x', '')
          const at = flipAt % flat.length
          const flipped =
            flat.slice(0, at) + ((Number.parseInt(flat[at]!, 16) + 1) % 16).toString(16) + flat.slice(at + 1)
          const tampered = certificate.signatures.map((_, i) => `0x${flipped.slice(i * 130, (i + 1) * 130)}` as Hex)
          expect(() =>
            verifyQuorumCertificate({ certificate: { epoch, signatures: tampered }, committee: c, digest: d }),
          ).toThrow(RelayError)
        },
      ),
      { numRuns: 60, seed: 20261121 },
    )
  })
})
