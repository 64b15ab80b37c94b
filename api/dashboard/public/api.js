// The dashboard's access to the Isthmus HTTP API (api/README.md): JSON reads and the SSE stream.
// Paths are relative to the dashboard (`/dashboard/` -> `/v1/...`), so a path prefix in front of
// the API keeps working. Nothing here throws on an HTTP error: callers get `{ ok, status, body }`.

const BASE = new URL('../', window.location.href)

/** `path` (e.g. `v1/chains`) under the API root, with the given query parameters. */
export const apiUrl = (path, query = {}) => {
  const u = new URL(path, BASE)
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) u.searchParams.set(k, String(v))
  return u
}

/** GET a JSON document: `{ ok, status, body }`; a network failure is `{ ok: false, status: 0 }`. */
export const getJson = async (path, query) => {
  try {
    const r = await fetch(apiUrl(path, query), { headers: { accept: 'application/json' }, cache: 'no-store' })
    const body = await r.json().catch(() => undefined)
    return { ok: r.ok, status: r.status, body }
  } catch (e) {
    return { ok: false, status: 0, body: { error: { code: 'network', message: String(e?.message ?? e) } } }
  }
}

const SINCE_MARGIN_MS = 60_000
const EVENT_TYPES = [
  'observed',
  'verified',
  'attested',
  'certified',
  'submitted',
  'delivered',
  'failed',
  'retracted',
  'halted',
  'alert',
]

/**
 * Follow `/v1/events` (SSE). The browser's EventSource resumes by itself after a dropped connection,
 * sending `Last-Event-ID` (the EVENTS sequence of the last frame); when it gives up (an HTTP error
 * such as 503), this reopens it with `fromSeq` = last sequence + 1 after a capped backoff, so no
 * event is skipped. The first connection asks for the last minute (`since`), which also covers a drop
 * before any event arrived. `onEvent({ seq, type, data })`, `onState('live'|'reconnecting'|...)`.
 * Returns `{ close() }`.
 */
export const followEvents = ({ onEvent, onState }) => {
  let source
  let lastSeq
  let attempt = 0
  let timer
  let closed = false
  // Before the first event there is no Last-Event-ID: the stream starts a minute back in time (clock
  // skew margin; repeats are harmless), so a reconnect then replays from there rather than only new.
  const since = new Date(Date.now() - SINCE_MARGIN_MS).toISOString()
  const open = () => {
    if (closed) return
    const query = lastSeq === undefined ? { since } : { fromSeq: lastSeq + 1 }
    source = new EventSource(apiUrl('v1/events', query))
    onState(attempt === 0 && lastSeq === undefined ? 'connecting' : 'reconnecting')
    source.onopen = () => {
      attempt = 0
      onState('live')
    }
    const handle = (ev) => {
      const seq = Number(ev.lastEventId)
      if (Number.isSafeInteger(seq) && lastSeq !== undefined && seq <= lastSeq) return
      if (Number.isSafeInteger(seq)) lastSeq = seq
      let data
      try {
        data = JSON.parse(ev.data)
      } catch {
        return
      }
      onEvent({ seq, type: ev.type, data })
    }
    for (const t of EVENT_TYPES) source.addEventListener(t, handle)
    source.onerror = () => {
      if (closed) return
      if (source.readyState === EventSource.CONNECTING) return onState('reconnecting')
      // CLOSED: the browser will not retry; reopen after a backoff (1 s, 2 s, ... 15 s).
      source.close()
      attempt += 1
      onState('reconnecting')
      timer = setTimeout(open, Math.min(15_000, 1_000 * 2 ** Math.min(attempt - 1, 4)))
    }
  }
  open()
  return {
    close: () => {
      closed = true
      clearTimeout(timer)
      source?.close()
      onState('closed')
    },
    lastSeq: () => lastSeq,
  }
}
