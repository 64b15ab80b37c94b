import { CertificateInvalidError, InvalidProofError } from '../../../../errors.js'
import { assembleCertificate, verifyAttestation } from '../../../../proofs/quorum/assembleCertificate.js'
import { signAttestation } from '../../../../proofs/quorum/signAttestation.js'
import { verifyQuorumCertificate } from '../../../../proofs/quorum/verifyQuorumCertificate.js'
import type { Attestation, Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'
import { addressOf, attest, committeeOf, digestOf, sortedKeys } from './fixtures.js'

const keys = sortedKeys(5) as [Hex, Hex, Hex, Hex, Hex]
const [k0, k1, k2, k3, outsider] = keys
const committee = committeeOf([k0, k1, k2, k3], 3)
const digest = digestOf('isthmus assemble')

// F-31: each byzantine attestation is dropped with a stable reason.
const byzantine: { name: string; attestation: Attestation; check: string }[] = [
  {
    name: 'a signature over another digest',
    attestation: attest(k0, digestOf('other'), 7n, digest),
    check: 'SIGNER_MISMATCH',
  },
  {
    name: 'garbage signature bytes',
    attestation: { ...attest(k0, digest), signature: `0x${'5a'.repeat(64)}1c` as Hex },
    check: 'UNRECOVERABLE',
  },
  {
    name: 'a valid r with a garbage s',
    attestation: {
      ...attest(k0, digest),
      signature: `${attest(k0, digest).signature.slice(0, 66)}${'11'.repeat(32)}1b` as Hex,
    },
    check: 'SIGNER_MISMATCH',
  },
  {
    name: 'a truncated signature',
    attestation: { ...attest(k0, digest), signature: '0xdeadbeef' },
    check: 'MALFORMED_SIGNATURE',
  },
  { name: 'the wrong epoch', attestation: attest(k0, digest, 6n), check: 'EPOCH_MISMATCH' },
  { name: 'a non-member signer', attestation: attest(outsider, digest), check: 'NON_MEMBER' },
  {
    name: 'a member claiming another member signature',
    attestation: { ...attest(k0, digest), signer: addressOf(k1) },
    check: 'SIGNER_MISMATCH',
  },
  {
    name: 'v = 0',
    attestation: { ...attest(k0, digest), signature: `${attest(k0, digest).signature.slice(0, 130)}00` as Hex },
    check: 'BAD_V',
  },
]

describe('verifyAttestation', () => {
  it('returns the lower-case signer when the attestation is valid', () => {
    expect(verifyAttestation({ attestation: attest(k2, digest), committee, digest })).toBe(addressOf(k2))
  })

  it('accepts a claimed signer in checksum case', () => {
    const a = attest(k2, digest)
    expect(
      verifyAttestation({
        attestation: { ...a, signer: `0x${a.signer.slice(2).toUpperCase()}` as Hex },
        committee,
        digest,
      }),
    ).toBe(addressOf(k2))
  })

  it.each(byzantine)('rejects $name', ({ attestation, check }) => {
    const e = thrown(() => verifyAttestation({ attestation, committee, digest }))
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).meta.check).toBe(check)
  })
})

describe('assembleCertificate', () => {
  it('returns no certificate while fewer than threshold members attested', () => {
    const r = assembleCertificate([attest(k3, digest), attest(k0, digest)], committee, digest)
    expect(r.certificate).toBeUndefined()
    expect(r.valid).toHaveLength(2)
  })

  it('takes the first threshold valid attestations and sorts them by signer', () => {
    const r = assembleCertificate(
      [k3, k1, k0, k2].map((k) => attest(k, digest)),
      committee,
      digest,
    )
    expect(r.signers).toEqual([k0, k1, k3].map(addressOf))
    expect(r.certificate).toEqual({ epoch: 7n, signatures: [k0, k1, k3].map((k) => signAttestation(digest, k)) })
    expect(verifyQuorumCertificate({ certificate: r.certificate!, committee, digest })).toEqual(r.signers)
  })

  it('still reaches quorum with honest signatures when every byzantine kind is mixed in (F-31)', () => {
    const input = [...byzantine.map((b) => b.attestation), attest(k2, digest), attest(k1, digest), attest(k3, digest)]
    const r = assembleCertificate(input, committee, digest)
    expect(r.rejected.map((x) => x.check)).toEqual(byzantine.map((b) => b.check))
    expect(r.signers).toEqual([k1, k2, k3].map(addressOf))
    expect(verifyQuorumCertificate({ certificate: r.certificate!, committee, digest })).toEqual(r.signers)
  })

  it('counts a repeated signer once and reports the repeat', () => {
    const r = assembleCertificate([attest(k0, digest), attest(k0, digest), attest(k1, digest)], committee, digest)
    expect(r.certificate).toBeUndefined()
    expect(r.valid).toHaveLength(2)
    expect(r.rejected.map((x) => [x.check, x.error instanceof CertificateInvalidError])).toEqual([
      ['DUPLICATE_SIGNER', true],
    ])
  })

  it('throws CertificateInvalidError when the committee can never be met', () => {
    const e = thrown(() => assembleCertificate([attest(k0, digest)], { ...committee, threshold: 0 }, digest))
    expect(e).toBeInstanceOf(CertificateInvalidError)
    expect((e as CertificateInvalidError).meta.check).toBe('COMMITTEE_INVALID')
  })
})
