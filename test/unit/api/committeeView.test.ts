import { createCommitteeView } from '../../../api/committeeView.js'
import type { IndexedStreamMessage } from '../../../api/index.js'
import type { Hex } from '../../../types.js'

const A = `0x${'a1'.repeat(20)}` as Hex
const B = `0x${'b2'.repeat(20)}` as Hex
const C = `0x${'c3'.repeat(20)}` as Hex
const D = `0x${'d4'.repeat(20)}` as Hex
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0)
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const enc = new TextEncoder()
let seq = 0
const stored = (subject: string, doc: unknown): IndexedStreamMessage => ({
  seq: ++seq,
  subject,
  data: enc.encode(JSON.stringify(doc)),
  storedAt: new Date(T0),
})
const attested = (signer: Hex, s: number, n = s) =>
  stored('isthmus.evt.attested.1.2', {
    v: 1,
    status: 'attested',
    id: `0x${n.toString(16).padStart(64, '0')}`,
    origin: 1,
    destination: 2,
    nonce: String(n),
    at: at(s),
    epoch: '1',
    count: 1,
    threshold: 2,
    signer,
  })
const alert = (kind: string, s: number, extra: Record<string, unknown> = {}) =>
  stored('isthmus.evt.alert._._', {
    v: 1,
    status: 'alert',
    alert: kind,
    severity: 'warning',
    detail: `${kind} at ${s}`,
    at: at(s),
    ...extra,
  })

const view = (nowS: number) =>
  createCommitteeView({
    committee: {
      epoch: 3n,
      threshold: 2,
      policy: 'majority',
      members: [
        { id: 'm-a', address: A, operatorId: 'op-a' },
        { id: 'm-b', address: B, operatorId: 'op-b' },
        { id: 'm-c', address: C, operatorId: 'op-c' },
      ],
      silentWindowMs: 60_000,
    },
    maxAlerts: 2,
    nowMs: () => T0 + nowS * 1000,
  })

describe('createCommitteeView', () => {
  it('reports each member’s last signature and count, silent members and the quorum headroom', () => {
    const v = view(120)
    for (const m of [attested(A, 0), attested(B, 0, 1), attested(A, 100), attested(D, 101)]) v.onEvent(m)
    const c = v.committee()
    expect(c).toMatchObject({ epoch: '3', threshold: 2, policy: 'majority', silentWindowMs: 60_000 })
    expect(c.members).toEqual([
      { id: 'm-a', address: A, operatorId: 'op-a', lastSignedAt: at(100), signatures: 2, silent: false },
      { id: 'm-b', address: B, operatorId: 'op-b', lastSignedAt: at(0), signatures: 1, silent: true },
      { id: 'm-c', address: C, operatorId: 'op-c', signatures: 0, silent: true },
    ])
    expect(c.otherSigners).toEqual([{ address: D, lastSignedAt: at(101), signatures: 1 }])
    expect(c.quorumHeadroom).toBe(-1)
  })

  it('calls nobody silent while nobody signs, and before others signed for a tenth of the window', () => {
    expect(
      view(1_000)
        .committee()
        .members.map((m) => m.silent),
    ).toEqual([false, false, false])
    expect(view(1_000).committee().quorumHeadroom).toBe(1)
    const v = view(102)
    v.onEvent(attested(A, 100))
    expect(v.committee().members.every((m) => !m.silent)).toBe(true)
  })

  it('keeps the newest alerts first, bounded, and ignores invalid documents and other statuses', () => {
    const v = view(10)
    v.onEvent(alert('member-silent', 1, { signer: B }))
    v.onEvent(stored('isthmus.evt.alert._._', { v: 1, status: 'alert', alert: 'no-such-kind' }))
    v.onEvent(stored('isthmus.evt.delivered.1.2', { nonsense: true }))
    v.onEvent(alert('reorg', 2, { chain: 'evm:1' }))
    v.onEvent(alert('message-stuck', 3, { origin: 1, destination: 2 }))
    const got = v.alerts(10)
    expect(got.map((a) => a.alert)).toEqual(['message-stuck', 'reorg'])
    expect(got[0]).toEqual({
      seq: expect.any(Number),
      alert: 'message-stuck',
      severity: 'warning',
      origin: 1,
      destination: 2,
      detail: 'message-stuck at 3',
      at: at(3),
    })
    expect(v.alerts(1)).toHaveLength(1)
  })

  it('lists a halted route as a critical route-halted alert', () => {
    const v = view(10)
    v.onEvent(
      stored('isthmus.evt.halted.1.2', {
        v: 1,
        status: 'halted',
        origin: 1,
        destination: 2,
        chain: 'evm:1',
        at: at(4),
        relayer: 'relayer-1',
        code: 'ENDPOINT_DISAGREEMENT',
        detail: 'endpoints disagree on block 7',
      }),
    )
    expect(v.alerts(5)).toEqual([
      {
        seq: expect.any(Number),
        alert: 'route-halted',
        severity: 'critical',
        origin: 1,
        destination: 2,
        chain: 'evm:1',
        detail: 'ENDPOINT_DISAGREEMENT: endpoints disagree on block 7',
        at: at(4),
        relayer: 'relayer-1',
      },
    ])
  })
})
