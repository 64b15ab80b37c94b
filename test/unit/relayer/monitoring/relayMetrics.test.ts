import { Registry } from 'prom-client'
import { Subject } from 'rxjs'
import {
  createAlert,
  METRIC_DEFINITIONS,
  METRIC_NAMES,
  metric,
  parseStreamedEvent,
  registerRelayMetrics,
  type StatusEvent,
  type StreamedEvent,
} from '../../../../relayer/index.js'
import type { Hex } from '../../../../types.js'

const T0 = Date.parse('2026-11-21T15:40:00.000Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const SIGNERS = [1, 2, 3].map((n) => `0x${String(n).repeat(40)}` as Hex)
const base = (n: number) => ({ v: 1 as const, id: id(n), origin: 1, destination: 2, nonce: BigInt(n) })
let seq = 0
const wrap = (event: StatusEvent): StreamedEvent => ({
  seq: ++seq,
  subject: `isthmus.evt.${event.status}.1.2`,
  storedAt: new Date(event.at),
  kind: 'status',
  event,
})
const observed = (n: number, s: number) =>
  wrap({
    ...base(n),
    status: 'observed',
    at: at(s),
    source: { chain: 'evm:31337', blockNumber: 5n, blockHash: id(99), txHash: id(98), logIndex: 0 },
  })
const attested = (n: number, s: number, signer: Hex, count: number) =>
  wrap({ ...base(n), status: 'attested', at: at(s), epoch: 1n, count, threshold: 2, signer })
const delivered = (n: number, s: number) =>
  wrap({ ...base(n), status: 'delivered', at: at(s), chain: 'evm:31338', txHash: id(97), blockNumber: 7n })

const sampleOf = async (r: Registry, name: string, labels: Record<string, string> = {}) => {
  const m = (await r.getMetricsAsJSON()).find((x) => x.name === name)
  const v = (m?.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]) ?? []
  return v.find((x) => Object.entries(labels).every(([k, want]) => String(x.labels[k]) === want))?.value
}

describe('metric definitions', () => {
  it('names every metric isthmus_*, counters *_total, histograms with buckets, and creates each once per registry', () => {
    for (const n of METRIC_NAMES) {
      expect(n).toMatch(/^isthmus_[a-z0-9_]+$/)
      const d = METRIC_DEFINITIONS[n]
      if (d.type === 'counter') expect(n).toMatch(/_total$/)
      if (d.type === 'histogram') expect('buckets' in d).toBe(true)
    }
    const r = new Registry()
    for (const n of METRIC_NAMES) expect(metric(r, n)).toBe(metric(r, n))
    expect(
      r
        .getMetricsAsArray()
        .map((m) => m.name)
        .sort(),
    ).toEqual([...METRIC_NAMES].sort())
  })
})

