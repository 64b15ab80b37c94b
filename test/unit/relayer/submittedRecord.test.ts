import { addressToBytes32, bytesToHex, encodeAppBody, encodeMessage, messageId } from '../../../protocol/index.js'
import {
  applyDeliveryRecord,
  classifyDelivery,
  decodeMessageRecord,
  encodeMessageRecord,
  eventMsgId,
  type MessageRecord,
  parseStatusEvent,
} from '../../../relayer/index.js'
import type { Hex, Message } from '../../../types.js'

const TX1 = `0x${'a1'.repeat(32)}` as Hex
const TX2 = `0x${'a2'.repeat(32)}` as Hex
const m: Message = {
  version: 1,
  nonce: 5n,
  origin: 1,
  sender: addressToBytes32(`0x${'a'.repeat(40)}`),
  destination: 2,
  recipient: addressToBytes32(`0x${'c'.repeat(40)}`),
  body: encodeAppBody('0x01'),
}
const id = messageId(m)
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
const certified = (): MessageRecord => ({
  v: 1,
  id,
  origin: 1,
  destination: 2,
  nonce: 5n,
  message: bytesToHex(encodeMessage(m)),
  status: 'certified',
  epoch: 1n,
  threshold: 2,
  attestations: {},
  stages: { attested: T(0).toISOString(), certified: T(1).toISOString() },
  updatedAt: T(1).toISOString(),
})
const submitted = (txHash: Hex, nonce = 3n) =>
  ({ status: 'submitted', chain: 'evm:2', relayer: 'relayer-2', txHash, nonce }) as const

describe('the submitted stage of a message record', () => {
  it('records the broadcast transaction and the time it was first submitted', () => {
    const r = applyDeliveryRecord(certified(), submitted(TX1), T(2))!
    expect(r).toMatchObject({
      status: 'submitted',
      submission: { chain: 'evm:2', relayer: 'relayer-2', txHash: TX1, nonce: 3n, at: T(2).toISOString() },
      stages: { submitted: T(2).toISOString() },
    })
    // Survives the wire (uint64 nonce as a decimal string).
    expect(decodeMessageRecord(encodeMessageRecord(r))).toEqual(r)
  })

  it('notes a replacement transaction, keeps the first submitted time, and ignores a repeat', () => {
    const first = applyDeliveryRecord(certified(), submitted(TX1), T(2))!
    expect(applyDeliveryRecord(first, submitted(TX1), T(3))).toBeUndefined()
    const replaced = applyDeliveryRecord(first, submitted(TX2), T(4))!
    expect(replaced.submission?.txHash).toBe(TX2)
    expect(replaced.stages.submitted).toBe(T(2).toISOString())
  })

  it('never moves an outcome back to submitted (a slower relayer, a late report)', () => {
    const delivered = applyDeliveryRecord(
      certified(),
      { status: 'delivered', chain: 'evm:2', relayer: 'relayer-1', txHash: TX1, blockNumber: 9n },
      T(5),
    )!
    expect(applyDeliveryRecord(delivered, submitted(TX2), T(6))).toBeUndefined()
    const queued = applyDeliveryRecord(certified(), { status: 'queued', chain: 'evm:2', relayer: 'relayer-1' }, T(5))!
    expect(applyDeliveryRecord(queued, submitted(TX2), T(6))).toBeUndefined()
  })

  it('resubmits a failed message and clears its failure', () => {
    const failed = applyDeliveryRecord(
      certified(),
      { status: 'failed', chain: 'evm:2', relayer: 'relayer-1', reason: 'RATE_LIMITED', retryable: true },
      T(3),
    )!
    const again = applyDeliveryRecord(failed, submitted(TX2), T(4))!
    expect(again.status).toBe('submitted')
    expect(again.failure).toBeUndefined()
  })

  it('delivers after submitted with both stage times, in order', () => {
    const s = applyDeliveryRecord(certified(), submitted(TX1), T(2))!
    const d = applyDeliveryRecord(
      s,
      { status: 'delivered', chain: 'evm:2', relayer: 'relayer-2', txHash: TX1, blockNumber: 9n },
      T(3),
    )!
    expect(d.stages.submitted! < d.stages.delivered!).toBe(true)
    expect(d.delivery?.txHash).toBe(d.submission?.txHash)
  })
})

