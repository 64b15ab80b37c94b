import { ed25519 } from '@noble/curves/ed25519.js'
import { cryptoWaitReady, ed25519Verify } from '@polkadot/util-crypto'
import fc from 'fast-check'
import { ed25519Backend, verifyEd25519, verifyEd25519OpenSsl } from '../../../../proofs/substrate/verifyEd25519.js'

const L = 2n ** 252n + 27742317777372353535851937790883648493n
const le = (v: bigint, n: number) => Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))
const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n)

describe('verifyEd25519 (libsodium, else node:crypto)', () => {
  beforeAll(() => cryptoWaitReady())

  it('uses the libsodium binding on this platform, and agrees with the OpenSSL fallback', () => {
    expect(ed25519Backend()).toBe('libsodium')
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(63),
        (seed, msg, at) => {
          const pk = ed25519.getPublicKey(seed)
          const sig = ed25519.sign(msg, seed)
          expect(verifyEd25519OpenSsl(pk, msg, sig)).toBe(true)
          const bad = sig.slice()
          bad[at] = bad[at]! ^ 0x10
          expect(verifyEd25519OpenSsl(pk, msg, bad)).toBe(verifyEd25519(pk, msg, bad))
        },
      ),
      { numRuns: 60, seed: 12 },
    )
  })

  it('agrees with @noble/curves and @polkadot/util-crypto on valid and tampered signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(63),
        (seed, msg, at) => {
          const pk = ed25519.getPublicKey(seed)
          const sig = ed25519.sign(msg, seed)
          expect(verifyEd25519(pk, msg, sig)).toBe(true)
          expect(ed25519Verify(msg, sig, pk)).toBe(true)
          const bad = sig.slice()
          bad[at] = bad[at]! ^ 0x04
          expect(verifyEd25519(pk, msg, bad)).toBe(ed25519.verify(bad, msg, pk))
          expect(verifyEd25519(pk, msg, bad)).toBe(false)
        },
      ),
      { numRuns: 60, seed: 11 },
    )
  })

  it('refuses a non-canonical S (S + L), a key that is not a curve point and wrong lengths', () => {
    const seed = new Uint8Array(32).fill(5)
    const pk = ed25519.getPublicKey(seed)
    const msg = Uint8Array.of(1, 2, 3)
    const sig = ed25519.sign(msg, seed)
    const s = fromLe(sig.subarray(32))
    const malleable = Uint8Array.from([...sig.subarray(0, 32), ...le(s + L, 32)])
    expect(verifyEd25519(pk, msg, malleable)).toBe(false)
    let notPoint = new Uint8Array(32)
    for (let i = 2; ; i++) {
      notPoint = le(BigInt(i), 32)
      try {
        ed25519.Point.fromBytes(notPoint)
      } catch {
        break
      }
    }
    expect(verifyEd25519(notPoint, msg, sig)).toBe(false)
    expect(verifyEd25519(pk.subarray(1), msg, sig)).toBe(false)
    expect(verifyEd25519(pk, msg, sig.subarray(1))).toBe(false)
  })
})
