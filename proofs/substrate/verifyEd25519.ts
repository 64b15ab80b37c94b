import { createPublicKey, verify } from 'node:crypto'
import { createRequire } from 'node:module'

/** The one libsodium operation used (the `sodium-native` package's prebuilt binding). */
interface NativeSodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}

const loadSodium = (): NativeSodium | undefined => {
  try {
    const m = createRequire(import.meta.url)('sodium-native') as NativeSodium
    return typeof m.crypto_sign_verify_detached === 'function' ? m : undefined
  } catch {
    return undefined
  }
}

/**
 * libsodium when its prebuilt binding loads (about 1.9x OpenSSL's ed25519 verification here, which
 * is what brings a 297-authority GRANDPA justification within its 20 ms budget), else undefined and
 * Node's built-in OpenSSL is used. Both refuse non-canonical `S`; libsodium also refuses
 * small-order keys and `R`, which no honest signer produces.
 */
const sodium: NativeSodium | undefined = loadSodium()

/** Node's built-in (OpenSSL) ed25519 verification, for when libsodium is not available. */
export const verifyEd25519OpenSsl = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
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

/**
 * ed25519 signature check, native (libsodium, else OpenSSL): about ten times the speed of a
 * pure-JS verifier. Both accept a subset of what Substrate's ed25519-zebra (ZIP-215) accepts, so
 * every signature accepted here Substrate accepts too.
 */
export const verifyEd25519 = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  if (!sodium) return verifyEd25519OpenSsl(publicKey, message, signature)
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey)
  } catch {
    return false
  }
}

/** Which implementation `verifyEd25519` uses (for the bench's conditions line). */
export const ed25519Backend = (): 'libsodium' | 'openssl' => (sodium ? 'libsodium' : 'openssl')
