import {
  addressToBytes32,
  bytesToHex,
  encodeMessage,
  encodeTokenTransferBody,
  messageId,
} from '../../../protocol/index.js'
import { createQueuedTransfers, type MessageRecord } from '../../../relayer/index.js'
import type { Hex, Message } from '../../../types.js'

const message = (nonce: bigint, destination = 2): Message => ({
  version: 1,
  nonce,
  origin: 1,
  sender: addressToBytes32(`0x${'a'.repeat(40)}`),
  destination,
  recipient: addressToBytes32(`0x${'c'.repeat(40)}`),
  body: encodeTokenTransferBody({
    asset: `0x${'0a'.repeat(32)}`,
    amount: 10n ** 21n,
    beneficiary: addressToBytes32(`0x${'c'.repeat(40)}`),
  }),
})

const recordOf = (
  nonce: bigint,
  o: { status?: MessageRecord['status']; destination?: number; releaseAt?: bigint; detail?: string } = {},
): MessageRecord => {
  const m = message(nonce, o.destination)
  return {
    v: 1,
    id: messageId(m),
    origin: 1,
    destination: m.destination,
    nonce,
    message: bytesToHex(encodeMessage(m)),
    status: o.status ?? 'queued',
    epoch: 1n,
    threshold: 2,
    attestations: {},
    stages: {},
    updatedAt: new Date(0).toISOString(),
    delivery: {
      chain: 'evm:2',
      relayer: 'relayer-1',
      ...(o.releaseAt !== undefined ? { releaseAt: o.releaseAt } : {}),
      ...(o.detail ? { detail: o.detail } : {}),
    },
  }
}

describe('createQueuedTransfers', () => {
  it("tracks only this destination's queued records and forgets them when they move on", () => {
    const q = createQueuedTransfers(2)
    const a = recordOf(1n, { releaseAt: 1_000n })
    expect(q.apply(a.id, a)).toBe(true)
    expect(q.apply(a.id, a)).toBe(false) // already tracked
    const other = recordOf(2n, { destination: 3 })
    q.apply(other.id, other)
    const certified = recordOf(3n, { status: 'certified' })
    q.apply(certified.id, certified)
    expect(q.size).toBe(1)
    q.apply(a.id, { ...a, status: 'delivered' })
    expect(q.size).toBe(0)
    q.apply(a.id, a)
    q.apply(a.id, undefined) // deleted
    expect(q.size).toBe(0)
  })

  it('is due only once chain time reaches releaseAt (never by local time), earliest first, at most max', () => {
    const q = createQueuedTransfers(2)
    const late = recordOf(1n, { releaseAt: 2_000n })
    const early = recordOf(2n, { releaseAt: 1_000n })
    const legacy = recordOf(3n, { detail: 'releaseAt=1500' })
    for (const r of [late, early, legacy]) q.apply(r.id, r)
    expect(q.due(999n, Number.MAX_SAFE_INTEGER, 10)).toEqual([])
    expect(q.due(1_000n, 0, 10).map((x) => x.id)).toEqual([early.id])
    expect(q.due(1_999n, 0, 10).map((x) => x.id)).toEqual([early.id, legacy.id])
    expect(q.due(2_000n, 0, 2).map((x) => x.id)).toEqual([early.id, legacy.id])
    expect(q.get(legacy.id)?.releaseAt).toBe(1_500n)
  })

  it('tries a transfer with an unknown release time at once (the destination answers when), and respects backoff', () => {
    const q = createQueuedTransfers(2)
    const r = recordOf(4n)
    q.apply(r.id, r)
    const [t] = q.due(0n, 0, 10)
    expect(t?.releaseAt).toBeUndefined()
    t!.notBeforeMs = 5_000
    expect(q.due(0n, 4_999, 10)).toEqual([])
    expect(q.due(0n, 5_000, 10)).toHaveLength(1)
    // A later record change keeps the backoff and the learnt release time.
    t!.releaseAt = 77n
    q.apply(r.id, { ...r, updatedAt: new Date(1).toISOString() })
    expect(q.get(r.id)).toMatchObject({ notBeforeMs: 5_000, releaseAt: 77n })
  })

  it('tracks at most maxTracked transfers', () => {
    const q = createQueuedTransfers(2, 2)
    for (const n of [1n, 2n, 3n]) {
      const r = recordOf(n)
      q.apply(r.id, r)
    }
    expect(q.size).toBe(2)
    expect(q.get(recordOf(3n).id as Hex)).toBeUndefined()
  })
})
