import type { Registry } from 'prom-client'
import { type Observable, Subject, type Subscription } from 'rxjs'
import type { Hex } from '../../types.js'
import { parseStreamedEvent, type StreamedEvent } from '../stream/subscribeEvents.js'
import { createRelayTracker, type RelayTracker, type RelayTrackerOptions } from './createRelayTracker.js'
import { metric } from './metricDefinitions.js'

export interface RelayMetricsOptions extends Partial<RelayTrackerOptions> {
  /** The clock of the stuck / silent gauges (default: the system clock). */
  nowMs?: () => number
  /** Routes whose SLA gauge is exported (`isthmus_route_sla_seconds`). */
  routes?: readonly { origin: number; destination: number }[]
}

export interface RelayMetrics {
  readonly tracker: RelayTracker
  /** Apply one event (what the subscription does; exposed for tests and custom feeds). */
  apply(e: StreamedEvent): void
  /** Stop following the events. */
  stop(): void
}

export const DEFAULT_SLA_SECONDS = 600
export const DEFAULT_SILENT_WINDOW_MS = 15 * 60_000

const s = (n: number) => String(n)

/**
 * Feed the relay-wide metrics (docs/metrics.md, scope "relay") from the public event stream:
 * messages per route and status, failures, retractions, per-stage latency from `observed`, pending
 * and stuck messages, per-member signatures and silence, quorum headroom, halts and alerts. The
 * gauges are computed when Prometheus scrapes. Any exporter can call it: the API server with
 * `subscribeEvents$({ js, start: 'all' })`, `isthmus start` with `start: 'new'`.
 * @example
 * const registry = new Registry()
 * const relay = registerRelayMetrics(registry, subscribeEvents$({ js, start: 'all' }), { slaSeconds: () => 300 })
 * // GET /metrics -> await registry.metrics(); on shutdown relay.stop()
 */
export const registerRelayMetrics = (
  registry: Registry,
  events$: Observable<StreamedEvent>,
  o: RelayMetricsOptions = {},
): RelayMetrics => {
  const nowMs = o.nowMs ?? Date.now
  const slaSeconds = o.slaSeconds ?? (() => DEFAULT_SLA_SECONDS)
  const tracker = createRelayTracker({
    slaSeconds,
    silentWindowMs: o.silentWindowMs ?? DEFAULT_SILENT_WINDOW_MS,
    ...(o.committee ? { committee: o.committee } : {}),
    ...(o.maxTracked ? { maxTracked: o.maxTracked } : {}),
  })
  const messages = metric(registry, 'isthmus_messages_total')
  const failures = metric(registry, 'isthmus_message_failures_total')
  const retractions = metric(registry, 'isthmus_retractions_total')
  const latency = metric(registry, 'isthmus_stage_latency_seconds')
  const signatures = metric(registry, 'isthmus_signatures_total')
  const halted = metric(registry, 'isthmus_route_halted_total')
  const alerts = metric(registry, 'isthmus_alerts_total')
  const invalid = metric(registry, 'isthmus_events_invalid_total')
  // Gauges are derived at scrape time from the tracker (no timers), once per scrape.
  let refreshedAt = -1
  const collect = () => {
    const now = nowMs()
    if (now - refreshedAt < 250) return
    refreshedAt = now
    refresh(now)
  }
  const pending = metric(registry, 'isthmus_messages_pending', collect)
  const stuck = metric(registry, 'isthmus_messages_stuck', collect)
  const sla = metric(registry, 'isthmus_route_sla_seconds')
  const lastSig = metric(registry, 'isthmus_signer_last_signature_timestamp_seconds', collect)
  const silent = metric(registry, 'isthmus_committee_member_silent', collect)
  const headroom = metric(registry, 'isthmus_quorum_headroom', collect)
  invalid.inc(0)
  for (const r of o.routes ?? [])
    sla.set({ origin: s(r.origin), destination: s(r.destination) }, slaSeconds(r.origin, r.destination))

  function refresh(now: number) {
    const stuckBy = new Map<string, number>()
    for (const m of tracker.stuck(now)) {
      const k = `${m.origin}.${m.destination}`
      stuckBy.set(k, (stuckBy.get(k) ?? 0) + 1)
    }
    for (const [k, n] of tracker.pendingByRoute()) {
      const [origin = '', destination = ''] = k.split('.')
      pending.set({ origin, destination }, n)
      stuck.set({ origin, destination }, stuckBy.get(k) ?? 0)
    }
    for (const [signer, t] of tracker.lastSignatures()) lastSig.set({ signer }, t / 1000)
    const silentNow = new Set(tracker.silentMembers(now))
    const all = new Set([
      ...(o.committee?.members ?? []).map((m) => m.toLowerCase() as Hex),
      ...tracker.lastSignatures().keys(),
    ])
    for (const signer of all) silent.set({ signer }, silentNow.has(signer) ? 1 : 0)
    const h = tracker.quorumHeadroom(now)
    if (h !== undefined) headroom.set(h)
  }

  const apply = (x: StreamedEvent) => {
    if (x.kind === 'invalid') return void invalid.inc()
    if (x.kind === 'alert') return void alerts.inc({ alert: x.event.alert, severity: x.event.severity })
    if (x.kind === 'halted') {
      const e = x.event
      return void halted.inc({ origin: s(e.origin), destination: s(e.destination), code: e.code })
    }
    const e = x.event
    const route = { origin: s(e.origin), destination: s(e.destination) }
    const ch = tracker.apply(e)
    if (ch.firstOfStatus) messages.inc({ ...route, status: e.status })
    if (ch.latencySeconds !== undefined) latency.observe({ ...route, stage: e.status }, ch.latencySeconds)
    if (e.status === 'failed') failures.inc({ ...route, reason: e.reason })
    if (e.status === 'retracted' && ch.firstOfStatus) retractions.inc({ ...route, reason: e.reason })
    if (e.status === 'attested') signatures.inc({ destination: route.destination, signer: e.signer })
  }
  const sub: Subscription = events$.subscribe({ next: apply })
  return { tracker, apply, stop: () => sub.unsubscribe() }
}

/** One EVENTS message as a consumer saw it (the API's event index hands these to its hook). */
export interface RawStreamMessage {
  seq: number
  subject: string
  data: Uint8Array
  storedAt: Date
}

export interface RelayMetricsFeed {
  readonly metrics: RelayMetrics
  /** Hand one EVENTS message to the relay metrics (e.g. the API's `onIndexEvent`). */
  onEvent(m: RawStreamMessage): void
  stop(): void
}

/**
 * `registerRelayMetrics` for an exporter that already consumes the EVENTS stream (the API's event
 * index): no second consumer, the messages are handed over one by one.
 * @example
 * const feed = createRelayMetricsFeed(registry, { slaSeconds: () => 600 })
 * await createApiServer({ ..., registry, onIndexEvent: feed.onEvent })
 */
export const createRelayMetricsFeed = (registry: Registry, o: RelayMetricsOptions = {}): RelayMetricsFeed => {
  const events = new Subject<StreamedEvent>()
  const metrics = registerRelayMetrics(registry, events.asObservable(), o)
  return {
    metrics,
    onEvent: (m) => events.next(parseStreamedEvent(m.seq, m.subject, m.data, m.storedAt)),
    stop: () => {
      metrics.stop()
      events.complete()
    },
  }
}
