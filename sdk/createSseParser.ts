/** One dispatched Server-Sent Event (WHATWG HTML "event stream interpretation"). */
export interface SseMessage {
  /** The `id:` of this event, or the last one seen before it ('' when none). */
  id: string
  /** The `event:` field, 'message' when absent. */
  event: string
  /** The `data:` lines joined with '\n'. */
  data: string
  /** A `retry:` field (reconnection delay in ms) that came with this event. */
  retryMs?: number
}

/** An incremental SSE parser: feed decoded text in arbitrary chunks, get whole events. */
export interface SseParser {
  /** Parse one chunk; returns the events it completed (possibly none). */
  push(chunk: string): SseMessage[]
  /** The last event id seen (for `Last-Event-ID` on reconnect). */
  lastEventId(): string
}

/**
 * Create an SSE parser. Handles `\n`, `\r\n` and `\r` line ends (also split across chunks),
 * comment lines (`:` heartbeats), multi-line `data:`, `id:` persistence and `retry:`. An event is
 * dispatched only at its blank line, so a stream cut mid-event never yields half an event.
 * @example
 * const p = createSseParser()
 * p.push('id: 7\nevent: delivered\nda')
 * p.push('ta: {"id":"0x…"}\n\n') // → [{ id: '7', event: 'delivered', data: '{"id":"0x…"}' }]
 */
export const createSseParser = (): SseParser => {
  let buffer = ''
  let pendingCr = false
  let lastId = ''
  let event = ''
  let data: string[] = []
  let retryMs: number | undefined
  let isFirstLine = true

  const line = (l: string, out: SseMessage[]) => {
    if (isFirstLine) {
      isFirstLine = false
      if (l.startsWith('\uFEFF')) l = l.slice(1)
    }
    if (l === '') {
      if (data.length > 0) {
        out.push({
          id: lastId,
          event: event || 'message',
          data: data.join('\n'),
          ...(retryMs === undefined ? {} : { retryMs }),
        })
      }
      event = ''
      data = []
      retryMs = undefined
      return
    }
    if (l.startsWith(':')) return
    const colon = l.indexOf(':')
    const field = colon === -1 ? l : l.slice(0, colon)
    let value = colon === -1 ? '' : l.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
    else if (field === 'id' && !value.includes('\0')) lastId = value
    else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value)
  }

  return {
    push: (chunk) => {
      const out: SseMessage[] = []
      let text = chunk
      // A '\r' ending the previous chunk was a line end; a '\n' right after it belongs to it.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1)
      pendingCr = false
      buffer += text
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i]
        if (c !== '\n' && c !== '\r') continue
        line(buffer.slice(start, i), out)
        if (c === '\r') {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === '\n') i++
          } else pendingCr = true
        }
        start = i + 1
      }
      buffer = buffer.slice(start)
      return out
    },
    lastEventId: () => lastId,
  }
}
