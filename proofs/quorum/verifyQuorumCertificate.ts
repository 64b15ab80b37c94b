import { CertificateInvalidError, InvalidProofError } from '../../errors.js'
import type { Certificate, Hex } from '../../types.js'
import { recoverAttestationSigner } from './recoverAttestationSigner.js'
import { isAddress } from './signatureFormat.js'
import type { Committee, QuorumCheck } from './types.js'

export interface VerifyQuorumCertificateOptions {
  certificate: Certificate
  committee: Committee
  /** The attestation digest the destination recomputes (`attestationDigest`). */
  digest: Hex
}

const refuse = (check: QuorumCheck, reason: string, meta: Record<string, unknown> = {}) =>
  new CertificateInvalidError({ reason, meta: { check, ...meta } })

/**
 * The committee's members as a lower-case set, after checking that no zero or default value
 * could make a certificate valid (RELIABILITY.md rule 3): 1 ≤ threshold ≤ |signers|, every
 * member a distinct non-zero address.
 * @throws CertificateInvalidError (COMMITTEE_INVALID)
 */
export const committeeMembers = (c: Committee): Set<Hex> => {
  const members = new Set<Hex>()
  for (const s of c.signers) {
    if (!isAddress(s) || /^0x0{40}$/.test(s))
      throw refuse('COMMITTEE_INVALID', `committee member ${s} is not a non-zero address`)
    members.add(s.toLowerCase() as Hex)
  }
  if (members.size !== c.signers.length) throw refuse('COMMITTEE_INVALID', 'committee lists a member twice')
  if (!Number.isInteger(c.threshold) || c.threshold < 1 || c.threshold > members.size) {
    throw refuse('COMMITTEE_INVALID', `threshold ${c.threshold} is outside 1..${members.size}`)
  }
  return members
}

/**
 * Check a quorum certificate the way the destination does: the committee's epoch, at least
 * `threshold` signatures, each a canonical signature over `digest` by a committee member, in
 * strictly increasing signer order (so no signer counts twice).
 * @returns the recovered signers, lower-case, in certificate order
 * @throws CertificateInvalidError (`meta.check`: COMMITTEE_INVALID, EPOCH_MISMATCH, QUORUM_NOT_MET,
 *   NON_MEMBER, DUPLICATE_SIGNER, UNSORTED_SIGNERS)
 * @throws InvalidProofError for a malformed, high-s, bad-v or unrecoverable signature (`meta.index`)
 */
export const verifyQuorumCertificate = ({ certificate, committee, digest }: VerifyQuorumCertificateOptions): Hex[] => {
  const members = committeeMembers(committee)
  if (certificate.epoch !== committee.epoch) {
    throw refuse(
      'EPOCH_MISMATCH',
      `certificate epoch ${certificate.epoch} is not the committee epoch ${committee.epoch}`,
      {
        epoch: certificate.epoch.toString(),
        committeeEpoch: committee.epoch.toString(),
      },
    )
  }
  const n = certificate.signatures.length
  if (n < committee.threshold) {
    throw refuse('QUORUM_NOT_MET', `${n} signatures, threshold is ${committee.threshold}`, {
      count: n,
      threshold: committee.threshold,
    })
  }
  const signers: Hex[] = []
  certificate.signatures.forEach((sig, index) => {
    let signer: Hex
    try {
      signer = recoverAttestationSigner(digest, sig)
    } catch (e) {
      if (!(e instanceof InvalidProofError)) throw e
      throw new InvalidProofError({
        reason: e.reason,
        detail: `signature ${index}: ${e.message.split('\n')[0]}`,
        meta: { ...e.meta, index },
      })
    }
    if (!members.has(signer))
      throw refuse('NON_MEMBER', `signature ${index} is by ${signer}, not a committee member`, { index, signer })
    const prev = signers[index - 1]
    if (prev !== undefined && signer === prev)
      throw refuse('DUPLICATE_SIGNER', `${signer} signed twice`, { index, signer })
    if (prev !== undefined && signer < prev)
      throw refuse('UNSORTED_SIGNERS', `signature ${index} breaks increasing signer order`, { index, signer })
    signers.push(signer)
  })
  return signers
}
