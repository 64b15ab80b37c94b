import { InvalidProofError } from '../../errors.js'
import type { MptProofInput, VerifyMptProofOptions } from './types.js'
import { walkMptProof } from './walkMptProof.js'

/**
 * Verify a Merkle-Patricia inclusion proof (the `eth_getProof` node list: root first, embedded nodes
 * inside their parents) and return the proven value. Absence is a separate function,
 * `verifyMptAbsence`: a valid proof that the key is not in the trie is a rejection here.
 * @throws InvalidProofError VALUE_ABSENT, NODE_MISSING, ROOT_MISMATCH, HASH_MISMATCH, EXTRA_NODES,
 *   DEPTH_EXCEEDED, NON_CANONICAL, MALFORMED_ENCODING, TRAILING_DATA
 */
export const verifyMptProof = (input: MptProofInput, opts?: VerifyMptProofOptions): Uint8Array => {
  const value = walkMptProof(input, opts)
  if (value === null)
    throw new InvalidProofError({ reason: 'VALUE_ABSENT', detail: 'MPT: the proof shows the key is not in the trie' })
  return value
}
