/**
 * Pure verifiers (no I/O): source proofs per chain family and quorum certificates.
 */
export {
  type AssembleCertificateResult,
  assembleCertificate,
  type RejectedAttestation,
  type VerifyAttestationOptions,
  verifyAttestation,
} from './quorum/assembleCertificate.js'
export { recoverAttestationSigner } from './quorum/recoverAttestationSigner.js'
export { signAttestation } from './quorum/signAttestation.js'
export { SECP256K1_HALF_N, SECP256K1_N, SIGNATURE_BYTES } from './quorum/signatureFormat.js'
export type { Committee, QuorumCheck } from './quorum/types.js'
export {
  committeeMembers,
  type VerifyQuorumCertificateOptions,
  verifyQuorumCertificate,
} from './quorum/verifyQuorumCertificate.js'