describe('registerRelayMetrics (from the event stream)', () => {
  const setup = (nowS: number) => {
    const r = new Registry()
    const events = new Subject<StreamedEvent>()
    const relay = registerRelayMetrics(r, events, {
      nowMs: () => T0 + nowS * 1000,
      slaSeconds: () => 60,
      silentWindowMs: 100_000,
      committee: { members: SIGNERS, threshold: 2 },
      routes: [{ origin: 1, destination: 2 }],
    })
    return { r, events, relay }
  }

  it('counts messages per route and status once per id, stage latency from observed, pending and stuck', async () => {
    const { r, events, relay } = setup(120)
    for (const e of [
      observed(1, 0),
      observed(1, 0), // a repeat (at-least-once events)
      attested(1, 1, SIGNERS[0]!, 1),
      attested(1, 2, SIGNERS[1]!, 2),
      delivered(1, 6),
      observed(2, 10), // pending, and older than the 60 s SLA at t=120
      observed(3, 100), // pending, within the SLA
    ])
      events.next(e)
    const route = { origin: '1', destination: '2' }
    expect(await sampleOf(r, 'isthmus_messages_total', { ...route, status: 'observed' })).toBe(3)
    expect(await sampleOf(r, 'isthmus_messages_total', { ...route, status: 'attested' })).toBe(1)
    expect(await sampleOf(r, 'isthmus_messages_total', { ...route, status: 'delivered' })).toBe(1)
    expect(await sampleOf(r, 'isthmus_signatures_total', { destination: '2', signer: SIGNERS[1]! })).toBe(1)
    expect(await sampleOf(r, 'isthmus_messages_pending', route)).toBe(2)
    expect(await sampleOf(r, 'isthmus_messages_stuck', route)).toBe(1)
    expect(await sampleOf(r, 'isthmus_route_sla_seconds', route)).toBe(60)
    const text = await r.metrics()
    expect(text).toContain('isthmus_stage_latency_seconds_sum{origin="1",destination="2",stage="delivered"} 6')
    expect(text).toContain('isthmus_stage_latency_seconds_bucket{le="1",origin="1",destination="2",stage="attested"} 1')
    relay.stop()
  })

  it('tracks signing health: a member silent in the window while others sign, and the quorum headroom', async () => {
    const { r, events } = setup(150)
    events.next(attested(1, 100, SIGNERS[0]!, 1))
    events.next(attested(1, 101, SIGNERS[1]!, 2))
    events.next(attested(2, 10, SIGNERS[2]!, 1)) // long before the window
    expect(await sampleOf(r, 'isthmus_committee_member_silent', { signer: SIGNERS[2]! })).toBe(1)
    expect(await sampleOf(r, 'isthmus_committee_member_silent', { signer: SIGNERS[0]! })).toBe(0)
    expect(await sampleOf(r, 'isthmus_quorum_headroom')).toBe(0)
    expect(await sampleOf(r, 'isthmus_signer_last_signature_timestamp_seconds', { signer: SIGNERS[1]! })).toBe(
      (T0 + 101_000) / 1000,
    )
  })

  it('does not call a member silent while a fresh burst of signing is younger than a tenth of the window', async () => {
    const { r, events } = setup(105)
    events.next(attested(1, 100, SIGNERS[0]!, 1))
    events.next(attested(1, 101, SIGNERS[1]!, 2))
    expect(await sampleOf(r, 'isthmus_committee_member_silent', { signer: SIGNERS[2]! })).toBe(0)
    expect(await sampleOf(r, 'isthmus_quorum_headroom')).toBe(1)
  })

  it('counts failures by reason, retractions, halts, alerts and unparseable documents', async () => {
    const { r, events } = setup(0)
    events.next(wrap({ ...base(4), status: 'failed', at: at(1), reason: 'RATE_LIMITED', retryable: true }))
    events.next(wrap({ ...base(4), status: 'failed', at: at(2), reason: 'RATE_LIMITED', retryable: true }))
    events.next(wrap({ ...base(5), status: 'retracted', at: at(2), reason: 'REORG' }))
    const enc = new TextEncoder()
    events.next(
      parseStreamedEvent(
        90,
        'isthmus.evt.halted.1.2',
        enc.encode(
          JSON.stringify({
            v: 1,
            status: 'halted',
            origin: 1,
            destination: 2,
            chain: 'evm:31337',
            at: at(3),
            relayer: 'relayer-1',
            code: 'ENDPOINT_DISAGREEMENT',
            detail: 'x',
          }),
        ),
        new Date(),
      ),
    )
    const alert = createAlert({ alert: 'message-stuck', detail: 'x', at: new Date(T0) })
    events.next(parseStreamedEvent(91, 'isthmus.evt.alert._._', enc.encode(JSON.stringify(alert)), new Date()))
    events.next(parseStreamedEvent(92, 'isthmus.evt.delivered.1.2', enc.encode('{"v":1}'), new Date()))
    const route = { origin: '1', destination: '2' }
    expect(await sampleOf(r, 'isthmus_message_failures_total', { ...route, reason: 'RATE_LIMITED' })).toBe(2)
    expect(await sampleOf(r, 'isthmus_messages_total', { ...route, status: 'failed' })).toBe(1)
    expect(await sampleOf(r, 'isthmus_retractions_total', { ...route, reason: 'REORG' })).toBe(1)
    expect(await sampleOf(r, 'isthmus_route_halted_total', { ...route, code: 'ENDPOINT_DISAGREEMENT' })).toBe(1)
    expect(await sampleOf(r, 'isthmus_alerts_total', { alert: 'message-stuck', severity: 'warning' })).toBe(1)
    expect(await sampleOf(r, 'isthmus_events_invalid_total')).toBe(1)
    // A retracted message is no longer pending; a retryable failure still is.
    expect(await sampleOf(r, 'isthmus_messages_pending', route)).toBe(1)
  })
})
