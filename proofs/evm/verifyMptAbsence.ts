import { InvalidProofError } from '../../errors.js'
import type { MptProofInput, VerifyMptProofOptions } from './types.js'
import { walkMptProof } from './walkMptProof.js'

/**
 * Verify a Merkle-Patricia exclusion proof: the nodes show that `key` has no value under `root`.
 * @throws InvalidProofError VALUE_PRESENT when the proof proves a value, or any reason of `verifyMptProof`
 */
export const verifyMptAbsence = (input: MptProofInput, opts?: VerifyMptProofOptions): void => {
  if (walkMptProof(input, opts) !== null) {
    throw new InvalidProofError({ reason: 'VALUE_PRESENT', detail: 'MPT: the proof shows the key has a value' })
  }
}
