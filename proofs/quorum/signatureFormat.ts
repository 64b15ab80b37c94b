import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import type { QuorumCheck } from './types.js'

/** secp256k1 group order. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
/** Largest canonical (low) s: n / 2 (EIP-2). */
export const SECP256K1_HALF_N = SECP256K1_N >> 1n
/** r ‖ s ‖ v. */
export const SIGNATURE_BYTES = 65

const HEX_32 = /^0x[0-9a-fA-F]{64}$/
const HEX_65 = /^0x[0-9a-fA-F]{130}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

export const signatureError = (
  reason: 'MALFORMED_ENCODING' | 'NON_CANONICAL' | 'SIGNATURE_INVALID',
  check: QuorumCheck,
  detail: string,
  meta: Record<string, unknown> = {},
): InvalidProofError => new InvalidProofError({ reason, detail, meta: { check, ...meta } })

/** @throws InvalidProofError (MALFORMED_ENCODING) unless `digest` is 32 bytes of hex */
export const checkDigest = (digest: string): Hex => {
  if (!HEX_32.test(digest))
    throw signatureError('MALFORMED_ENCODING', 'MALFORMED_SIGNATURE', 'digest is not 32 bytes of hex')
  return digest.toLowerCase() as Hex
}

export const isAddress = (a: string): a is Hex => ADDRESS.test(a)

/**
 * Split a 65-byte signature into r, s, v and enforce the on-chain rules: 0 < r < n,
 * 0 < s ≤ n/2 (low s), v ∈ {27, 28}.
 * @throws InvalidProofError
 */
export const parseSignature = (signature: string): { r: bigint; s: bigint; v: number } => {
  if (typeof signature !== 'string' || !HEX_65.test(signature)) {
    throw signatureError(
      'MALFORMED_ENCODING',
      'MALFORMED_SIGNATURE',
      `signature is not ${SIGNATURE_BYTES} bytes of hex`,
    )
  }
  const r = BigInt(`0x${signature.slice(2, 66)}`)
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (v !== 27 && v !== 28) throw signatureError('NON_CANONICAL', 'BAD_V', `v is ${v}, expected 27 or 28`)
  if (r === 0n || r >= SECP256K1_N) throw signatureError('SIGNATURE_INVALID', 'UNRECOVERABLE', 'r is out of range')
  if (s === 0n) throw signatureError('SIGNATURE_INVALID', 'UNRECOVERABLE', 's is zero')
  if (s > SECP256K1_HALF_N) throw signatureError('NON_CANONICAL', 'HIGH_S', 's is above n/2 (malleable form)')
  return { r, s, v }
}
