import { WireFormatError } from '../../../errors.js'
import { bytesToHex, encodeAppBody, encodeMessage, messageId } from '../../../protocol/index.js'
import { attestationSubject, deadLetterSubject, deliverySubject, proofSubject } from '../../../relayer/nats/subjects.js'
import { encodeAttestation, encodeCertificate, parseAttestation, parseCertificate } from '../../../relayer/nats/wire.js'
import type { Hex, Message } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'

const message: Message = {
  version: 1,
  nonce: 2n ** 64n - 1n,
  origin: 4_000_000_000,
  sender: `0x${'11'.repeat(32)}`,
  destination: 2,
  recipient: `0x${'22'.repeat(32)}`,
  body: encodeAppBody('0xcafe'),
}
const encoded = bytesToHex(encodeMessage(message))
const id = messageId(message)
const sig = `0x${'ab'.repeat(64)}1b` as Hex
const attestation = {
  id,
  epoch: 2n ** 64n - 1n,
  destination: 2,
  destinationBridge: `0x${'0'.repeat(24)}${'b'.repeat(40)}` as Hex,
  signer: `0x${'C'.repeat(40)}` as Hex,
  signature: sig,
  relayer: 'relayer-a',
  message: encoded,
  signedAt: new Date('2026-11-21T00:00:00Z'),
}
const enc = new TextEncoder()
const json = (o: unknown) => enc.encode(JSON.stringify(o))
const attJson = JSON.parse(new TextDecoder().decode(encodeAttestation(attestation))) as Record<string, unknown>

describe('attestation wire format', () => {
  it('round-trips with uint64 fields exact and addresses lower-cased', () => {
    const a = parseAttestation(encodeAttestation(attestation))
    expect(a).toMatchObject({
      id,
      epoch: 2n ** 64n - 1n,
      destination: 2,
      signer: `0x${'c'.repeat(40)}`,
      relayer: 'relayer-a',
    })
    expect(a.decoded).toEqual(message)
    expect(attJson.epoch).toBe('18446744073709551615')
  })

  const malformed: [string, Uint8Array][] = [
    ['truncated JSON', enc.encode('{"v":1,"id":')],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['a JSON array', json([attJson])],
    ['version 2', json({ ...attJson, v: 2 })],
    ['a numeric epoch', json({ ...attJson, epoch: 1 })],
    ['an epoch above uint64', json({ ...attJson, epoch: (2n ** 64n).toString() })],
    ['an epoch with a leading zero', json({ ...attJson, epoch: '01' })],
    ['a 64-byte signature', json({ ...attJson, signature: sig.slice(0, 130) })],
    ['a signer that is not an address', json({ ...attJson, signer: '0x1234' })],
    ['a missing message', json({ ...attJson, message: undefined })],
    ['a message that does not hash to the id', json({ ...attJson, id: `0x${'00'.repeat(32)}` })],
    ['a destination that disagrees with the message', json({ ...attJson, destination: 3 })],
    ['an undecodable message', json({ ...attJson, message: '0x01' })],
    ['odd-length hex', json({ ...attJson, message: `${encoded}0` })],
    ['a relayer name with a dot', json({ ...attJson, relayer: 'relayer.a' })],
    ['a domain above uint32', json({ ...attJson, destination: 2 ** 32 })],
  ]
  it.each(malformed)('throws WireFormatError (not retryable) for %s', (_, data) => {
    const e = thrown(() => parseAttestation(data))
    expect(e).toBeInstanceOf(WireFormatError)
    expect((e as WireFormatError).retryable).toBe(false)
    expect((e as WireFormatError).code).toBe('WIRE_INVALID')
  })
})

describe('certificate wire format', () => {
  const cert = {
    id,
    origin: message.origin,
    destination: message.destination,
    nonce: message.nonce,
    message: encoded,
    certificate: { epoch: 9n, signatures: [sig, sig] },
    signers: [`0x${'1'.repeat(40)}`, `0x${'2'.repeat(40)}`] as Hex[],
    threshold: 2,
    certifiedAt: new Date('2026-11-21T00:00:01Z'),
  }
  const certJson = JSON.parse(new TextDecoder().decode(encodeCertificate(cert))) as Record<string, unknown>

  it('round-trips', () => {
    const c = parseCertificate(encodeCertificate(cert))
    expect(c).toMatchObject({ id, epoch: 9n, nonce: message.nonce, signatures: [sig, sig], threshold: 2 })
    expect(c.decoded).toEqual(message)
  })

  it.each([
    ['signers and signatures of different length', { ...certJson, signers: [`0x${'1'.repeat(40)}`] }],
    ['a nonce that disagrees with the message', { ...certJson, nonce: '5' }],
    ['an origin that disagrees with the message', { ...certJson, origin: 1 }],
    ['no signatures', { ...certJson, signers: [], signatures: [] }],
    ['a threshold of 0', { ...certJson, threshold: 0 }],
  ])('throws WireFormatError for %s', (_, doc) => {
    expect(thrown(() => parseCertificate(json(doc)))).toBeInstanceOf(WireFormatError)
  })
})

describe('subjects', () => {
  it('builds the DESIGN.md subjects', () => {
    expect(attestationSubject(2, id, 'relayer-a')).toBe(`isthmus.att.2.${id}.relayer-a`)
    expect(deliverySubject(2)).toBe('isthmus.dlv.2')
    expect(proofSubject(1, id)).toBe(`isthmus.proof.1.${id}`)
    expect(deadLetterSubject(`isthmus.att.2.${id}.relayer-a`)).toBe(`isthmus.dlq.att.2.${id}.relayer-a`)
  })

  it.each(['a.b', 'a*', '>', 'a b', ''])('refuses the token "%s"', (t) => {
    expect(() => attestationSubject(2, id, t)).toThrow(/subject token/)
  })
})
