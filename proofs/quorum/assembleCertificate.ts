import { CertificateInvalidError, InvalidProofError } from '../../errors.js'
import type { Attestation, Certificate, Hex } from '../../types.js'
import { recoverAttestationSigner } from './recoverAttestationSigner.js'
import type { Committee, QuorumCheck } from './types.js'
import { committeeMembers } from './verifyQuorumCertificate.js'

export interface VerifyAttestationOptions {
  attestation: Attestation
  committee: Committee
  /** The digest this relay expects for the attestation's message (recomputed, never taken from the attestation). */
  digest: Hex
}

/**
 * Check one committee member's attestation before it counts towards a quorum (F-31): the
 * committee's epoch, a canonical signature over `digest`, recovering to the claimed signer,
 * who is a member. A signature over another digest recovers to some other address and fails
 * as SIGNER_MISMATCH.
 * @returns the signer, lower-case
 * @throws InvalidProofError (`meta.check` says which rule failed)
 * @throws CertificateInvalidError (COMMITTEE_INVALID) for a committee that could never be met
 */
export const verifyAttestation = ({ attestation: a, committee, digest }: VerifyAttestationOptions): Hex => {
  const members = committeeMembers(committee)
  return checkMember(a, committee, members, digest)
}

const reject = (check: QuorumCheck, detail: string, meta: Record<string, unknown>) =>
  new InvalidProofError({
    reason: check === 'SIGNER_MISMATCH' ? 'SIGNATURE_INVALID' : 'UNKNOWN_AUTHORITY',
    detail,
    meta: { check, ...meta },
  })

const checkMember = (a: Attestation, committee: Committee, members: Set<Hex>, digest: Hex): Hex => {
  if (a.epoch !== committee.epoch) {
    throw reject('EPOCH_MISMATCH', `attestation epoch ${a.epoch} is not ${committee.epoch}`, {
      epoch: a.epoch.toString(),
    })
  }
  const signer = recoverAttestationSigner(digest, a.signature)
  if (signer !== String(a.signer).toLowerCase()) {
    throw reject('SIGNER_MISMATCH', `signature recovers to ${signer}, not the claimed ${a.signer}`, {
      signer,
      claimed: a.signer,
    })
  }
  if (!members.has(signer)) throw reject('NON_MEMBER', `${signer} is not a committee member`, { signer })
  return signer
}

/** An attestation left out of a certificate, and why (`check` is a stable code). */
export interface RejectedAttestation {
  attestation: Attestation
  check: QuorumCheck
  error: InvalidProofError | CertificateInvalidError
}

export interface AssembleCertificateResult {
  /** Present once `threshold` distinct valid signers are available. */
  certificate: Certificate | undefined
  /** Signers of `certificate`, lower-case, strictly increasing. */
  signers: Hex[]
  /** Every distinct valid attestation, in input order (the first per signer). */
  valid: Attestation[]
  rejected: RejectedAttestation[]
}

/**
 * Build a quorum certificate from attestations as they arrived: drop invalid and foreign ones
 * (signature over another digest, garbage, wrong epoch, non-member, claimed signer that does
 * not match) and repeats of a signer, then take the first `threshold` valid ones and order
 * them by signer address as the destination requires.
 * @throws CertificateInvalidError (COMMITTEE_INVALID) for a committee that could never be met
 */
export const assembleCertificate = (
  attestations: readonly Attestation[],
  committee: Committee,
  digest: Hex,
): AssembleCertificateResult => {
  const members = committeeMembers(committee)
  const bySigner = new Map<Hex, Attestation>()
  const valid: Attestation[] = []
  const rejected: RejectedAttestation[] = []
  for (const a of attestations) {
    let signer: Hex
    try {
      signer = checkMember(a, committee, members, digest)
    } catch (e) {
      if (!(e instanceof InvalidProofError)) throw e
      rejected.push({ attestation: a, check: (e.meta.check as QuorumCheck) ?? 'UNRECOVERABLE', error: e })
      continue
    }
    if (bySigner.has(signer)) {
      const error = new CertificateInvalidError({
        reason: `${signer} attested twice`,
        meta: { check: 'DUPLICATE_SIGNER', signer },
      })
      rejected.push({ attestation: a, check: 'DUPLICATE_SIGNER', error })
      continue
    }
    bySigner.set(signer, a)
    valid.push(a)
  }
  if (bySigner.size < committee.threshold) return { certificate: undefined, signers: [], valid, rejected }
  const chosen = [...bySigner.entries()].slice(0, committee.threshold).sort(([x], [y]) => (x < y ? -1 : 1))
  return {
    certificate: { epoch: committee.epoch, signatures: chosen.map(([, a]) => a.signature.toLowerCase() as Hex) },
    signers: chosen.map(([s]) => s),
    valid,
    rejected,
  }
}
