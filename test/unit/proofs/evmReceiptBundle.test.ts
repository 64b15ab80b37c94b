import { BundleInvalidError, InvalidProofError } from '../../../errors.js'
import {
  buildEvmReceiptBundle,
  buildReceiptProof,
  type EvmReceiptBundle,
  encodeHeader,
  type VerifyEvmReceiptBundleOptions,
  verifyEvmReceiptBundle,
  verifyProofBundle,
} from '../../../proofs/index.js'
import { encodeMessage, messageId } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'
import {
  BRIDGE,
  blockOf,
  CHAIN_ID,
  dispatchLog,
  MESSAGE,
  OTHER,
  otherLog,
  receipt,
  syntheticBundle,
  word,
} from './bundleHelpers.js'
import { edr, mainnet } from './fixtures.js'
import { hex } from './forge.js'

const flip = (h: Hex, at: number): Hex => {
  const b = Buffer.from(h.slice(2), 'hex')
  const i = at % b.length
  b[i] = b[i]! ^ 0x01
  return `0x${b.toString('hex')}`
}

const reasonOf = (doc: unknown, opts?: VerifyEvmReceiptBundleOptions): string => {
  const e = thrown(() => verifyEvmReceiptBundle(doc, opts))
  expect(e).toBeInstanceOf(InvalidProofError)
  return (e as InvalidProofError).reason
}

const fieldOf = (doc: unknown): string => {
  const e = thrown(() => verifyEvmReceiptBundle(doc))
  expect(e).toBeInstanceOf(BundleInvalidError)
  return (e as BundleInvalidError).meta['field'] as string
}

const edrBundle = (txIndex: number, bridge: Hex = edr.emitter): EvmReceiptBundle =>
  buildEvmReceiptBundle({
    chain: 'evm:31337',
    chainId: CHAIN_ID,
    bridge,
    header: edr.header,
    receipts: edr.receipts,
    txIndex,
    logIndex: 0,
    finality: {
      mode: 'finalized-tag',
      observedHeadNumber: BigInt(edr.header.number).toString(),
      observedHeadHash: edr.header.hash,
    },
  })

describe('verifyEvmReceiptBundle on a block mined by EDR', () => {
  it.each([
    ['legacy', 0, edr.emitter, 0n],
    ['access-list (0x1)', 1, edr.emitter, 1n],
    ['dynamic-fee (0x2)', 3, edr.emitter, 2n],
    ['set-code (0x4, log from the delegated account)', 5, edr.delegated, 3n],
  ] as const)('proves the Dispatch of the %s transaction', (_, txIndex, bridge, nonce) => {
    const b = edrBundle(txIndex, bridge)
    const r = verifyEvmReceiptBundle(JSON.parse(JSON.stringify(b)), {
      bridge,
      chainId: CHAIN_ID,
      trustedBlockHash: edr.header.hash,
    })
    expect(r).toEqual({
      id: edr.receipts[txIndex]!.logs[0]!.topics[1],
      message: expect.objectContaining({ nonce, origin: 31337, destination: 2 }),
      chain: 'evm:31337',
      chainId: CHAIN_ID,
      blockNumber: BigInt(edr.header.number),
      blockHash: edr.header.hash,
      bridge,
      txIndex,
      logIndex: 0,
    })
    expect(messageId(r.message)).toBe(r.id)
  })

  it('rejects the reverted transaction of the block as having no Dispatch log', () => {
    const b = { ...edrBundle(0), txIndex: 4, receiptProof: buildReceiptProof(edr.receipts, 4).proof }
    expect(reasonOf(b)).toBe('TX_FAILED')
  })
})

