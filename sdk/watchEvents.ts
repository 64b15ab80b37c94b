import { defer, Observable, repeat, retry, timer } from 'rxjs'
import { ApiUnavailableError, IsthmusApiError, isRelayError } from '../errors.js'
import { createSseParser } from './createSseParser.js'
import { apiUrlOf, type FetchFn } from './requestJson.js'
import type { StatusEventJson, WatchEvent, WatchFilter } from './types.js'

export interface WatchEventsOptions {
  apiUrl: string
  fetch: FetchFn
  filter: WatchFilter
  /** First reconnection delay; doubles per failed attempt up to `maxReconnectDelayMs`. */
  reconnectDelayMs: number
  maxReconnectDelayMs: number
}

const queryOf = (f: WatchFilter): Record<string, string | number | undefined> => ({
  status: f.status,
  origin: f.origin,
  destination: f.destination,
  id: f.id,
  since: f.since,
  fromSeq: f.fromSeq === undefined ? undefined : String(f.fromSeq),
})

const isStatusEvent = (v: unknown): v is StatusEventJson =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { id?: unknown }).id === 'string' &&
  typeof (v as { status?: unknown }).status === 'string'

/** One SSE connection: emits its events and completes when the server ends the stream. */
const connectOnce$ = (o: WatchEventsOptions, lastSeq: () => string, onSeq: (s: string) => void) =>
  new Observable<WatchEvent>((sub) => {
    const abort = new AbortController()
    const seq = lastSeq()
    const url = apiUrlOf(o.apiUrl, '/v1/events', queryOf(seq ? { ...o.filter, fromSeq: undefined } : o.filter))
    ;(async () => {
      let res: Response
      try {
        res = await o.fetch(url, {
          headers: { accept: 'text/event-stream', ...(seq ? { 'last-event-id': seq } : {}) },
          signal: abort.signal,
        })
      } catch (cause) {
        throw new ApiUnavailableError({ url: o.apiUrl, detail: 'event stream connection failed', cause })
      }
      if (!res.ok) {
        const doc = (await res.json().catch(() => undefined)) as
          | { error?: { code?: unknown; message?: unknown; field?: unknown } }
          | undefined
        const e = doc?.error
        if (e && typeof e.code === 'string')
          throw new IsthmusApiError({
            status: res.status,
            apiCode: e.code,
            message: typeof e.message === 'string' ? e.message : '',
            ...(typeof e.field === 'string' ? { field: e.field } : {}),
          })
        throw new ApiUnavailableError({ url: o.apiUrl, detail: `event stream answered HTTP ${res.status}` })
      }
      if (!res.body) throw new ApiUnavailableError({ url: o.apiUrl, detail: 'event stream without a body' })
      const parser = createSseParser()
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        for (const m of parser.push(value)) {
          let data: unknown
          try {
            data = JSON.parse(m.data)
          } catch {
            continue // readers tolerate what they cannot parse (docs/events.md versioning)
          }
          if (m.id) onSeq(m.id)
          if (isStatusEvent(data)) sub.next({ seq: m.id, event: data })
        }
      }
      sub.complete()
    })().catch((e: unknown) => {
      if (abort.signal.aborted) return
      sub.error(
        isRelayError(e) ? e : new ApiUnavailableError({ url: o.apiUrl, detail: 'event stream broke', cause: e }),
      )
    })
    return () => abort.abort()
  })

/**
 * The API's status events matching `filter`, live, as a cold Observable. A dropped connection
 * (network error, 5xx, the server ending the stream) is reopened with `Last-Event-ID` = the last
 * sequence seen, so nothing is missed or repeated across reconnects; 4xx answers (a bad filter)
 * end it with an IsthmusApiError. Unsubscribe to close the connection.
 */
export const watchEvents$ = (o: WatchEventsOptions): Observable<WatchEvent> => {
  let lastSeq = ''
  let attempt = 0
  const backoff = () => timer(Math.min(o.maxReconnectDelayMs, o.reconnectDelayMs * 2 ** Math.min(attempt++, 16)))
  return defer(() =>
    connectOnce$(
      o,
      () => lastSeq,
      (s) => {
        lastSeq = s
        attempt = 0
      },
    ),
  ).pipe(
    repeat({ delay: backoff }),
    retry({
      delay: (e: unknown) => {
        if (e instanceof IsthmusApiError && !e.retryable) throw e
        return backoff()
      },
    }),
  )
}
