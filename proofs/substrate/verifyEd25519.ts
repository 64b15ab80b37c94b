import { createPublicKey, verify } from 'node:crypto'

/**
 * ed25519 signature check with Node's built-in (OpenSSL) implementation: about ten times the
 * speed of a pure-JS verifier, which is what keeps a 297-authority GRANDPA justification within
 * its time budget (test/bench/substrate.bench.ts). OpenSSL refuses non-canonical `S` and
 * accepts a subset of what Substrate's ed25519-zebra (ZIP-215) accepts, so every signature
 * it accepts Substrate accepts too.
 */
export const verifyEd25519 = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    // A JWK (RFC 8037) imports several times faster than the equivalent DER SubjectPublicKeyInfo,
    // whose OpenSSL decoder lookup costs about as much as the verification itself.
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, 32).toString('base64url')
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
    return verify(null, message, key, signature)
  } catch {
    return false // not a point on the curve
  }
}
