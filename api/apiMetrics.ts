import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { EventIndex } from './eventIndex.js'

export interface ApiMetrics {
  readonly registry: Registry
  observeRequest(method: string, route: string, status: number, seconds: number): void
  sseOpened(): void
  sseClosed(reason: string): void
}

/**
 * The API's own metrics on `registry` (a new one with the default process metrics when none is
 * given): request durations per route and status, SSE clients and drops, and the event index.
 */
export const createApiMetrics = (index: EventIndex, given?: Registry): ApiMetrics => {
  const registry = given ?? new Registry()
  if (!given) collectDefaultMetrics({ register: registry })
  const requests = new Histogram({
    name: 'isthmus_api_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const sse = new Gauge({ name: 'isthmus_api_sse_clients', help: 'Open SSE streams', registers: [registry] })
  const sseEnded = new Counter({
    name: 'isthmus_api_sse_streams_ended_total',
    help: 'SSE streams ended, by reason (client closed, too slow, error, server closing)',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  new Gauge({
    name: 'isthmus_api_index_messages',
    help: 'Messages held by the in-memory event index',
    registers: [registry],
    collect() {
      this.set(index.stats().messages)
    },
  })
  new Gauge({
    name: 'isthmus_api_index_last_sequence',
    help: 'Last EVENTS stream sequence the index consumed',
    registers: [registry],
    collect() {
      this.set(index.stats().lastSeq)
    },
  })
  return {
    registry,
    observeRequest: (method, route, status, seconds) =>
      requests.observe({ method, route, status: String(status) }, seconds),
    sseOpened: () => sse.inc(),
    sseClosed: (reason) => {
      sse.dec()
      sseEnded.inc({ reason })
    },
  }
}
