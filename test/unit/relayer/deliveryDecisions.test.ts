import {
  DeliveryRevertedError,
  DestinationPausedError,
  RateLimitedError,
  RpcTimeoutError,
  WireFormatError,
} from '../../../errors.js'
import { addressToBytes32, bytesToHex, encodeAppBody, encodeMessage, messageId } from '../../../protocol/index.js'
import {
  applyDeliveryRecord,
  type CertificateDoc,
  classifyDelivery,
  encodeCertificate,
  failureReasonOf,
  type MessageRecord,
  parseCertificate,
  planDeliveryGroups,
} from '../../../relayer/index.js'
import type { ChainRef, Hex, Message } from '../../../types.js'

const CHAIN: ChainRef = 'evm:31338'
const TX = `0x${'ab'.repeat(32)}` as Hex
const SIG = `0x${'11'.repeat(64)}1b` as Hex
const SIGNER = `0x${'22'.repeat(20)}` as Hex

const message = (nonce: bigint): Message => ({
  version: 1,
  nonce,
  origin: 1,
  sender: addressToBytes32(`0x${'a'.repeat(40)}`),
  destination: 2,
  recipient: addressToBytes32(`0x${'c'.repeat(40)}`),
  body: encodeAppBody('0x01'),
})

/** A certificate document exactly as a deliverer receives it from `isthmus.dlv.2`. */
const certificate = (nonce: bigint, epoch = 1n): CertificateDoc => {
  const m = message(nonce)
  return parseCertificate(
    encodeCertificate({
      id: messageId(m),
      origin: 1,
      destination: 2,
      nonce,
      message: bytesToHex(encodeMessage(m)),
      certificate: { epoch, signatures: [SIG] },
      signers: [SIGNER],
      threshold: 1,
      certifiedAt: new Date(0),
    }),
  )
}

describe('planDeliveryGroups', () => {
  it('keeps one entry per id and settles redelivered copies with it', () => {
    const c = certificate(1n)
    const groups = planDeliveryGroups(
      [
        { msg: 'first', doc: c },
        { msg: 'redelivered', doc: certificate(1n) },
      ],
      50,
    )
    expect(groups).toHaveLength(1)
    expect(groups[0]!.entries).toEqual([{ id: c.id, doc: c, msgs: ['first', 'redelivered'] }])
  })

  it('puts each committee epoch in its own transaction, in order of first arrival', () => {
    const groups = planDeliveryGroups(
      [1n, 2n, 3n].map((n) => ({ msg: n, doc: certificate(n, n === 2n ? 2n : 1n) })),
      50,
    )
    expect(groups.map((g) => [g.epoch, g.entries.map((e) => e.msgs[0])])).toEqual([
      [1n, [1n, 3n]],
      [2n, [2n]],
    ])
  })

  it('splits a group into transactions of at most maxBatch certificates', () => {
    const groups = planDeliveryGroups(
      Array.from({ length: 7 }, (_, k) => ({ msg: k, doc: certificate(BigInt(k)) })),
      3,
    )
    expect(groups.map((g) => g.entries.length)).toEqual([3, 3, 1])
  })

  it('returns no group for no certificates', () => expect(planDeliveryGroups([], 50)).toEqual([]))
})

describe('classifyDelivery', () => {
  const id = certificate(1n).id
  it.each([
    [
      'delivered',
      { id, status: 'delivered', txHash: TX, blockNumber: 9n },
      { kind: 'delivered', txHash: TX, blockNumber: 9n },
    ],
    ['already delivered by another relayer (F-25)', { id, status: 'already-delivered' }, { kind: 'already-delivered' }],
    [
      'a recipient revert',
      { id, status: 'failed', reason: 'RecipientRefused', txHash: TX, blockNumber: 9n },
      { kind: 'failed', reason: 'RECIPIENT_REVERTED', detail: 'RecipientRefused', txHash: TX, blockNumber: 9n },
    ],
    ['a large transfer', { id, status: 'queued', reason: 'releaseAt=99' }, { kind: 'queued', detail: 'releaseAt=99' }],
  ] as const)('settles %s with an ack', (_, result, decision) => {
    expect(classifyDelivery({ kind: 'result', result: { ...result } }, CHAIN)).toEqual(decision)
  })

  it('retries a deferred (rate-limited in a batch) item as RATE_LIMITED and announces it', () => {
    const d = classifyDelivery({ kind: 'result', result: { id, status: 'deferred', reason: 'rate-limited' } }, CHAIN)
    expect(d).toMatchObject({ kind: 'retry', reason: 'RATE_LIMITED', isAnnounced: true })
    expect(d.kind === 'retry' && d.err.retryable).toBe(true)
  })

  it('retries an item deferred for another reason without announcing it', () => {
    const d = classifyDelivery({ kind: 'result', result: { id, status: 'deferred', reason: 'not executed' } }, CHAIN)
    expect(d).toMatchObject({ kind: 'retry', reason: 'DELIVERY_REVERTED', isAnnounced: false })
    expect(d.kind === 'retry' && d.err.retryable).toBe(true)
  })

  it.each([
    ['a paused bridge', new DestinationPausedError({ chain: CHAIN }), 'DESTINATION_PAUSED', true],
    ['a rate limit', new RateLimitedError({ chain: CHAIN }), 'RATE_LIMITED', true],
    ['an RPC timeout', new RpcTimeoutError({ chain: CHAIN, method: 'eth_call', timeoutMs: 5 }), 'UNKNOWN', false],
  ] as const)('retries %s through the queue', (_, err, reason, isAnnounced) => {
    expect(classifyDelivery({ kind: 'error', err }, CHAIN)).toEqual({ kind: 'retry', err, reason, isAnnounced })
  })
})

