import { SigningKey } from 'ethers'
import { KeyInvalidError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { nativeSecp256k1 } from './nativeSecp256k1.js'
import { checkDigest, SECP256K1_N } from './signatureFormat.js'

const KEY = /^0x[0-9a-fA-F]{64}$/

/**
 * Sign an attestation digest: secp256k1 over the raw 32 bytes, RFC 6979 deterministic
 * (the same key and digest always give the same bytes, so a re-sign after a crash
 * republishes an identical attestation, F-19), low s, 65 bytes r‖s‖v with v ∈ {27, 28}.
 * @throws KeyInvalidError when `privateKey` is not a valid 32-byte secp256k1 key
 * @throws InvalidProofError when `digest` is not 32 bytes of hex
 */
export const signAttestation = (digest: Hex, privateKey: Hex): Hex => {
  const d = checkDigest(digest)
  if (!KEY.test(privateKey)) throw new KeyInvalidError({ source: 'signAttestation', expected: '32 bytes of hex' })
  const k = BigInt(privateKey)
  if (k === 0n || k >= SECP256K1_N)
    throw new KeyInvalidError({ source: 'signAttestation', expected: 'a scalar in [1, n-1]' })
  if (nativeSecp256k1) {
    const { signature, recid } = nativeSecp256k1.ecdsaSign(
      Buffer.from(d.slice(2), 'hex'),
      Buffer.from(privateKey.slice(2), 'hex'),
    )
    return `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}` as Hex
  }
  return new SigningKey(privateKey).sign(d).serialized.toLowerCase() as Hex
}
