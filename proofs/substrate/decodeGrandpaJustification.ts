import { toHex } from './bytes.js'
import { readSubstrateHeader } from './decodeSubstrateHeader.js'
import { createScaleReader } from './scale.js'
import type { GrandpaJustification, GrandpaSignedPrecommit, SubstrateHeader } from './types.js'

/** target hash 32 + target number 4 + signature 64 + authority id 32. */
const SIGNED_PRECOMMIT_BYTES = 132
/** The smallest SCALE header: parent 32 + number 1 + roots 64 + empty digest 1. */
const MIN_HEADER_BYTES = 98

/**
 * Decode a SCALE `GrandpaJustification` (u32 block numbers): round, commit (target and signed
 * precommits), votes ancestries.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeGrandpaJustification = (data: Uint8Array): GrandpaJustification => {
  const r = createScaleReader(data, 'justification')
  const round = r.u64()
  const targetHash = toHex(r.bytes(32))
  const targetNumber = BigInt(r.u32())
  const n = r.vecLength(SIGNED_PRECOMMIT_BYTES)
  const precommits: GrandpaSignedPrecommit[] = []
  for (let i = 0; i < n; i++) {
    precommits.push({
      targetHash: toHex(r.bytes(32)),
      targetNumber: BigInt(r.u32()),
      signature: toHex(r.bytes(64)),
      id: toHex(r.bytes(32)),
    })
  }
  const m = r.vecLength(MIN_HEADER_BYTES)
  const votesAncestries: SubstrateHeader[] = []
  for (let i = 0; i < m; i++) votesAncestries.push(readSubstrateHeader(r, data, `justification.votesAncestries[${i}]`))
  r.end()
  return { round, targetHash, targetNumber, precommits, votesAncestries }
}
