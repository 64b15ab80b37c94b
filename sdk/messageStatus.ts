import { catchError, EMPTY, exhaustMap, filter, from, map, merge, type Observable, takeWhile, timer } from 'rxjs'
import { IsthmusApiError } from '../errors.js'
import type { Hex, MessageView, StatusEventJson, StatusUpdate, WatchEvent } from './types.js'

export interface MessageStatusOptions {
  id: Hex
  /** The message's events from the SSE stream (filtered by id). */
  events$: Observable<WatchEvent>
  /** `GET /v1/messages/{id}`; a 404 means "not observed yet". */
  getMessage: (id: Hex) => Promise<MessageView>
  /** How often the message is polled besides the event stream (the fallback when SSE is down). */
  pollIntervalMs: number
}

// Failures the relay keeps retrying: the message may still be delivered.
const TRANSIENT_WAITS = new Set([
  'destination_paused',
  'rate_limited',
  'delivery_pending',
  'queued_large_transfer',
  'quorum',
  'finality',
])

/**
 * True for the last update of a message: `delivered`, `retracted`, or a `failed` the relay does
 * not retry (`retryable: false` on the event; on a polled view, no transient `waitingFor`).
 */
export const isTerminalUpdate = (u: StatusUpdate): boolean => {
  if (u.status === 'delivered' || u.status === 'retracted') return true
  if (u.status !== 'failed') return false
  if (u.event) return u.event.retryable !== true
  return !(u.message?.waitingFor && TRANSIENT_WAITS.has(u.message.waitingFor.code))
}

const fromEvent = (e: StatusEventJson): StatusUpdate => ({
  id: e.id,
  status: e.status,
  at: e.at,
  via: 'event',
  event: e,
})

const latestStageAt = (m: MessageView): string =>
  m.stages[m.status as keyof MessageView['stages']] ?? Object.values(m.stages).sort().at(-1) ?? new Date().toISOString()

const fromView = (m: MessageView): StatusUpdate => ({
  id: m.id as Hex,
  status: m.status,
  at: latestStageAt(m),
  via: 'poll',
  message: m,
})

// Pipeline order of the forward statuses. A poll answer can be older than an event already seen
// (the GET raced the SSE stream), so a poll never moves a message back along it.
const PIPELINE: readonly string[] = [
  'dispatched',
  'observed',
  'verified',
  'attested',
  'certified',
  'submitted',
  'delivered',
]
const rankOf = (status: string): number => PIPELINE.indexOf(status)
// `queued`, `failed` and `retracted` are off the pipeline: never behind.
const isBehind = (status: string, highest: number): boolean => rankOf(status) >= 0 && rankOf(status) < highest

/** Key of an update: repeats of one status change (several relayers, SSE and poll) are emitted once. */
const keyOf = (u: StatusUpdate): string =>
  u.event
    ? `${u.status}:${u.event.count ?? ''}:${u.event.txHash ?? ''}:${u.status === 'failed' ? u.event.at : ''}`
    : u.status

/**
 * A message's status updates until it is delivered or definitely failed (then completes): the SSE
 * events for its id merged with a poll of `GET /v1/messages/{id}`. If the event stream is
 * unavailable the poll alone carries it; a poll never repeats a status the stream already gave.
 */
export const messageStatus$ = (o: MessageStatusOptions): Observable<StatusUpdate> => {
  const seen = new Set<string>()
  const statuses = new Set<StatusUpdate['status']>()
  let highestRank = -1
  const events$ = o.events$.pipe(
    filter((w) => w.event.id.toLowerCase() === o.id.toLowerCase()),
    map((w) => fromEvent(w.event)),
    catchError(() => EMPTY),
  )
  const poll$ = timer(0, o.pollIntervalMs).pipe(
    exhaustMap(() =>
      from(o.getMessage(o.id)).pipe(
        catchError((e: unknown) => {
          if (e instanceof IsthmusApiError && e.status === 404) return EMPTY // not observed yet
          return EMPTY // API briefly unreachable: the next poll tries again
        }),
      ),
    ),
    map(fromView),
  )
  return merge(events$, poll$).pipe(
    filter((u) => {
      const key = keyOf(u)
      if (seen.has(key)) return false
      if (u.via === 'poll' && (statuses.has(u.status) || isBehind(u.status, highestRank))) return false
      seen.add(key)
      statuses.add(u.status)
      highestRank = Math.max(highestRank, rankOf(u.status))
      return true
    }),
    takeWhile((u) => !isTerminalUpdate(u), true),
  )
}