describe('verifyEvmReceiptBundle on synthetic receipts', () => {
  it('proves a Dispatch that follows another log in its receipt', () => {
    const r = verifyEvmReceiptBundle(syntheticBundle(), { bridge: BRIDGE.toUpperCase().replace('0X', '0x') as Hex })
    expect(r.message).toEqual(MESSAGE)
    expect(r.logIndex).toBe(1)
  })

  it('is reached through verifyProofBundle with its kind', () => {
    expect(verifyProofBundle(syntheticBundle())).toMatchObject({ kind: 'evm-receipt', id: messageId(MESSAGE) })
  })

  it('accepts the exact number of confirmations and ignores unknown extra fields', () => {
    const b = syntheticBundle()
    expect(() =>
      verifyEvmReceiptBundle({ ...b, note: 'x', finality: { ...b.finality, confirmations: 3 } }),
    ).not.toThrow()
  })

  const messageCases: { name: string; target: ReturnType<typeof receipt>; reason: InvalidProofError['reason'] }[] = [
    {
      name: 'a failed transaction',
      target: receipt([otherLog, dispatchLog()], { status: '0x0' }),
      reason: 'TX_FAILED',
    },
    {
      name: 'a pre-Byzantium receipt',
      target: receipt([otherLog, dispatchLog()], { status: undefined, root: word(5) }),
      reason: 'TX_FAILED',
    },
    {
      name: 'a Dispatch from another contract',
      target: receipt([otherLog, dispatchLog(MESSAGE, OTHER)]),
      reason: 'EMITTER_NOT_BRIDGE',
    },
    {
      name: 'a log with another topic0',
      target: receipt([otherLog, { ...dispatchLog(), topics: [word(1), ...dispatchLog().topics.slice(1)] }]),
      reason: 'LOG_NOT_FOUND',
    },
    {
      name: 'a Dispatch with three topics',
      target: receipt([otherLog, { ...dispatchLog(), topics: dispatchLog().topics.slice(0, 3) }]),
      reason: 'LOG_NOT_FOUND',
    },
    {
      name: 'an id topic that is not keccak(message)',
      target: receipt([
        otherLog,
        { ...dispatchLog(), topics: dispatchLog().topics.map((t, i) => (i === 1 ? word(1) : t)) },
      ]),
      reason: 'MESSAGE_MISMATCH',
    },
    {
      name: 'a destination topic that is not the message destination',
      target: receipt([
        otherLog,
        { ...dispatchLog(), topics: dispatchLog().topics.map((t, i) => (i === 2 ? word(3) : t)) },
      ]),
      reason: 'MESSAGE_MISMATCH',
    },
    {
      name: 'a nonce topic that is not the message nonce',
      target: receipt([
        otherLog,
        { ...dispatchLog(), topics: dispatchLog().topics.map((t, i) => (i === 3 ? word(8) : t)) },
      ]),
      reason: 'MESSAGE_MISMATCH',
    },
    {
      name: 'a flipped byte in the log data',
      target: receipt([otherLog, { ...dispatchLog(), data: flip(dispatchLog().data, 64 + 60) }]),
      reason: 'MESSAGE_MISMATCH',
    },
    {
      name: 'a logged message that is not canonical (version 2)',
      target: receipt([otherLog, { ...dispatchLog(), data: flip(dispatchLog().data, 64) }]),
      reason: 'MESSAGE_MISMATCH',
    },
  ]
  it.each(messageCases)('rejects $name with $reason', ({ target, reason }) => {
    expect(reasonOf(syntheticBundle(target))).toBe(reason)
  })

  it('refuses to build a bundle from a log whose data is not ABI bytes', () => {
    const e = thrown(() => syntheticBundle(receipt([otherLog, { ...dispatchLog(), data: '0x1234' }])))
    expect((e as InvalidProofError).reason).toBe('MALFORMED_ENCODING')
  })
})

