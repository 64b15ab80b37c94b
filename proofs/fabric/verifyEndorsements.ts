import { InvalidProofError } from '../../errors.js'
import type { MspTrust } from './createMspTrust.js'
import type { EndorserTransaction } from './decodeEndorserTransaction.js'
import type { FabricEndorsementPolicy } from './types.js'
import { verifyP256Signature } from './verifyP256Signature.js'

/**
 * Verify every endorsement of a transaction (ECDSA over `proposal_response_payload ‖ endorser`, by an
 * endorser certificate chaining to a trusted MSP's roots) and evaluate the endorsement policy over the
 * distinct MSP ids that endorsed. Stricter than Fabric's VSCC, which skips a bad endorsement when the
 * others satisfy the policy: a bundle with any bad endorsement is refused.
 * @returns the MSP ids (sorted, distinct) with a valid endorsement
 * @throws InvalidProofError SIGNATURE_INVALID, UNKNOWN_AUTHORITY, CERT_CHAIN_INVALID, POLICY_NOT_SATISFIED
 */
export const verifyEndorsements = (
  tx: EndorserTransaction,
  trust: MspTrust,
  policy: FabricEndorsementPolicy,
): string[] => {
  const endorsers = new Set<string>()
  tx.endorsements.forEach((e, i) => {
    const who = `endorsement ${i}`
    const key = trust.signingKey(e.endorser.mspId, e.endorser.idBytes, tx.timestampMs, who)
    verifyP256Signature(key, Buffer.concat([tx.proposalResponsePayload, e.endorser.raw]), e.signature, who)
    endorsers.add(e.endorser.mspId)
  })
  const wanted = [...new Set(policy.signedBy)]
  const satisfied = wanted.filter((m) => endorsers.has(m))
  const required = policy.rule === 'AND' ? wanted.length : policy.rule.outOf
  if (satisfied.length < required || required < 1) {
    throw new InvalidProofError({
      reason: 'POLICY_NOT_SATISFIED',
      detail: `fabric-block: endorsed by [${[...endorsers].sort().join(', ')}], the policy needs ${required} of [${policy.signedBy.join(', ')}]`,
      meta: { endorsers: [...endorsers].sort(), required, signedBy: policy.signedBy },
    })
  }
  return [...endorsers].sort()
}
