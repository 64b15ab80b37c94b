import { createPublicKey } from 'node:crypto'
import { InvalidProofError } from '../../../../errors.js'
import { blockHeaderBytes } from '../../../../proofs/fabric/blockHeaderBytes.js'
import { decodeEndorserTransaction } from '../../../../proofs/fabric/decodeEndorserTransaction.js'
import { decodeFabricBlock } from '../../../../proofs/fabric/decodeFabricBlock.js'
import { readProto, stringOf, varintOf } from '../../../../proofs/fabric/readProto.js'
import { P256_N, parseDerSignature, verifyP256Signature } from '../../../../proofs/fabric/verifyP256Signature.js'
import { thrown } from '../../../harness/thrown.js'
import { derSig, PARTIES, pb, signLowS } from './fabricBlockBuilder.js'

const SCHEMA = { 1: { kind: 'bytes' }, 2: { kind: 'varint' }, 3: { kind: 'bytes', repeated: true } } as const
const reasonOf = (f: () => unknown): string => {
  const e = thrown(f)
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

describe('readProto', () => {
  it('reads bytes, varints and repeated fields, and skips unknown fields of every wire type', () => {
    const buf = Uint8Array.from([
      ...pb([1, 'ab'], [2, 300n], [3, 'x'], [3, 'y']),
      ...[0x21, 1, 2, 3, 4, 5, 6, 7, 8], // field 4, fixed64
      ...[0x2d, 1, 2, 3, 4], // field 5, fixed32
      ...[0x30, 0x01], // field 6, varint
    ])
    const f = readProto(buf, SCHEMA, 'T')
    expect(Buffer.from(f.get(1)![0] as Uint8Array).toString()).toBe('ab')
    expect(varintOf(f, 2)).toBe(300n)
    expect(f.get(3)).toHaveLength(2)
    expect(varintOf(readProto(Uint8Array.from([0x10, ...Array(9).fill(0xff), 0x01]), SCHEMA, 'T'), 2)).toBe(
      2n ** 64n - 1n,
    )
  })

  it.each([
    ['a truncated varint', [0x10, 0x80], 'MALFORMED_ENCODING'],
    ['a varint with a redundant zero byte', [0x10, 0x81, 0x00], 'NON_CANONICAL'],
    ['a varint over 64 bits', [0x10, ...Array(9).fill(0xff), 0x02], 'MALFORMED_ENCODING'],
    ['a varint longer than 10 bytes', [0x10, ...Array(10).fill(0x80), 0x01], 'MALFORMED_ENCODING'],
    ['field number 0', [0x02, 0x00], 'MALFORMED_ENCODING'],
    ['a group (wire type 3)', [0x0b], 'MALFORMED_ENCODING'],
    ['a length past the end', [0x0a, 0x05, 0x01], 'MALFORMED_ENCODING'],
    ['a fixed64 past the end', [0x21, 0x01], 'MALFORMED_ENCODING'],
    ['a known bytes field sent as a varint', [0x08, 0x01], 'MALFORMED_ENCODING'],
    ['a known varint field sent as bytes', [0x12, 0x00], 'MALFORMED_ENCODING'],
    ['a singular field twice (a glued message)', [0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62], 'TRAILING_DATA'],
    ['a huge tag', [...Array(9).fill(0xff), 0x01], 'MALFORMED_ENCODING'],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(reasonOf(() => readProto(Uint8Array.from(bytes as number[]), SCHEMA, 'T'))).toBe(reason)
  })

  it('refuses a string field that is not UTF-8', () => {
    const f = readProto(Uint8Array.from([0x0a, 0x02, 0xc3, 0x28]), SCHEMA, 'T')
    expect(reasonOf(() => stringOf(f, 1, 'T'))).toBe('MALFORMED_ENCODING')
  })
})

describe('verifyP256Signature', () => {
  const key = createPublicKey(PARTIES.org1Peer.certPem)
  const data = new TextEncoder().encode('payload')
  const good = signLowS(PARTIES.org1Peer.key, data)

  it('accepts a low-S signature and parses r, s', () => {
    expect(() => verifyP256Signature(key, data, good, 'x')).not.toThrow()
    const { r, s } = parseDerSignature(good, 'x')
    expect(r > 0n && s <= P256_N / 2n).toBe(true)
  })

  it.each([
    ['not a SEQUENCE', Uint8Array.from([0x31, ...good.subarray(1)])],
    ['a wrong SEQUENCE length', Uint8Array.from([0x30, good[1]! + 1, ...good.subarray(2)])],
    ['trailing bytes inside the SEQUENCE', Uint8Array.from([0x30, good[1]! + 1, ...good.subarray(2), 0])],
    ['a negative r', derSig(1n, 1n).map((b, i) => (i === 4 ? 0x81 : b))],
    ['a non-minimal integer', Uint8Array.from([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01])],
    ['r = 0', derSig(0n, 1n)],
    ['s = n', derSig(1n, P256_N)],
    ['an integer that overruns', Uint8Array.from([0x30, 0x06, 0x02, 0x05, 0x01, 0x02, 0x01, 0x01])],
    ['too short', Uint8Array.from([0x30, 0x00])],
  ])('refuses a DER signature that is %s', (_name, sig) => {
    expect(reasonOf(() => verifyP256Signature(key, data, sig, 'x'))).toBe('SIGNATURE_INVALID')
  })
})

describe('blockHeaderBytes', () => {
  it('encodes DER minimal integers and long-form lengths as Go asn1 does', () => {
    const der = Buffer.from(
      blockHeaderBytes({ number: 1n << 63n, previousHash: new Uint8Array(200).fill(1), dataHash: new Uint8Array(0) }),
    )
    // SEQUENCE (long form, 216 bytes) { INTEGER 00 80 00…00, OCTET STRING (long form) 200 bytes, OCTET STRING empty }
    expect(der.subarray(0, 3).toString('hex')).toBe('3081d8')
    expect(der.subarray(3, 14).toString('hex')).toBe('0209008000000000000000')
    expect(der.subarray(14, 17).toString('hex')).toBe('0481c8')
    expect(der.subarray(-2).toString('hex')).toBe('0400')
    expect(
      Buffer.from(
        blockHeaderBytes({ number: 0n, previousHash: new Uint8Array(0), dataHash: new Uint8Array(0) }),
      ).toString('hex'),
    ).toBe('3007020100040004' + '00')
  })
})

describe('decoders', () => {
  it('refuses a block without a header, and a transaction without a timestamp or with bad nanos', () => {
    expect(reasonOf(() => decodeFabricBlock(pb([2, pb([1, 'x'])])))).toBe('MALFORMED_ENCODING')
    const envelope = (timestamp: Uint8Array | undefined) =>
      pb([1, pb([1, pb([1, pb([1, 3], [3, timestamp], [4, 'ch'], [5, 'tx'])], [2, pb([2, 'n'])])])])
    expect(thrown(() => decodeEndorserTransaction(envelope(undefined)))).toMatchObject({
      reason: 'MALFORMED_ENCODING',
      message: expect.stringContaining('no timestamp'),
    })
    expect(reasonOf(() => decodeEndorserTransaction(envelope(pb([1, 1n], [2, 1_000_000_000]))))).toBe(
      'MALFORMED_ENCODING',
    )
    expect(decodeEndorserTransaction(envelope(pb([1, 2n], [2, 5_000_000]))).timestampMs).toBe(2005)
  })
})