describe('failureReasonOf', () => {
  it.each([
    ['NotCommitteeMember', 'CERTIFICATE_INVALID'],
    ['InsufficientSignatures', 'CERTIFICATE_INVALID'],
    ['EpochExpired', 'CERTIFICATE_INVALID'],
    ['WrongDestination', 'DELIVERY_REVERTED'],
  ] as const)('maps a %s revert to %s', (reason, want) => {
    expect(failureReasonOf(new DeliveryRevertedError({ chain: CHAIN, id: '0x01', reason }))).toBe(want)
  })

  it('maps a malformed document to MALFORMED', () => {
    expect(failureReasonOf(new WireFormatError({ kind: 'certificate', issues: ['x'] }))).toBe('MALFORMED')
  })
})

describe('applyDeliveryRecord', () => {
  const at = new Date(Date.UTC(2026, 10, 21, 12))
  const base: MessageRecord = {
    v: 1,
    id: certificate(1n).id,
    origin: 1,
    destination: 2,
    nonce: 1n,
    message: '0x01',
    status: 'certified',
    epoch: 1n,
    threshold: 2,
    attestations: {},
    stages: { attested: new Date(0).toISOString(), certified: new Date(0).toISOString() },
    updatedAt: new Date(0).toISOString(),
  }
  const delivered = { status: 'delivered', chain: CHAIN, relayer: 'relayer-2', txHash: TX, blockNumber: 7n } as const
  const failed = {
    status: 'failed',
    chain: CHAIN,
    relayer: 'relayer-1',
    reason: 'RECIPIENT_REVERTED',
    detail: 'RecipientRefused',
    retryable: false,
  } as const

  it('marks a certified record delivered with the transaction and the stage time', () => {
    const r = applyDeliveryRecord(base, delivered, at)!
    expect(r).toMatchObject({
      status: 'delivered',
      delivery: { chain: CHAIN, relayer: 'relayer-2', txHash: TX, blockNumber: 7n },
    })
    expect(r.stages.delivered).toBe(at.toISOString())
  })

  it('records a failure with its reason', () => {
    expect(applyDeliveryRecord(base, failed, at)).toMatchObject({
      status: 'failed',
      failure: { reason: 'RECIPIENT_REVERTED', detail: 'RecipientRefused', retryable: false, at: at.toISOString() },
    })
  })

  it('never moves a delivered record back (a slower relayer reporting late)', () => {
    const done = applyDeliveryRecord(base, delivered, at)!
    expect(applyDeliveryRecord(done, failed, at)).toBeUndefined()
    expect(applyDeliveryRecord(done, { ...delivered, relayer: 'relayer-3' }, at)).toBeUndefined()
  })

  it('writes nothing when the same failure or queue state is reported again', () => {
    const f = applyDeliveryRecord(base, failed, at)!
    expect(applyDeliveryRecord(f, failed, at)).toBeUndefined()
    const q = applyDeliveryRecord(
      base,
      { status: 'queued', chain: CHAIN, relayer: 'relayer-1', detail: 'releaseAt=5' },
      at,
    )!
    expect(q.status).toBe('queued')
    expect(applyDeliveryRecord(q, { status: 'queued', chain: CHAIN, relayer: 'relayer-2' }, at)).toBeUndefined()
  })

  it('lets a failed message be delivered later (retryFailed) and clears the failure', () => {
    const f = applyDeliveryRecord(base, failed, at)!
    const d = applyDeliveryRecord(f, delivered, at)!
    expect(d.status).toBe('delivered')
    expect(d.failure).toBeUndefined()
  })

  it('creates no record (the aggregator owns creation)', () => {
    expect(applyDeliveryRecord(undefined, delivered, at)).toBeUndefined()
  })
})