describe('verifyEvmReceiptBundle rejects tampered bundles', () => {
  const b = syntheticBundle()
  const other = syntheticBundle(receipt([otherLog, dispatchLog({ ...MESSAGE, nonce: 8n })]))
  const cases: {
    name: string
    doc: unknown
    opts?: VerifyEvmReceiptBundleOptions
    reason: InvalidProofError['reason']
  }[] = [
    { name: 'a flipped byte in the header', doc: { ...b, header: flip(b.header, 100) }, reason: 'HEADER_MISMATCH' },
    { name: 'another block hash', doc: { ...b, blockHash: word(1) }, reason: 'HEADER_MISMATCH' },
    { name: 'a block number the header does not have', doc: { ...b, blockNumber: '1' }, reason: 'HEADER_MISMATCH' },
    {
      name: 'a block that is not the trusted one',
      doc: b,
      opts: { trustedBlockHash: word(1) },
      reason: 'HEADER_MISMATCH',
    },
    {
      name: 'a real header of another block',
      doc: {
        ...b,
        header: hex(encodeHeader(mainnet.header)),
        blockHash: mainnet.header.hash,
        blockNumber: '11408438',
        finality: { ...b.finality, observedHeadNumber: '11408440' },
      },
      reason: 'ROOT_MISMATCH',
    },
    {
      name: 'a flipped byte in the root proof node',
      doc: { ...b, receiptProof: [flip(b.receiptProof[0]!, 50), ...b.receiptProof.slice(1)] },
      reason: 'ROOT_MISMATCH',
    },
    {
      name: 'a flipped byte in the receipt',
      doc: { ...b, receiptProof: [...b.receiptProof.slice(0, -1), flip(b.receiptProof.at(-1)!, 300)] },
      reason: 'HASH_MISMATCH',
    },
    {
      name: 'the receipt proof of another block',
      doc: { ...b, receiptProof: other.receiptProof },
      reason: 'ROOT_MISMATCH',
    },
    {
      name: 'a receipt proof missing its leaf',
      doc: { ...b, receiptProof: b.receiptProof.slice(0, -1) },
      reason: 'NODE_MISSING',
    },
    {
      name: 'a receipt proof with a trailing node',
      doc: { ...b, receiptProof: [...b.receiptProof, b.receiptProof[0]!] },
      reason: 'DEPTH_EXCEEDED',
    },
    { name: 'the proof for another transaction index', doc: { ...b, txIndex: 2 }, reason: 'HASH_MISMATCH' },
    { name: 'the proof for a transaction index past the block', doc: { ...b, txIndex: 3 }, reason: 'EXTRA_NODES' },
    { name: 'a log index past the receipt logs', doc: { ...b, logIndex: 2 }, reason: 'LOG_NOT_FOUND' },
    { name: 'a log index naming a non-Dispatch log', doc: { ...b, logIndex: 0 }, reason: 'LOG_NOT_FOUND' },
    {
      name: 'a bundle message that differs from the log',
      doc: { ...b, message: hex(encodeMessage({ ...MESSAGE, nonce: 8n })) },
      reason: 'MESSAGE_MISMATCH',
    },
    { name: 'a bundle id that is not keccak(message)', doc: { ...b, id: word(1) }, reason: 'MESSAGE_MISMATCH' },
    { name: 'a bundle naming another bridge', doc: { ...b, bridge: OTHER }, reason: 'EMITTER_NOT_BRIDGE' },
    { name: 'a bridge the caller does not expect', doc: b, opts: { bridge: OTHER }, reason: 'EMITTER_NOT_BRIDGE' },
    { name: 'a chain id the caller does not expect', doc: b, opts: { chainId: 1n }, reason: 'CHAIN_MISMATCH' },
    {
      name: 'an observed head below the block',
      doc: { ...b, finality: { ...b.finality, observedHeadNumber: '1' } },
      reason: 'NOT_FINAL',
    },
    {
      name: 'too few confirmations',
      doc: { ...b, finality: { ...b.finality, confirmations: 4 } },
      reason: 'NOT_FINAL',
    },
    {
      name: 'a finalized head at the block height with another hash',
      doc: { ...b, finality: { mode: 'finalized-tag', observedHeadNumber: b.blockNumber, observedHeadHash: word(1) } },
      reason: 'NOT_FINAL',
    },
  ]
  it.each(cases)('rejects $name with $reason', ({ doc, opts, reason }) => {
    expect(reasonOf(doc, opts)).toBe(reason)
  })
})

