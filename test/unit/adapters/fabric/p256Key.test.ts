import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { p256KeyPemOf, p256ScalarOf } from '../../../../adapters/index.js'
import type { RelayError } from '../../../../errors.js'
import type { Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'

describe('p256KeyPemOf / p256ScalarOf', () => {
  it('round-trip a P-256 key through its 32-byte scalar and still sign for the same public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const scalar = p256ScalarOf(pem)
    expect(scalar).toMatch(/^0x[0-9a-f]{64}$/)
    const back = p256KeyPemOf(scalar)
    expect(p256ScalarOf(back)).toBe(scalar)
    expect(createPublicKey(back).export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }))
    const sig = sign('sha256', Buffer.from('isthmus'), back)
    expect(verify('sha256', Buffer.from('isthmus'), publicKey, sig)).toBe(true)
  })

  it('refuses a zero, short or out-of-range scalar with KEY_INVALID', () => {
    for (const bad of [`0x${'00'.repeat(32)}`, '0x1234', `0x${'ff'.repeat(32)}`] as Hex[]) {
      expect((thrown(() => p256KeyPemOf(bad)) as RelayError).code).toBe('KEY_INVALID')
    }
  })
})
