import { recoverAddress } from 'ethers'
import type { Hex } from '../../types.js'
import { checkDigest, parseSignature, signatureError } from './signatureFormat.js'

/**
 * The address that produced `signature` (65 bytes r‖s‖v, low s, v ∈ {27, 28}) over the raw
 * 32-byte attestation digest (no EIP-191 prefix), lower-case. Applies the same rules as the
 * destination's `ecrecover` check, so what passes here passes there.
 * @throws InvalidProofError (MALFORMED_ENCODING, NON_CANONICAL, SIGNATURE_INVALID)
 */
export const recoverAttestationSigner = (digest: Hex, signature: Hex): Hex => {
  const d = checkDigest(digest)
  parseSignature(signature)
  let address: string
  try {
    address = recoverAddress(d, signature)
  } catch (e) {
    throw signatureError('SIGNATURE_INVALID', 'UNRECOVERABLE', 'no public key recovers from this signature', {
      cause: String(e),
    })
  }
  return address.toLowerCase() as Hex
}
