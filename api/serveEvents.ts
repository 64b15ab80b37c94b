import type { ServerResponse } from 'node:http'
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import { STREAMS, SUBJECTS } from '../relayer/index.js'

export interface SseLimits {
  heartbeatMs: number
  /** Bytes a client may leave unread in its socket buffer before it is dropped. */
  maxBufferedBytes: number
  /** How long a client may stay unable to take more before it is dropped. */
  slowClientMs: number
}

/** Where a stream starts: after a sequence (Last-Event-ID / fromSeq), at a time, or only new events. */
export type SseStart = { seq: number } | { time: string } | 'new'

/** The part of the HTTP response SSE writes to. */
export type SseSink = Pick<
  ServerResponse,
  'write' | 'writeHead' | 'end' | 'destroy' | 'on' | 'off' | 'writableLength' | 'destroyed'
>

export interface ServeEventsOptions {
  js: JetStreamClient
  log: Logger
  res: SseSink
  /** Subject tokens; undefined = any. */
  status?: string
  origin?: number
  destination?: number
  id?: string
  start: SseStart
  limits: SseLimits
  /** Called once when the stream ends, with why. */
  onEnd?: (reason: 'client closed' | 'too slow' | 'error' | 'server closing') => void
  /** Resolves when the server shuts down (ends the stream). */
  closing: Promise<void>
}

const ENC = new TextDecoder()

const idOf = (text: string): string | undefined => {
  try {
    const v = JSON.parse(text) as { id?: unknown }
    return typeof v.id === 'string' ? v.id.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

/** One SSE frame: `id:` = stream sequence, `event:` = status, `data:` = the event JSON (one line per line). */
export const sseFrame = (seq: number, event: string, data: string): string =>
  `id: ${seq}\nevent: ${event}\n${data
    .split(/\r?\n/)
    .map((l) => `data: ${l}`)
    .join('\n')}\n\n`

/**
 * Stream EVENTS to one SSE client through its own JetStream ordered consumer (exact replay: no gap, no
 * duplicate across resumes). Back-pressure: the next message is pulled only once the socket took the
 * previous one; a client whose unread buffer exceeds `maxBufferedBytes`, or that does not drain within
 * `slowClientMs`, is dropped with a logged reason, so a slow reader never grows the server's memory.
 */
export const serveEvents = async (o: ServeEventsOptions): Promise<void> => {
  const { res } = o
  const log = o.log.child({ module: 'api-sse' })
  const subject = `${SUBJECTS.events}.${o.status ?? '*'}.${o.origin ?? '*'}.${o.destination ?? '*'}`
  const policy =
    o.start === 'new'
      ? { deliver_policy: DeliverPolicy.New }
      : 'seq' in o.start
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: o.start.seq }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: o.start.time }
  const consumer = await o.js.consumers.get(STREAMS.events, { filter_subjects: [subject], ...policy })
  const iter = await consumer.consume({ max_messages: 32 })
  let ended = false
  const end = (reason: 'client closed' | 'too slow' | 'error' | 'server closing') => {
    if (ended) return
    ended = true
    clearInterval(heartbeat)
    void iter.close()
    if (reason === 'too slow') log.warn({ reason, buffered: res.writableLength }, 'sse client dropped')
    else log.debug({ reason }, 'sse stream ended')
    if (!res.destroyed) res.end()
    if (reason === 'too slow') res.destroy()
    o.onEnd?.(reason)
  }
  res.on('close', () => end('client closed'))
  void o.closing.then(() => end('server closing'))
  const tooFull = () => res.writableLength > o.limits.maxBufferedBytes
  const heartbeat = setInterval(() => {
    if (tooFull()) return end('too slow')
    res.write(': heartbeat\n\n')
  }, o.limits.heartbeatMs)
  const drained = () =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => done(false), o.limits.slowClientMs)
      const done = (ok: boolean) => {
        clearTimeout(t)
        res.off('drain', onDrain)
        res.off('close', onClose)
        resolve(ok)
      }
      const onDrain = () => done(true)
      const onClose = () => done(false)
      res.on('drain', onDrain)
      res.on('close', onClose)
    })
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  res.write('retry: 2000\n: connected\n\n')
  try {
    for await (const m of iter) {
      if (ended) break
      const text = ENC.decode(m.data)
      if (o.id !== undefined && idOf(text) !== o.id) continue
      const status = m.subject.split('.')[2] ?? 'unknown'
      const isWritten = res.write(sseFrame(m.seq, status, text))
      if (tooFull()) {
        end('too slow')
        break
      }
      if (!isWritten && !(await drained())) {
        end(res.destroyed ? 'client closed' : 'too slow')
        break
      }
    }
  } catch (err) {
    if (!ended) log.warn({ err }, 'sse stream failed')
    end('error')
  }
}
