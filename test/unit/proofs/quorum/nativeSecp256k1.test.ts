import { keccak256, recoverAddress, SigningKey } from 'ethers'
import fc from 'fast-check'
import { recoverAttestationSigner, signAttestation } from '../../../../proofs/index.js'
import { nativeSecp256k1 } from '../../../../proofs/quorum/nativeSecp256k1.js'
import type { Hex } from '../../../../types.js'

describe('native secp256k1 path', () => {
  it('loads the prebuilt libsecp256k1 binding on linux-x64', () => {
    if (process.platform === 'linux' && process.arch === 'x64') expect(nativeSecp256k1).toBeDefined()
  })

  it('signs and recovers exactly as ethers does for random keys and digests', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (k, m) => {
          const key = keccak256(k) as Hex
          const digest = keccak256(m) as Hex
          const ours = signAttestation(digest, key)
          const ref = new SigningKey(key).sign(digest).serialized.toLowerCase()
          expect(ours).toBe(ref)
          expect(recoverAttestationSigner(digest, ours)).toBe(recoverAddress(digest, ref).toLowerCase())
        },
      ),
      { numRuns: 100, seed: 7 },
    )
  })
})