describe('verifyEvmReceiptBundle checks the document shape', () => {
  const b = syntheticBundle()
  const drop = (k: string) => Object.fromEntries(Object.entries(b).filter(([key]) => key !== k))
  const required = [
    'kind',
    'version',
    'chain',
    'chainId',
    'bridge',
    'blockNumber',
    'blockHash',
    'header',
    'txIndex',
    'receiptProof',
    'logIndex',
    'id',
    'message',
    'finality',
  ]
  it.each(required)('names the missing field %s', (k) => expect(fieldOf(drop(k))).toBe(k))

  const wrong: { name: string; doc: unknown; field: string }[] = [
    { name: 'a non-object', doc: 'bundle', field: '(root)' },
    { name: 'an array', doc: [b], field: '(root)' },
    { name: 'version 2', doc: { ...b, version: 2 }, field: 'version' },
    { name: 'a substrate chain ref', doc: { ...b, chain: 'substrate:polkadot' }, field: 'chain' },
    { name: 'a numeric chain id', doc: { ...b, chainId: 31337 }, field: 'chainId' },
    { name: 'a block number with a leading zero', doc: { ...b, blockNumber: '02' }, field: 'blockNumber' },
    { name: 'a short bridge address', doc: { ...b, bridge: '0x1234' }, field: 'bridge' },
    { name: 'a short block hash', doc: { ...b, blockHash: '0x12' }, field: 'blockHash' },
    { name: 'a non-hex header', doc: { ...b, header: 'f901' }, field: 'header' },
    { name: 'a negative tx index', doc: { ...b, txIndex: -1 }, field: 'txIndex' },
    { name: 'a string tx index', doc: { ...b, txIndex: '1' }, field: 'txIndex' },
    { name: 'a fractional log index', doc: { ...b, logIndex: 0.5 }, field: 'logIndex' },
    { name: 'an empty receipt proof', doc: { ...b, receiptProof: [] }, field: 'receiptProof' },
    { name: 'a non-hex proof node', doc: { ...b, receiptProof: ['0xzz'] }, field: 'receiptProof[0]' },
    { name: 'finality that is not an object', doc: { ...b, finality: 'final' }, field: 'finality' },
    {
      name: 'an unknown finality mode',
      doc: { ...b, finality: { ...b.finality, mode: 'vibes' } },
      field: 'finality.mode',
    },
    {
      name: 'confirmations missing in confirmations mode',
      doc: { ...b, finality: { ...b.finality, confirmations: undefined } },
      field: 'finality.confirmations',
    },
    {
      name: 'zero confirmations',
      doc: { ...b, finality: { ...b.finality, confirmations: 0 } },
      field: 'finality.confirmations',
    },
    {
      name: 'a missing observed head number',
      doc: { ...b, finality: { ...b.finality, observedHeadNumber: undefined } },
      field: 'finality.observedHeadNumber',
    },
    {
      name: 'a short observed head hash',
      doc: { ...b, finality: { ...b.finality, observedHeadHash: '0x00' } },
      field: 'finality.observedHeadHash',
    },
  ]
  it.each(wrong)('names the field of $name', ({ doc, field }) => expect(fieldOf(doc)).toBe(field))
})

describe('verifyProofBundle', () => {
  it.each([
    ['null', null, '(root)'],
    ['an array', [], '(root)'],
    ['no kind', {}, 'kind'],
    ['an implemented kind without a version', { kind: 'substrate-storage' }, 'version'],
    ['an unknown kind', { kind: 'btc-spv' }, 'kind'],
  ])('rejects %s naming %s', (_, doc, field) => {
    const e = thrown(() => verifyProofBundle(doc))
    expect(e).toBeInstanceOf(BundleInvalidError)
    expect((e as BundleInvalidError).meta['field']).toBe(field)
  })
})

describe('buildEvmReceiptBundle', () => {
  const { header, receipts } = blockOf([receipt([dispatchLog()])])
  const o = {
    chain: 'evm:31337' as const,
    chainId: CHAIN_ID,
    bridge: BRIDGE,
    header,
    receipts,
    txIndex: 0,
    logIndex: 0,
    finality: { mode: 'finalized-tag' as const, observedHeadNumber: '10', observedHeadHash: word(1) },
  }

  it('records the block, proof, message and id', () => {
    const b = buildEvmReceiptBundle(o)
    expect(b).toMatchObject({
      version: 1,
      kind: 'evm-receipt',
      chainId: '31337',
      blockNumber: BigInt(header.number).toString(),
      id: messageId(MESSAGE),
    })
    expect(b.message).toBe(hex(encodeMessage(MESSAGE)))
  })

  it('refuses header fields that do not hash to the given hash', () => {
    const e = thrown(() => buildEvmReceiptBundle({ ...o, header: { ...header, hash: word(1) } }))
    expect((e as InvalidProofError).reason).toBe('HEADER_MISMATCH')
  })

  it('refuses receipts that do not build the header receiptsRoot', () => {
    const e = thrown(() => buildEvmReceiptBundle({ ...o, receipts: [receipt([dispatchLog()], {}, 1)] }))
    expect((e as InvalidProofError).reason).toBe('ROOT_MISMATCH')
  })

  it.each([1, -1, 0.5])('refuses the log index %p', (logIndex) => {
    const e = thrown(() => buildEvmReceiptBundle({ ...o, logIndex }))
    expect((e as BundleInvalidError).meta['field']).toBe('logIndex')
  })
})
