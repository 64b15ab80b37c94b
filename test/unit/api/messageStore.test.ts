import { applyStatusEvent } from '../../../api/indexedMessage.js'
import { createMessageStore } from '../../../api/messageStore.js'
import type { StatusEvent } from '../../../relayer/index.js'

const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as `0x${string}`
const TX = `0x${'aa'.repeat(32)}` as `0x${string}`
const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, s)).toISOString()
const base = (n: number, s: number) => ({
  v: 1 as const,
  id: id(n),
  origin: 1,
  destination: 2,
  nonce: BigInt(n),
  at: at(s),
})
const observed = (n: number, s = 0): StatusEvent => ({
  ...base(n, s),
  status: 'observed',
  source: { chain: 'evm:1', blockNumber: 10n, blockHash: TX, txHash: TX, logIndex: 0 },
})
const attested = (n: number, count: number, s = 1): StatusEvent => ({
  ...base(n, s),
  status: 'attested',
  epoch: 1n,
  count,
  threshold: 2,
  signer: `0x${'11'.repeat(20)}`,
})
const delivered = (n: number, s = 3): StatusEvent => ({
  ...base(n, s),
  status: 'delivered',
  chain: 'evm:2',
  txHash: TX,
  blockNumber: 20n,
})
const failed = (n: number, reason: 'RATE_LIMITED' | 'QUEUED_LARGE_TRANSFER', s = 2): StatusEvent => ({
  ...base(n, s),
  status: 'failed',
  reason,
  retryable: true,
})
const submitted = (n: number, s = 4): StatusEvent => ({
  ...base(n, s),
  status: 'submitted',
  chain: 'evm:2',
  txHash: TX,
})

describe('applyStatusEvent', () => {
  it('keeps the earliest stage time, never moves back, and ignores repeats', () => {
    let r = applyStatusEvent(undefined, attested(1, 1, 5), 3)
    r = applyStatusEvent(r, observed(1, 0), 4)
    r = applyStatusEvent(r, attested(1, 2, 6), 5)
    r = applyStatusEvent(r, attested(1, 1, 9), 6)
    expect(r.status).toBe('attested')
    expect(r.seq).toBe(3)
    expect(r.stages).toEqual({ observed: at(0), attested: at(5) })
    expect(r.attestations).toEqual({ count: 2, threshold: 2 })
    expect(applyStatusEvent(r, attested(1, 2, 6), 7)).toEqual(r)
  })

  it('holds a failure until a retry is submitted, and delivered is final', () => {
    let r = applyStatusEvent(undefined, observed(1), 1)
    r = applyStatusEvent(r, failed(1, 'RATE_LIMITED'), 2)
    expect(r.status).toBe('failed')
    r = applyStatusEvent(r, attested(1, 2), 3)
    expect(r.status).toBe('failed')
    r = applyStatusEvent(r, submitted(1), 4)
    expect(r.status).toBe('submitted')
    r = applyStatusEvent(r, delivered(1), 5)
    r = applyStatusEvent(r, failed(1, 'RATE_LIMITED', 9), 6)
    expect(r.status).toBe('delivered')
    expect(r.delivery).toEqual({ chain: 'evm:2', txHash: TX, blockNumber: '20' })
  })

  it('reports a queued large transfer as queued', () => {
    expect(applyStatusEvent(undefined, failed(1, 'QUEUED_LARGE_TRANSFER'), 1).status).toBe('queued')
  })
})

describe('createMessageStore', () => {
  it('pages newest first with a cursor sequence and filters', () => {
    const s = createMessageStore(100)
    for (let n = 1; n <= 5; n++) s.apply(observed(n), n * 10)
    s.apply(delivered(2), 60)
    s.apply(delivered(4), 61)
    const p1 = s.list({}, 2)
    expect(p1.items.map((r) => r.id)).toEqual([id(5), id(4)])
    expect(p1.more).toBe(true)
    const p2 = s.list({}, 2, p1.items.at(-1)!.seq)
    expect(p2.items.map((r) => r.id)).toEqual([id(3), id(2)])
    const p3 = s.list({}, 2, p2.items.at(-1)!.seq)
    expect(p3).toEqual({ items: [expect.objectContaining({ id: id(1) })], more: false })
    expect(s.list({ status: 'delivered' }, 10).items.map((r) => r.id)).toEqual([id(4), id(2)])
    expect(s.list({ destination: 3 }, 10).items).toEqual([])
  })

  it('keeps at most maxMessages, dropping the oldest first', () => {
    const s = createMessageStore(100)
    for (let n = 1; n <= 10_000; n++) s.apply(observed(n), n)
    expect(s.size).toBe(100)
    expect(s.evicted).toBe(9_900)
    expect(s.get(id(9_900))).toBeUndefined()
    expect(s.get(id(9_901))?.nonce).toBe('9901')
    expect(s.list({}, 1_000).items).toHaveLength(100)
  })
})
