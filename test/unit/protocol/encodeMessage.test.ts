import { readFileSync } from 'node:fs'
import { BodyTooLargeError, MessageInvalidError, RelayError, UnsupportedVersionError } from '../../../errors.js'
import {
  attestationDigest,
  decodeMessage,
  encodeMessage,
  hexToBytes,
  MAX_BODY_BYTES,
  messageId,
} from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'

interface Vector {
  name: string
  message: Omit<Message, 'nonce'> & { nonce: string }
  encoded: Hex
  id: Hex
  attestation: { epoch: string; destinationBridge: Hex; digest: Hex }
}
const vectors = JSON.parse(readFileSync(new URL('../../vectors/messages.json', import.meta.url), 'utf8')) as {
  valid: Vector[]
  invalid: { name: string; encoded: Hex; error: string }[]
}
const toMessage = (v: Vector): Message => ({ ...v.message, nonce: BigInt(v.message.nonce) })

describe('message vectors', () => {
  it('has at least 20 valid vectors covering the required edge cases', () => {
    expect(vectors.valid.length).toBeGreaterThanOrEqual(20)
    const bodies = vectors.valid.map((v) => (v.message.body.length - 2) / 2)
    expect(bodies).toContain(0)
    expect(bodies).toContain(MAX_BODY_BYTES)
    expect(vectors.valid.some((v) => v.message.nonce === (2n ** 64n - 1n).toString())).toBe(true)
  })
})

describe('encodeMessage', () => {
  it.each(vectors.valid)('encodes $name to the vector bytes and id', (v) => {
    const m = toMessage(v)
    expect(`0x${Buffer.from(encodeMessage(m)).toString('hex')}`).toBe(v.encoded)
    expect(messageId(m)).toBe(v.id)
  })

  it('refuses a body over 64 KiB with BodyTooLargeError', () => {
    const m: Message = { ...toMessage(vectors.valid[0]!), body: `0x${'00'.repeat(MAX_BODY_BYTES + 1)}` }
    expect(() => encodeMessage(m)).toThrow(BodyTooLargeError)
  })

  it.each([
    ['nonce', { nonce: 2n ** 64n }],
    ['nonce', { nonce: -1n }],
    ['origin', { origin: 2 ** 32 }],
    ['destination', { destination: -1 }],
    ['sender', { sender: '0x1234' }],
    ['recipient', { recipient: 'not hex' }],
    ['body', { body: '0xabc' }],
  ])('names the field %s when it is out of range', (field, over) => {
    const m = { ...toMessage(vectors.valid[0]!), ...over } as Message
    const e = thrown(() => encodeMessage(m))
    expect(e).toBeInstanceOf(MessageInvalidError)
    expect((e as RelayError).meta['field']).toBe(field)
  })

  it('refuses version 2 with UnsupportedVersionError', () => {
    expect(() => encodeMessage({ ...toMessage(vectors.valid[0]!), version: 2 })).toThrow(UnsupportedVersionError)
  })
})

describe('decodeMessage', () => {
  it.each(vectors.valid)('round-trips $name byte for byte', (v) => {
    const m = decodeMessage(v.encoded)
    expect(m).toEqual(toMessage(v))
    expect(`0x${Buffer.from(encodeMessage(m)).toString('hex')}`).toBe(v.encoded)
  })

  it.each(vectors.invalid)('rejects $name with $error', (v) => {
    const e = thrown(() => decodeMessage(hexToBytes(v.encoded, 'encoded')))
    expect(e).toBeInstanceOf(RelayError)
    expect((e as RelayError).code).toBe(v.error)
  })
})

describe('attestationDigest', () => {
  it.each(vectors.valid)('matches the vector digest for $name', (v) => {
    const a = v.attestation
    expect(
      attestationDigest({
        epoch: BigInt(a.epoch),
        destination: v.message.destination,
        destinationBridge: a.destinationBridge,
        id: v.id,
      }),
    ).toBe(a.digest)
  })

  it('changes with the epoch, the destination and the bridge', () => {
    const v = vectors.valid[0]!
    const p = { epoch: 1n, destination: 2, destinationBridge: v.attestation.destinationBridge, id: v.id }
    const d = attestationDigest(p)
    expect(attestationDigest({ ...p, epoch: 2n })).not.toBe(d)
    expect(attestationDigest({ ...p, destination: 3 })).not.toBe(d)
    expect(attestationDigest({ ...p, destinationBridge: `0x${'11'.repeat(32)}` })).not.toBe(d)
  })
})
