import { BundleInvalidError, InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { concatBytes, hexToBytes } from './bytes.js'
import { decodeGrandpaJustification } from './decodeGrandpaJustification.js'
import { encodeU32, encodeU64 } from './scale.js'
import type {
  GrandpaJustification,
  GrandpaSignedPrecommit,
  SubstrateHeader,
  VerifyGrandpaJustificationOptions,
  VerifyGrandpaJustificationResult,
} from './types.js'
import { verifyEd25519 } from './verifyEd25519.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/
/** SCALE variant index of `finality_grandpa::Message::Precommit`. */
const PRECOMMIT = 1

const fail = (reason: InvalidProofError['reason'], detail: string) =>
  new InvalidProofError({ reason, detail: `grandpa justification: ${detail}` })

/**
 * The bytes a voter signs for a precommit: SCALE `(Message::Precommit { target_hash,
 * target_number }, round, set_id)` (sp-consensus-grandpa `localized_payload`).
 */
export const grandpaPrecommitPayload = (p: {
  targetHash: Hex
  targetNumber: bigint
  round: bigint
  setId: bigint
}): Uint8Array =>
  concatBytes([
    Uint8Array.of(PRECOMMIT),
    hexToBytes(p.targetHash),
    encodeU32(Number(p.targetNumber)),
    encodeU64(p.round),
    encodeU64(p.setId),
  ])

/** GRANDPA's supermajority: strictly more than 2/3 of the weight, `total − ⌊(total − 1) / 3⌋`. */
export const grandpaThreshold = (totalWeight: bigint): bigint => totalWeight - (totalWeight - 1n) / 3n

const voterWeights = (o: VerifyGrandpaJustificationOptions): { weights: Map<string, bigint>; total: bigint } => {
  const weights = new Map<string, bigint>()
  let total = 0n
  o.authoritySet.authorities.forEach((a, i) => {
    const id = typeof a.id === 'string' ? a.id.toLowerCase() : ''
    if (!HEX_RE.test(id) || id.length !== 66 || weights.has(id) || typeof a.weight !== 'bigint' || a.weight <= 0n) {
      throw new BundleInvalidError({
        field: `authoritySet.authorities[${i}]`,
        expected: 'a distinct 32-byte id with a positive weight',
      })
    }
    weights.set(id, a.weight)
    total += a.weight
  })
  if (weights.size === 0)
    throw new BundleInvalidError({ field: 'authoritySet.authorities', expected: 'at least one authority' })
  return { weights, total }
}

/**
 * Every precommit target must be the commit target or a descendant of it through
 * `votesAncestries`, and every ancestry header must be on such a route (sc-consensus-grandpa
 * refuses unused ancestries too). Returns nothing; throws ANCESTRY_INVALID.
 */
const checkAncestries = (j: GrandpaJustification): void => {
  const byHash = new Map<Hex, SubstrateHeader>()
  for (const h of j.votesAncestries) {
    if (byHash.has(h.hash)) throw fail('ANCESTRY_INVALID', `ancestry header ${h.hash} appears twice`)
    byHash.set(h.hash, h)
  }
  // hash → number of the blocks known to be the target or to descend from it
  const reaching = new Map<Hex, bigint>([[j.targetHash, j.targetNumber]])
  j.precommits.forEach((p, i) => {
    if (p.targetNumber < j.targetNumber) throw fail('ANCESTRY_INVALID', `precommit ${i} is below the commit target`)
    let hash = p.targetHash
    let number = p.targetNumber
    const route: [Hex, bigint][] = []
    for (let known = reaching.get(hash); known !== number; known = reaching.get(hash)) {
      const h = byHash.get(hash)
      if (known !== undefined || number <= j.targetNumber || h === undefined || h.number !== number) {
        throw fail('ANCESTRY_INVALID', `precommit ${i} for ${p.targetHash} does not descend from the commit target`)
      }
      route.push([hash, number])
      hash = h.parentHash
      number -= 1n
    }
    for (const [r, n] of route) reaching.set(r, n)
  })
  for (const h of j.votesAncestries) {
    if (h.hash === j.targetHash || !reaching.has(h.hash))
      throw fail('ANCESTRY_INVALID', `ancestry header ${h.hash} is not on any precommit's route`)
  }
}

/**
 * Count each voter once. A voter may appear with two different targets (an equivocation, which
 * honest commits include and which counts once, as in finality-grandpa); the same vote twice or a
 * third vote is refused.
 */
const countVoters = (precommits: GrandpaSignedPrecommit[], weights: Map<string, bigint>): Map<Hex, bigint> => {
  const targets = new Map<Hex, Hex[]>()
  const counted = new Map<Hex, bigint>()
  precommits.forEach((p, i) => {
    const weight = weights.get(p.id)
    if (weight === undefined)
      throw fail('UNKNOWN_AUTHORITY', `precommit ${i} is signed by ${p.id}, not in the authority set`)
    const seen = targets.get(p.id) ?? []
    if (seen.includes(p.targetHash)) throw fail('DUPLICATE_VOTE', `precommit ${i} repeats a vote of ${p.id}`)
    if (seen.length >= 2) throw fail('DUPLICATE_VOTE', `precommit ${i} is a third vote of ${p.id}`)
    targets.set(p.id, [...seen, p.targetHash])
    counted.set(p.id, weight)
  })
  return counted
}

/**
 * Verify a GRANDPA justification against an authority set: strict SCALE decoding, the commit
 * target (when expected), every precommit from a member of the set, ≥ the supermajority threshold
 * of the set's weight, ancestry routes from each precommit target to the commit target, and
 * every ed25519 signature over `(Precommit, round, setId)`.
 * @throws InvalidProofError HEADER_MISMATCH, UNKNOWN_AUTHORITY, DUPLICATE_VOTE, ANCESTRY_INVALID,
 *   QUORUM_NOT_MET, SIGNATURE_INVALID, MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA;
 *   BundleInvalidError for a malformed authority set
 */
export const verifyGrandpaJustification = (o: VerifyGrandpaJustificationOptions): VerifyGrandpaJustificationResult => {
  const { weights, total } = voterWeights(o)
  const bytes = typeof o.justification === 'string' ? hexToBytes(o.justification) : o.justification
  const j = decodeGrandpaJustification(bytes)
  if (
    o.expectedTarget &&
    (j.targetHash !== o.expectedTarget.hash.toLowerCase() || j.targetNumber !== o.expectedTarget.number)
  ) {
    throw fail(
      'HEADER_MISMATCH',
      `the commit target is #${j.targetNumber} ${j.targetHash}, not #${o.expectedTarget.number} ${o.expectedTarget.hash}`,
    )
  }
  const counted = countVoters(j.precommits, weights)
  checkAncestries(j)
  let signed = 0n
  for (const w of counted.values()) signed += w
  const threshold = grandpaThreshold(total)
  if (signed < threshold) {
    throw fail('QUORUM_NOT_MET', `precommits carry weight ${signed} of ${total}; ${threshold} is required`)
  }
  const setId = o.authoritySet.setId
  const payloads = new Map<string, Uint8Array>() // most precommits share a target: build each payload once
  j.precommits.forEach((p, i) => {
    const target = `${p.targetHash}${p.targetNumber}`
    let payload = payloads.get(target)
    if (payload === undefined) {
      payload = grandpaPrecommitPayload({
        targetHash: p.targetHash,
        targetNumber: p.targetNumber,
        round: j.round,
        setId,
      })
      payloads.set(target, payload)
    }
    if (!verifyEd25519(hexToBytes(p.id), payload, hexToBytes(p.signature))) {
      throw fail(
        'SIGNATURE_INVALID',
        `precommit ${i} by ${p.id} has an invalid signature for round ${j.round}, set ${setId}`,
      )
    }
  })
  return {
    round: j.round,
    setId,
    targetHash: j.targetHash,
    targetNumber: j.targetNumber,
    signers: [...counted.keys()],
    signedWeight: signed,
    totalWeight: total,
    threshold,
  }
}
