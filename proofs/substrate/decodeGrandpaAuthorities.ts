import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { hexToBytes, toHex } from './bytes.js'
import { createScaleReader } from './scale.js'
import type { GrandpaAuthority } from './types.js'

/**
 * Decode a SCALE `AuthorityList` = `Vec<(AuthorityId, u64 weight)>`: what the runtime API
 * `GrandpaApi_grandpa_authorities` returns, and the head of a light-sync state's
 * `grandpaAuthoritySet`. Ids are distinct and weights positive, as `VoterSet` requires.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeGrandpaAuthorities = (data: Uint8Array | Hex): GrandpaAuthority[] => {
  const bytes = typeof data === 'string' ? hexToBytes(data) : data
  const r = createScaleReader(bytes, 'authority list')
  const n = r.vecLength(40)
  const seen = new Set<Hex>()
  const out: GrandpaAuthority[] = []
  for (let i = 0; i < n; i++) {
    const id = toHex(r.bytes(32))
    const weight = r.u64()
    if (seen.has(id) || weight === 0n) {
      throw new InvalidProofError({
        reason: 'MALFORMED_ENCODING',
        detail: `authority list: entry ${i} repeats an id or has weight 0`,
      })
    }
    seen.add(id)
    out.push({ id, weight })
  }
  r.end()
  return out
}
