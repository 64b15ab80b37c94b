import type { Hex } from '../../types.js'

/**
 * A committee as the destination stores it (structurally the adapters' `CommitteeInfo`):
 * the active epoch, its member addresses and how many distinct members must sign.
 */
export interface Committee {
  epoch: bigint
  signers: readonly Hex[]
  threshold: number
}

/** Why a certificate or an attestation was refused; stable strings in `meta.check`. */
export type QuorumCheck =
  | 'COMMITTEE_INVALID'
  | 'EPOCH_MISMATCH'
  | 'QUORUM_NOT_MET'
  | 'NON_MEMBER'
  | 'DUPLICATE_SIGNER'
  | 'UNSORTED_SIGNERS'
  | 'SIGNER_MISMATCH'
  | 'MALFORMED_SIGNATURE'
  | 'HIGH_S'
  | 'BAD_V'
  | 'UNRECOVERABLE'
