import { InvalidProofError } from '../../errors.js'
import { checkSubstrateAnchors } from './checkSubstrateAnchors.js'
import { parseSubstrateGrandpaBundle } from './parseSubstrateBundle.js'
import type { GrandpaAuthoritySet, VerifySubstrateBundleOptions, VerifySubstrateGrandpaBundleResult } from './types.js'
import { verifyGrandpaJustification } from './verifyGrandpaJustification.js'

const sameSet = (a: GrandpaAuthoritySet, b: GrandpaAuthoritySet): boolean => {
  if (a.setId !== b.setId || a.authorities.length !== b.authorities.length) return false
  const weights = new Map(a.authorities.map((x) => [x.id.toLowerCase(), x.weight]))
  return b.authorities.every((x) => weights.get(x.id.toLowerCase()) === x.weight)
}

/**
 * Verify a `substrate-grandpa` bundle offline: genesis hash, the optional header against
 * blockHash, the authority set against the caller's trusted one (when given), and the GRANDPA
 * justification finalizing exactly (blockHash, blockNumber). Checks: docs/proofs.md.
 * @throws BundleInvalidError for a malformed document; InvalidProofError (with `reason`) for a failed check
 */
export const verifySubstrateGrandpaBundle = (
  doc: unknown,
  opts: VerifySubstrateBundleOptions = {},
): VerifySubstrateGrandpaBundleResult => {
  const b = parseSubstrateGrandpaBundle(doc)
  const { header } = checkSubstrateAnchors('substrate-grandpa', b, opts)
  const trusted = opts.substrate?.authoritySet
  if (trusted !== undefined && !sameSet(trusted, b.authoritySet)) {
    throw new InvalidProofError({
      reason: 'UNKNOWN_AUTHORITY',
      detail: `substrate-grandpa: the bundle's authority set (set ${b.authoritySet.setId}) is not the trusted set ${trusted.setId}`,
    })
  }
  const result = verifyGrandpaJustification({
    justification: b.justification,
    authoritySet: b.authoritySet,
    expectedTarget: { hash: b.blockHash, number: BigInt(b.blockNumber) },
  })
  return {
    ...result,
    chain: b.chain,
    genesisHash: b.genesisHash,
    blockNumber: BigInt(b.blockNumber),
    blockHash: b.blockHash,
    header,
    isAnchored: trusted !== undefined,
  }
}
