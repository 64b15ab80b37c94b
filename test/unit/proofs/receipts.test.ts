import { BundleInvalidError, InvalidProofError } from '../../../errors.js'
import {
  buildReceiptProof,
  decodeReceipt,
  type EvmRpcReceipt,
  encodeReceipt,
  encodeRlp,
  receiptKey,
  verifyMptProof,
} from '../../../proofs/index.js'
import type { Hex } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'
import { edr, mainnet } from './fixtures.js'
import { bytes, hex } from './forge.js'

const bloom = `0x${'00'.repeat(256)}` as Hex
const log = { address: `0x${'11'.repeat(20)}` as Hex, topics: [`0x${'22'.repeat(32)}` as Hex], data: '0x1234' as Hex }
const base: EvmRpcReceipt = { status: '0x1', cumulativeGasUsed: '0x5208', logsBloom: bloom, logs: [log] }

const expectDecodedLike = (value: Uint8Array, r: EvmRpcReceipt): void => {
  const d = decodeReceipt(value)
  expect(d.type).toBe(Number(r.type ?? '0x0'))
  expect(d.cumulativeGasUsed).toBe(BigInt(r.cumulativeGasUsed))
  expect(d.logsBloom).toBe(r.logsBloom.toLowerCase())
  expect(d.logs).toEqual(
    r.logs.map((l) => ({
      address: l.address.toLowerCase(),
      topics: l.topics.map((t) => t.toLowerCase()),
      data: l.data.toLowerCase(),
    })),
  )
}

describe('encodeReceipt and decodeReceipt', () => {
  it.each(mainnet.receipts.map((r, i) => [i, r] as const))('round-trips mainnet receipt %i', (_, r) => {
    const value = encodeReceipt(r)
    expect(value[0]).toBeGreaterThanOrEqual(0xc0)
    expectDecodedLike(value, r)
    expect(decodeReceipt(value).status).toBe(Number(r.status))
  })

  it.each(edr.receipts.map((r) => [r.type, r.status, r] as const))(
    'round-trips an EDR receipt of type %s with status %s',
    (type, status, r) => {
      const value = encodeReceipt(r)
      if (type !== '0x0') expect(value[0]).toBe(Number(type))
      expectDecodedLike(value, r)
      expect(decodeReceipt(value).status).toBe(Number(status))
    },
  )

  it('encodes the EDR block receipts (types 0x0, 0x1, 0x2, 0x4) to its receiptsRoot', () => {
    expect(buildReceiptProof(edr.receipts, 0).root).toBe(edr.header.receiptsRoot)
  })

  it('encodes a blob (0x3) receipt as 0x03 ‖ rlp([...])', () => {
    const value = encodeReceipt({ ...base, type: '0x3' })
    expect(value[0]).toBe(3)
    expect(hex(value.subarray(1))).toBe(hex(encodeReceipt(base)))
    expect(decodeReceipt(value)).toMatchObject({ type: 3, status: 1 })
  })

  it('encodes a failed receipt with an empty status', () => {
    const value = encodeReceipt({ ...base, status: '0x0' })
    expect(value[3]).toBe(0x80)
    expect(decodeReceipt(value)).toMatchObject({ status: 0, postStateRoot: null })
  })

  it('encodes a pre-Byzantium receipt with its post-state root', () => {
    const root = `0x${'ab'.repeat(32)}` as Hex
    const d = decodeReceipt(encodeReceipt({ ...base, status: null, root }))
    expect(d).toMatchObject({ type: 0, status: null, postStateRoot: root })
  })

  it('treats a null type as legacy', () => {
    expect(hex(encodeReceipt({ ...base, type: null }))).toBe(hex(encodeReceipt(base)))
  })
})

describe('encodeReceipt rejects malformed JSON-RPC receipts', () => {
  const cases: { name: string; receipt: unknown; field: string }[] = [
    { name: 'a non-object', receipt: null, field: 'receipt' },
    { name: 'logs that are not an array', receipt: { ...base, logs: {} }, field: 'receipt' },
    { name: 'an unknown type (OP deposit 0x7e)', receipt: { ...base, type: '0x7e' }, field: 'receipt.type' },
    { name: 'a type of two bytes', receipt: { ...base, type: '0x102' }, field: 'receipt.type' },
    { name: 'a type with a leading zero', receipt: { ...base, type: '0x02' }, field: 'receipt.type' },
    { name: 'status 0x2', receipt: { ...base, status: '0x2' }, field: 'receipt.status' },
    { name: 'neither status nor root', receipt: { ...base, status: undefined }, field: 'receipt.status' },
    { name: 'a 31-byte root', receipt: { ...base, status: null, root: `0x${'ab'.repeat(31)}` }, field: 'receipt.root' },
    { name: 'a short bloom', receipt: { ...base, logsBloom: '0x00' }, field: 'receipt.logsBloom' },
    { name: 'a non-hex gas', receipt: { ...base, cumulativeGasUsed: 'lots' }, field: 'receipt.cumulativeGasUsed' },
    { name: 'a log that is null', receipt: { ...base, logs: [null] }, field: 'receipt.logs[0]' },
    {
      name: 'a short log address',
      receipt: { ...base, logs: [{ ...log, address: '0x11' }] },
      field: 'receipt.logs[0].address',
    },
    {
      name: 'a short topic',
      receipt: { ...base, logs: [{ ...log, topics: ['0x22'] }] },
      field: 'receipt.logs[0].topics[0]',
    },
    {
      name: 'five topics',
      receipt: { ...base, logs: [{ ...log, topics: Array(5).fill(log.topics[0]) }] },
      field: 'receipt.logs[0].topics',
    },
    { name: 'odd-length data', receipt: { ...base, logs: [{ ...log, data: '0x123' }] }, field: 'receipt.logs[0].data' },
  ]
  it.each(cases)('rejects $name naming $field', ({ receipt, field }) => {
    const e = thrown(() => encodeReceipt(receipt as EvmRpcReceipt))
    expect(e).toBeInstanceOf(BundleInvalidError)
    expect((e as BundleInvalidError).meta['field']).toBe(field)
  })
})

