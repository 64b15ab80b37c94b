import { createPublicKey, verify } from 'node:crypto'

// DER SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410): the raw 32-byte key follows it.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

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
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
    return verify(null, message, key, signature)
  } catch {
    return false // not a point on the curve
  }
}
