// A minimal Server-Sent Events reader over fetch for API tests: frames in order, bounded waits.
import { WaitTimeoutError } from '../../errors.js'

export interface SseEvent {
  id?: string
  event?: string
  data: string
}

export interface SseReader {
  readonly status: number
  readonly contentType: string | null
  /** The next event (comments and heartbeats skipped). @throws WaitTimeoutError after `timeoutMs` */
  next(timeoutMs: number): Promise<SseEvent>
  /** Events until `stop` returns true for one (included). @throws WaitTimeoutError */
  until(stop: (e: SseEvent) => boolean, timeoutMs: number): Promise<SseEvent[]>
  close(): void
}

const parseFrame = (frame: string): SseEvent | undefined => {
  const e: SseEvent = { data: '' }
  const data: string[] = []
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const i = line.indexOf(':')
    const field = i < 0 ? line : line.slice(0, i)
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
    if (field === 'data') data.push(value)
    else if (field === 'id') e.id = value
    else if (field === 'event') e.event = value
  }
  if (data.length === 0) return undefined
  e.data = data.join('\n')
  return e
}

/** Open `url` as an event stream (headers e.g. Last-Event-ID). */
export const openSse = async (url: string, headers: Record<string, string> = {}): Promise<SseReader> => {
  const ac = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal })
  const reader = res.body?.getReader()
  const dec = new TextDecoder()
  let buf = ''
  const queue: SseEvent[] = []
  // One read in flight at a time; a read that lost a race to the timeout is reused by the next pull.
  let pending: ReturnType<NonNullable<typeof reader>['read']> | undefined
  const pull = async (deadline: number): Promise<void> => {
    if (!reader) throw new WaitTimeoutError({ what: 'an SSE body', timeoutMs: 0 })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), Math.max(0, deadline - Date.now()))
    })
    if (!pending) {
      pending = reader.read()
      pending.catch(() => {})
    }
    const r = await Promise.race([pending, timeout])
    clearTimeout(timer)
    if (r !== 'timeout') pending = undefined
    if (r === 'timeout' || r.done) throw new WaitTimeoutError({ what: 'the next SSE event', timeoutMs: 0 })
    buf += dec.decode(r.value, { stream: true })
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const e = parseFrame(buf.slice(0, i))
      buf = buf.slice(i + 2)
      if (e) queue.push(e)
    }
  }
  const next = async (timeoutMs: number): Promise<SseEvent> => {
    const deadline = Date.now() + timeoutMs
    while (queue.length === 0) await pull(deadline)
    return queue.shift()!
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    next,
    until: async (stop, timeoutMs) => {
      const deadline = Date.now() + timeoutMs
      const out: SseEvent[] = []
      for (;;) {
        const e = await next(Math.max(1, deadline - Date.now()))
        out.push(e)
        if (stop(e)) return out
      }
    },
    close: () => ac.abort(),
  }
}