describe('decodeReceipt rejects malformed receipt values', () => {
  const rlp = (status: Uint8Array, logs: unknown[] = [], bloomBytes = 256) =>
    encodeRlp([status, Uint8Array.of(1), new Uint8Array(bloomBytes), logs as Uint8Array[]])
  const cases: { name: string; value: Uint8Array; reason: InvalidProofError['reason'] }[] = [
    { name: 'an empty value', value: new Uint8Array(0), reason: 'MALFORMED_ENCODING' },
    {
      name: 'a 0x00 type prefix (type 0 is never prefixed)',
      value: Uint8Array.from([0, ...rlp(Uint8Array.of(1))]),
      reason: 'MALFORMED_ENCODING',
    },
    {
      name: 'an unknown type 0x05',
      value: Uint8Array.from([5, ...rlp(Uint8Array.of(1))]),
      reason: 'MALFORMED_ENCODING',
    },
    {
      name: 'a list of three fields',
      value: encodeRlp([Uint8Array.of(1), Uint8Array.of(1), new Uint8Array(256)]),
      reason: 'MALFORMED_ENCODING',
    },
    { name: 'a status of 2', value: rlp(Uint8Array.of(2)), reason: 'MALFORMED_ENCODING' },
    { name: 'a 2-byte status', value: rlp(Uint8Array.of(0, 1)), reason: 'MALFORMED_ENCODING' },
    { name: 'a 255-byte bloom', value: rlp(Uint8Array.of(1), [], 255), reason: 'MALFORMED_ENCODING' },
    {
      name: 'a log with two fields',
      value: rlp(Uint8Array.of(1), [[new Uint8Array(20), []]]),
      reason: 'MALFORMED_ENCODING',
    },
    {
      name: 'a 19-byte log address',
      value: rlp(Uint8Array.of(1), [[new Uint8Array(19), [], new Uint8Array(0)]]),
      reason: 'MALFORMED_ENCODING',
    },
    {
      name: 'a gas value with a leading zero',
      value: encodeRlp([Uint8Array.of(1), Uint8Array.of(0, 1), new Uint8Array(256), []]),
      reason: 'NON_CANONICAL',
    },
    { name: 'trailing bytes', value: Uint8Array.from([...rlp(Uint8Array.of(1)), 0]), reason: 'TRAILING_DATA' },
  ]
  it.each(cases)('rejects $name with $reason', ({ value, reason }) => {
    const e = thrown(() => decodeReceipt(value))
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).reason).toBe(reason)
  })
})

describe('buildReceiptProof', () => {
  it('proves an EDR typed receipt against the block receiptsRoot', () => {
    const p = buildReceiptProof(edr.receipts, 5)
    const value = verifyMptProof({ root: edr.header.receiptsRoot, key: receiptKey(5), proof: p.proof })
    expect(decodeReceipt(value).type).toBe(4)
  })

  it.each([-1, 1.5, 130, Number.NaN])('rejects the index %p', (i) => {
    const e = thrown(() => buildReceiptProof(mainnet.receipts, i))
    expect((e as BundleInvalidError).meta['field']).toBe('txIndex')
  })

  it('rejects receipts out of block order', () => {
    const swapped = [mainnet.receipts[1]!, mainnet.receipts[0]!, ...mainnet.receipts.slice(2)]
    const e = thrown(() => buildReceiptProof(swapped, 0))
    expect((e as BundleInvalidError).meta['field']).toBe('receipts[0].transactionIndex')
  })

  it('accepts receipts without transactionIndex', () => {
    const bare = mainnet.receipts.slice(0, 3).map(({ transactionIndex: _, ...r }) => r)
    expect(buildReceiptProof(bare, 2).proof.length).toBeGreaterThan(0)
    expect(bytes(buildReceiptProof(bare, 2).root)).toHaveLength(32)
  })
})
