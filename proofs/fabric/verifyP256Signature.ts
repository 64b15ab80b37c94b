import { type KeyObject, verify } from 'node:crypto'
import { InvalidProofError } from '../../errors.js'

/** The order of the P-256 group. */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
/** Fabric refuses signatures with s above half the group order (bccsp `IsLowS`). */
export const P256_HALF_N = P256_N >> 1n

const bad = (what: string, detail: string) =>
  new InvalidProofError({
    reason: 'SIGNATURE_INVALID',
    detail: `fabric-block: ${what}: ${detail}`,
    meta: { signer: what },
  })

/** One strict DER INTEGER at `pos`: minimal, positive, 1..32 value bytes. */
const derInt = (sig: Uint8Array, pos: number, what: string): [bigint, number] => {
  const len = sig[pos + 1]
  if (sig[pos] !== 0x02 || len === undefined || len < 1 || len > 33 || pos + 2 + len > sig.length) {
    throw bad(what, 'signature is not a DER ECDSA signature')
  }
  const body = sig.subarray(pos + 2, pos + 2 + len)
  if ((body[0]! & 0x80) !== 0) throw bad(what, 'negative DER integer in the signature')
  if (body[0] === 0 && (len === 1 || (body[1]! & 0x80) === 0))
    throw bad(what, 'non-minimal DER integer in the signature')
  let v = 0n
  for (const b of body) v = (v << 8n) | BigInt(b)
  return [v, pos + 2 + len]
}

/**
 * Parse a DER ECDSA-P256 signature strictly and return (r, s): SEQUENCE of two minimal positive
 * INTEGERs in [1, n), short-form lengths, nothing after.
 * @throws InvalidProofError SIGNATURE_INVALID
 */
export const parseDerSignature = (sig: Uint8Array, what: string): { r: bigint; s: bigint } => {
  if (sig.length < 8 || sig.length > 72 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) {
    throw bad(what, 'signature is not a DER ECDSA signature')
  }
  const [r, afterR] = derInt(sig, 2, what)
  const [s, afterS] = derInt(sig, afterR, what)
  if (afterS !== sig.length) throw bad(what, 'trailing bytes after the DER signature')
  if (r === 0n || s === 0n || r >= P256_N || s >= P256_N) throw bad(what, 'signature scalar out of range')
  return { r, s }
}

/**
 * Verify an ECDSA-P256/SHA-256 DER signature as Fabric does: strict DER, low S, then the curve check.
 * @throws InvalidProofError SIGNATURE_INVALID
 */
export const verifyP256Signature = (key: KeyObject, data: Uint8Array, sig: Uint8Array, what: string): void => {
  const { s } = parseDerSignature(sig, what)
  if (s > P256_HALF_N) throw bad(what, 'high-S signature (Fabric requires s <= n/2)')
  if (!verify('sha256', data, { key, dsaEncoding: 'der' }, sig)) throw bad(what, 'signature does not verify')
}
