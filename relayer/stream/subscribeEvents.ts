import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import { defer, map, type Observable, repeat, retry, switchMap, timer } from 'rxjs'
import { isRelayError, type RelayError, WireFormatError } from '../../errors.js'
import { type AlertEvent, parseAlertEvent } from '../nats/alertEvents.js'
import { parseStatusEvent, type StatusEvent } from '../nats/events.js'
import { fromConsumer$ } from '../nats/fromConsumer.js'
import { STREAMS, SUBJECTS } from '../nats/subjects.js'
import { toRelayError } from '../nats/toRelayError.js'
import { backoffMs } from './backoffMs.js'
import { parseRouteHaltedEvent, type RouteHaltedEvent } from './routeEvents.js'

/** Which events to receive; every field narrows (unset = any). */
export interface EventFilter {
  /** Subject statuses: message statuses, `halted`, `alert`. */
  statuses?: readonly string[]
  origin?: number
  destination?: number
}

/** Where the replay starts: a stream sequence, a point in time, the whole stream, or only new events. */
export type EventStart = { seq: number } | { time: Date } | 'all' | 'new'

export interface SubscribeEventsOptions {
  js: JetStreamClient
  filter?: EventFilter
  /** Default `new`. */
  start?: EventStart
  /** Logs resubscriptions after NATS failures (optional). */
  log?: Logger
  retryBaseMs?: number
  retryMaxMs?: number
}

interface Stored {
  /** EVENTS stream sequence (the SSE `id:`, and what `start: { seq }` resumes from). */
  seq: number
  subject: string
  /** When the stream stored it. */
  storedAt: Date
}

/** One EVENTS stream message, parsed by its subject's status. */
export type StreamedEvent = Stored &
  (
    | { kind: 'status'; event: StatusEvent }
    | { kind: 'halted'; event: RouteHaltedEvent }
    | { kind: 'alert'; event: AlertEvent }
    /** A document that is not valid for its subject (readers must survive these). */
    | { kind: 'invalid'; error: RelayError }
  )

const TOKEN = /^[^\s.*>]+$/

/**
 * The subject filters of `f`: `isthmus.evt.<status|*>.<origin|*>.<destination|*>`, one per status.
 * Alerts scoped to no domain use `_` (docs/events.md "Alerts"), so an origin filter does not
 * select them.
 * @throws WireFormatError for a status that is not one subject token
 */
export const eventSubjectsOf = (f: EventFilter = {}): string[] => {
  const o = f.origin === undefined ? '*' : String(f.origin)
  const d = f.destination === undefined ? '*' : String(f.destination)
  const statuses = f.statuses && f.statuses.length > 0 ? [...new Set(f.statuses)] : ['*']
  for (const s of statuses)
    if (s !== '*' && !TOKEN.test(s))
      throw new WireFormatError({ kind: 'event filter', issues: [`status "${s}" is not a subject token`] })
  return statuses.map((s) => `${SUBJECTS.events}.${s}.${o}.${d}`)
}

/**
 * Parse one EVENTS message by the status its subject names.
 * @example
 * const e = parseStreamedEvent(7, 'isthmus.evt.delivered.1.2', bytes, new Date())
 */
export const parseStreamedEvent = (seq: number, subject: string, data: Uint8Array, storedAt: Date): StreamedEvent => {
  const base = { seq, subject, storedAt }
  const status = subject.split('.')[2]
  try {
    if (status === 'halted') return { ...base, kind: 'halted', event: parseRouteHaltedEvent(data) }
    if (status === 'alert') return { ...base, kind: 'alert', event: parseAlertEvent(data) }
    const event = parseStatusEvent(data)
    if (event.status !== status)
      throw new WireFormatError({ kind: 'status event', issues: [`status ${event.status} on subject ${subject}`] })
    return { ...base, kind: 'status', event }
  } catch (e) {
    return { ...base, kind: 'invalid', error: isRelayError(e) ? e : toRelayError(e, 'parse event') }
  }
}

const policyOf = (start: EventStart) => {
  if (start === 'all') return { deliver_policy: DeliverPolicy.All }
  if (start === 'new') return { deliver_policy: DeliverPolicy.New }
  if ('seq' in start) return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, start.seq) }
  return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() }
}

/**
 * The public event stream (docs/events.md) as a cold Observable: an ordered JetStream consumer on
 * `EVENTS` with the filter's subjects, replaying from `start` (a sequence, a time, `all`, or only
 * `new` events), then following live events forever. NATS failures resubscribe with backoff from
 * the sequence after the last event emitted, so nothing is skipped or repeated by a reconnect.
 * Unsubscribing stops the ephemeral consumer (the server drops it once inactive). Documents that
 * do not parse are emitted as `kind: 'invalid'` (never an error).
 * @example
 * subscribeEvents$({ js, filter: { statuses: ['delivered', 'failed'], origin: 1 }, start: { time: since } })
 *   .subscribe((e) => e.kind === 'status' && console.log(e.seq, e.event.status, e.event.id))
 */
export const subscribeEvents$ = (o: SubscribeEventsOptions): Observable<StreamedEvent> => {
  const subjects = eventSubjectsOf(o.filter)
  return defer(() => {
    let next: EventStart = o.start ?? 'new'
    const once$ = defer(async () => {
      try {
        return await o.js.consumers.get(STREAMS.events, { filter_subjects: subjects, ...policyOf(next) })
      } catch (e) {
        throw toRelayError(e, `ordered consumer ${STREAMS.events}`)
      }
    }).pipe(
      // Short pulls: a missed heartbeat (server restarted, consumer lost) is noticed within seconds.
      switchMap((c) => fromConsumer$(c, { expires: 5_000 })),
      map((m: JsMsg) => {
        next = { seq: m.seq + 1 }
        return parseStreamedEvent(m.seq, m.subject, m.data, m.time)
      }),
    )
    return once$.pipe(
      // An ended consume (closed by the client library) resumes too.
      repeat({ delay: () => timer(o.retryBaseMs ?? 200) }),
      retry({
        resetOnSuccess: true,
        delay: (err: unknown, attempt) => {
          o.log?.warn({ err, attempt }, 'event subscription failed, resubscribing')
          return timer(backoffMs(attempt, o.retryBaseMs ?? 200, o.retryMaxMs ?? 5_000))
        },
      }),
    )
  })
}
