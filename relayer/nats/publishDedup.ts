import type { JetStreamClient } from '@nats-io/jetstream'
import type { MsgHdrs } from '@nats-io/transport-node'
import { defer, lastValueFrom, retry, throwError, timer } from 'rxjs'
import { toRelayError } from './toRelayError.js'

export interface PublishDedupOptions {
  /** Per-attempt wait for the PubAck. */
  timeoutMs?: number
  /** Total attempts, including the first (bounded: a caller above decides what happens next). */
  attempts?: number
  /** Backoff between attempts: `min(baseDelayMs * 2^i, maxDelayMs)`. */
  baseDelayMs?: number
  maxDelayMs?: number
  headers?: MsgHdrs
}

export interface PublishDedupResult {
  stream: string
  seq: number
  /** True when JetStream already held this `Nats-Msg-Id`: an earlier attempt was stored (F-15). */
  duplicate: boolean
  attempts: number
}

/**
 * Publish to JetStream with `Nats-Msg-Id = msgId`, retrying timeouts and "no responders" with the
 * SAME id: when a PubAck was lost the retry lands in the duplicate window and is stored once, and
 * the result says `duplicate: true` (RELIABILITY.md F-13, F-15). Other errors are not retried.
 * @throws NatsTimeoutError / NatsUnavailableError after the last attempt
 * @throws NatsApiError when JetStream refuses the message (no stream for the subject, ...)
 * @example
 * const r = await publishDedup(js, attestationSubject(dest, id, relayer), bytes, `${relayer}:${id}`)
 */
export const publishDedup = async (
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  msgId: string,
  o: PublishDedupOptions = {},
): Promise<PublishDedupResult> => {
  const base = o.baseDelayMs ?? 200
  const max = o.maxDelayMs ?? 5_000
  let attempts = 0
  const once$ = defer(async () => {
    attempts++
    try {
      const ack = await js.publish(subject, data, {
        msgID: msgId,
        timeout: o.timeoutMs ?? 5_000,
        ...(o.headers ? { headers: o.headers } : {}),
      })
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, attempts }
    } catch (e) {
      throw toRelayError(e, `publish ${subject}`)
    }
  })
  return lastValueFrom(
    once$.pipe(
      retry({
        count: Math.max(0, (o.attempts ?? 8) - 1),
        delay: (err: { retryable?: boolean }, i) =>
          err.retryable ? timer(Math.min(base * 2 ** (i - 1), max)) : throwError(() => err),
      }),
    ),
  )
}
