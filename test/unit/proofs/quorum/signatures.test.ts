import { readFileSync } from 'node:fs'
import { InvalidProofError, KeyInvalidError } from '../../../../errors.js'
import { recoverAttestationSigner } from '../../../../proofs/quorum/recoverAttestationSigner.js'
import { signAttestation } from '../../../../proofs/quorum/signAttestation.js'
import { SECP256K1_HALF_N, SECP256K1_N } from '../../../../proofs/quorum/signatureFormat.js'
import type { Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'
import { addressOf, digestOf, testKeys } from './fixtures.js'

const [key] = testKeys(1) as [Hex]
const digest = digestOf('isthmus signatures')
const good = signAttestation(digest, key)
const r = good.slice(2, 66)
const s = BigInt(`0x${good.slice(66, 130)}`)
const v = Number.parseInt(good.slice(130), 16)
const hex32 = (x: bigint) => x.toString(16).padStart(64, '0')
const withV = (vv: number) => `0x${r}${hex32(s)}${vv.toString(16).padStart(2, '0')}` as Hex

describe('signAttestation', () => {
  it('produces 65 bytes with v in {27,28} and s at most n/2 when signing any digest', () => {
    for (let i = 0; i < 20; i++) {
      const sig = signAttestation(digestOf(`d${i}`), key)
      expect(sig).toMatch(/^0x[0-9a-f]{130}$/)
      expect([27, 28]).toContain(Number.parseInt(sig.slice(130), 16))
      expect(BigInt(`0x${sig.slice(66, 130)}`) <= SECP256K1_HALF_N).toBe(true)
    }
  })

  it('returns identical bytes when the same key signs the same digest twice (RFC 6979)', () => {
    expect(signAttestation(digest, key)).toBe(good)
  })

  it('signs the shared vectors digests so that the signer recovers', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../../vectors/messages.json', import.meta.url), 'utf8')) as {
      valid: { attestation: { digest: Hex } }[]
    }
    for (const vec of vectors.valid.slice(0, 5)) {
      expect(recoverAttestationSigner(vec.attestation.digest, signAttestation(vec.attestation.digest, key))).toBe(
        addressOf(key),
      )
    }
  })

  it.each([
    ['too short', '0x1234'],
    ['not hex', `0x${'zz'.repeat(32)}`],
    ['zero scalar', `0x${'00'.repeat(32)}`],
    ['scalar = n', `0x${SECP256K1_N.toString(16)}`],
  ])('throws KeyInvalidError when the key is %s', (_, k) => {
    expect(thrown(() => signAttestation(digest, k as Hex))).toBeInstanceOf(KeyInvalidError)
  })

  it('throws InvalidProofError when the digest is not 32 bytes', () => {
    expect(thrown(() => signAttestation('0x1234', key))).toBeInstanceOf(InvalidProofError)
  })
})

describe('recoverAttestationSigner', () => {
  it('recovers the signing address, lower-case, when the signature is canonical', () => {
    expect(recoverAttestationSigner(digest, good)).toBe(addressOf(key))
  })

  it('recovers the same address when the hex is upper-case', () => {
    expect(recoverAttestationSigner(digest, `0x${good.slice(2).toUpperCase()}` as Hex)).toBe(addressOf(key))
  })

  const tampered: [string, string, string, string][] = [
    ['64 bytes', good.slice(0, 130), 'MALFORMED_ENCODING', 'MALFORMED_SIGNATURE'],
    ['66 bytes', `${good}00`, 'MALFORMED_ENCODING', 'MALFORMED_SIGNATURE'],
    ['non-hex', `0x${'g'.repeat(130)}`, 'MALFORMED_ENCODING', 'MALFORMED_SIGNATURE'],
    ['no 0x prefix', good.slice(2), 'MALFORMED_ENCODING', 'MALFORMED_SIGNATURE'],
    ['v = 0', withV(0), 'NON_CANONICAL', 'BAD_V'],
    ['v = 1', withV(1), 'NON_CANONICAL', 'BAD_V'],
    ['v = 29', withV(29), 'NON_CANONICAL', 'BAD_V'],
    [
      'high s (n - s, flipped v)',
      `0x${r}${hex32(SECP256K1_N - s)}${(v === 27 ? 28 : 27).toString(16)}`,
      'NON_CANONICAL',
      'HIGH_S',
    ],
    ['s = n/2 + 1', `0x${r}${hex32(SECP256K1_HALF_N + 1n)}1b`, 'NON_CANONICAL', 'HIGH_S'],
    ['r = 0', `0x${hex32(0n)}${hex32(s)}1b`, 'SIGNATURE_INVALID', 'UNRECOVERABLE'],
    ['r = n', `0x${hex32(SECP256K1_N)}${hex32(s)}1b`, 'SIGNATURE_INVALID', 'UNRECOVERABLE'],
    ['s = 0', `0x${r}${hex32(0n)}1b`, 'SIGNATURE_INVALID', 'UNRECOVERABLE'],
    ['r not an x coordinate', `0x${hex32(5n)}${hex32(s)}1b`, 'SIGNATURE_INVALID', 'UNRECOVERABLE'],
  ]
  it.each(tampered)('rejects a signature with %s', (_, sig, reason, check) => {
    const e = thrown(() => recoverAttestationSigner(digest, sig as Hex))
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).reason).toBe(reason)
    expect((e as InvalidProofError).meta.check).toBe(check)
  })

  it('recovers a different address when the signature is over another digest', () => {
    expect(recoverAttestationSigner(digestOf('another message'), good)).not.toBe(addressOf(key))
  })

  it('throws InvalidProofError when the digest is malformed', () => {
    expect(thrown(() => recoverAttestationSigner('0xabc' as Hex, good))).toBeInstanceOf(InvalidProofError)
  })
})
