import { keccak_256 } from '@noble/hashes/sha3.js'
import { recoverAddress } from 'ethers'
import type { Hex } from '../../types.js'
import { nativeSecp256k1 } from './nativeSecp256k1.js'
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
    address = nativeSecp256k1 ? nativeRecover(d, signature) : recoverAddress(d, signature)
  } catch (e) {
    throw signatureError('SIGNATURE_INVALID', 'UNRECOVERABLE', 'no public key recovers from this signature', {
      cause: String(e),
    })
  }
  return address.toLowerCase() as Hex
}

// The signature was already checked canonical (length, low s, v) by parseSignature.
const nativeRecover = (digest: string, signature: Hex): string => {
  const sig = Buffer.from(signature.slice(2), 'hex')
  const pub = nativeSecp256k1!.ecdsaRecover(
    sig.subarray(0, 64),
    sig[64]! - 27,
    Buffer.from(digest.slice(2), 'hex'),
    false,
  )
  return `0x${Buffer.from(keccak_256(pub.subarray(1)))
    .subarray(12)
    .toString('hex')}`
}
