import { createECDH, createPrivateKey } from 'node:crypto'
import { KeyInvalidError } from '../../errors.js'
import type { Hex } from '../../types.js'

const b64url = (b: Buffer) => b.toString('base64url')

/**
 * The PKCS#8 PEM of a P-256 private key given as its 32-byte scalar (how the relayer config holds
 * a Fabric identity's key: an env var or keystore, like every other key).
 * @throws KeyInvalidError when the scalar is not a valid P-256 key
 */
export const p256KeyPemOf = (scalar: Hex, source = 'fabric identity key'): string => {
  try {
    const d = Buffer.from(scalar.slice(2), 'hex')
    if (d.length !== 32) throw new KeyInvalidError({ source, expected: 'a 32-byte P-256 private key' })
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(d)
    const pub = ecdh.getPublicKey()
    const jwk = { kty: 'EC', crv: 'P-256', d: b64url(d), x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33)) }
    return createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }).toString()
  } catch (cause) {
    if (cause instanceof KeyInvalidError) throw cause
    throw new KeyInvalidError({ source, expected: 'a 32-byte P-256 private key', cause })
  }
}

/** The 32-byte scalar of a P-256 private key PEM (to put a cryptogen key into an env var). */
export const p256ScalarOf = (keyPem: string): Hex => {
  const jwk = createPrivateKey(keyPem).export({ format: 'jwk' })
  return `0x${Buffer.from(jwk.d ?? '', 'base64url')
    .toString('hex')
    .padStart(64, '0')}` as Hex
}
