import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import { isRelayError, type RelayError } from '../../errors.js'
import { type PublishDedupResult, publishDedup } from './publishDedup.js'
import { deadLetterSubject } from './subjects.js'
import { toRelayError } from './toRelayError.js'

export interface SettleContext {
  js: JetStreamClient
  log: Logger
  /** The consumer's MaxDeliver: a retryable failure on the last delivery is dead-lettered (F-18). */
  maxDeliver: number
  /** nak delay by delivery count (1-based, the last entry repeats). */
  retryDelaysMs?: readonly number[]
}

export type SettleOutcome =
  | { kind: 'acked' }
  | { kind: 'nakked'; delayMs: number; err: RelayError }
  | { kind: 'termed'; err: RelayError; deadLetter: PublishDedupResult | undefined }

const DEFAULT_DELAYS_MS = [1_000, 5_000, 15_000, 60_000]

/** Headers a dead letter carries so an operator can find and replay the original. */
export const DEAD_LETTER_HEADERS = {
  reason: 'Isthmus-Dlq-Reason',
  code: 'Isthmus-Dlq-Code',
  stream: 'Isthmus-Dlq-Stream',
  seq: 'Isthmus-Dlq-Seq',
  subject: 'Isthmus-Dlq-Subject',
  deliveries: 'Isthmus-Dlq-Deliveries',
} as const

/**
 * Copy `m` to `isthmus.dlq.<original subject minus "isthmus.">` with headers naming why and from
 * where. Deduplicated on `dlq:<stream>:<seq>`, so a crash between this and `term` does not copy twice.
 * @throws RelayError when the copy cannot be stored
 */
export const publishDeadLetter = (js: JetStreamClient, m: JsMsg, err: RelayError): Promise<PublishDedupResult> => {
  const h = headers()
  h.set(DEAD_LETTER_HEADERS.reason, err.message.split('\n')[0] ?? err.code)
  h.set(DEAD_LETTER_HEADERS.code, err.code)
  h.set(DEAD_LETTER_HEADERS.stream, m.info.stream)
  h.set(DEAD_LETTER_HEADERS.seq, String(m.info.streamSequence))
  h.set(DEAD_LETTER_HEADERS.subject, m.subject)
  h.set(DEAD_LETTER_HEADERS.deliveries, String(m.info.deliveryCount))
  return publishDedup(js, deadLetterSubject(m.subject), m.data, `dlq:${m.info.stream}:${m.info.streamSequence}`, {
    headers: h,
    attempts: 4,
  })
}

/**
 * Settle a message whose handling failed: `nak(delay)` while the error is retryable and deliveries
 * remain (redelivery is the durable retry queue); otherwise copy it to the dead-letter stream,
 * `term(reason)` it and log an alert at error level. A failing message never ends its pipeline.
 */
export const settleFailed = async (m: JsMsg, e: unknown, ctx: SettleContext): Promise<SettleOutcome> => {
  const err = isRelayError(e) ? e : toRelayError(e, 'handle')
  const attempt = m.info.deliveryCount
  const where = { subject: m.subject, stream: m.info.stream, seq: m.info.streamSequence, attempt }
  if (err.retryable && attempt < ctx.maxDeliver) {
    const delays = ctx.retryDelaysMs ?? DEFAULT_DELAYS_MS
    const delayMs = delays[Math.min(attempt, delays.length) - 1] ?? 0
    ctx.log.warn({ err, ...where, delayMs }, 'message failed, will retry')
    m.nak(delayMs)
    return { kind: 'nakked', delayMs, err }
  }
  let deadLetter: PublishDedupResult | undefined
  try {
    deadLetter = await publishDeadLetter(ctx.js, m, err)
  } catch (dlqErr) {
    // Terminating without a copy would lose the message: leave it to redelivery instead.
    const delayMs = (ctx.retryDelaysMs ?? DEFAULT_DELAYS_MS).at(-1) ?? 0
    ctx.log.error({ err: dlqErr, cause: err, ...where }, 'ALERT dead-letter copy failed, message left for redelivery')
    m.nak(delayMs)
    return { kind: 'nakked', delayMs, err }
  }
  m.term(`${err.code}: ${err.message.split('\n')[0]}`)
  ctx.log.error(
    { err, ...where, deadLetterSeq: deadLetter.seq, exhausted: err.retryable },
    'ALERT message dead-lettered',
  )
  return { kind: 'termed', err, deadLetter }
}

/**
 * Run `effect` for `m` and settle it: ack only after the effect succeeded (ack-after-effect,
 * confirmed with a double ack so a lost ack is noticed), `settleFailed` otherwise.
 * The effect must be idempotent: JetStream may deliver `m` again (F-16, F-17).
 */
export const settle = async <T>(
  m: JsMsg,
  effect: () => Promise<T>,
  ctx: SettleContext,
): Promise<{ outcome: SettleOutcome; value?: T }> => {
  let value: T
  try {
    value = await effect()
  } catch (e) {
    return { outcome: await settleFailed(m, e, ctx) }
  }
  try {
    await m.ackAck()
  } catch (e) {
    // The effect happened; a lost ack only means one idempotent redelivery.
    ctx.log.warn({ err: toRelayError(e, 'ack'), subject: m.subject, seq: m.info.streamSequence }, 'ack not confirmed')
  }
  return { outcome: { kind: 'acked' }, value }
}