describe('queued records keep the release time', () => {
  it('stores releaseAt from the destination and adds it later when only then known', () => {
    const decision = classifyDelivery(
      { kind: 'result', result: { id, status: 'queued', reason: 'releaseAt=1700', releaseAt: 1_700n, txHash: TX1 } },
      'evm:2',
    )
    expect(decision).toMatchObject({ kind: 'queued', releaseAt: 1_700n })
    const without = applyDeliveryRecord(certified(), { status: 'queued', chain: 'evm:2', relayer: 'relayer-1' }, T(2))!
    expect(without.delivery?.releaseAt).toBeUndefined()
    const learnt = applyDeliveryRecord(
      without,
      { status: 'queued', chain: 'evm:2', relayer: 'relayer-3', releaseAt: 1_700n },
      T(3),
    )!
    expect(learnt.delivery).toMatchObject({ relayer: 'relayer-1', releaseAt: 1_700n })
    expect(learnt.status).toBe('queued')
    expect(
      applyDeliveryRecord(learnt, { status: 'queued', chain: 'evm:2', relayer: 'relayer-3', releaseAt: 1_700n }, T(4)),
    ).toBeUndefined()
  })
})

describe('submitted events', () => {
  it('get one Nats-Msg-Id per transaction, so a replacement is announced too', () => {
    const ev = (txHash: Hex) =>
      parseStatusEvent(
        new TextEncoder().encode(
          JSON.stringify({
            v: 1,
            status: 'submitted',
            id,
            origin: 1,
            destination: 2,
            nonce: '5',
            at: T(2).toISOString(),
            relayer: 'relayer-2',
            chain: 'evm:2',
            txHash,
          }),
        ),
      )
    expect(eventMsgId(ev(TX1))).toBe(`evt:submitted:${id}:${TX1}`)
    expect(eventMsgId(ev(TX1))).not.toBe(eventMsgId(ev(TX2)))
  })
})

describe('applyDeliveryRecord on a delivered record', () => {
  const settled = (txHash?: Hex) =>
    ({ status: 'delivered', chain: 'evm:2', relayer: 'r2', ...(txHash ? { txHash, blockNumber: 9n } : {}) }) as const
  const deliveredWithout = () => applyDeliveryRecord(certified(), settled(), T(2))!

  it('lets the instance that sent the transaction add its hash after another recorded "already delivered"', () => {
    const first = deliveredWithout()
    expect(first.delivery?.txHash).toBeUndefined()
    const completed = applyDeliveryRecord(first, settled(TX1), T(3))!
    expect(completed.status).toBe('delivered')
    expect(completed.delivery).toMatchObject({ txHash: TX1, blockNumber: 9n })
    expect(completed.stages).toEqual(first.stages)
  })

  it('changes nothing once the hash is known, and never moves a delivered record to another status', () => {
    const done = applyDeliveryRecord(deliveredWithout(), settled(TX1), T(3))!
    expect(applyDeliveryRecord(done, settled(TX2), T(4))).toBeUndefined()
    expect(
      applyDeliveryRecord(
        done,
        { status: 'submitted', chain: 'evm:2', relayer: 'r3', txHash: TX2, nonce: 4n } as never,
        T(4),
      ),
    ).toBeUndefined()
    expect(
      applyDeliveryRecord(
        done,
        { status: 'failed', chain: 'evm:2', relayer: 'r3', reason: 'UNKNOWN', retryable: true } as never,
        T(4),
      ),
    ).toBeUndefined()
  })
})
