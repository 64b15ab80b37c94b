import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import { concatMap, defer, type Observable, repeat, retry, takeUntil, timer } from 'rxjs'
import { isRelayError } from '../../errors.js'
import { type DurableConsumerSpec, ensureDurableConsumer } from '../nats/durableConsumers.js'
import { fromConsumer$ } from '../nats/fromConsumer.js'
import { backoffMs } from './backoffMs.js'

export interface ResilientConsumerOptions {
  js: JetStreamClient
  spec: DurableConsumerSpec
  /** Messages pulled ahead; the durable's MaxAckPending bounds the total in flight. */
  pullBatch: number
  log: Logger
  stop$: Observable<unknown>
  retryBaseMs: number
  retryMaxMs: number
}

/**
 * Messages of a shared durable pull consumer, forever: the consumer is (re)created and consumed
 * again after any failure or end, with backoff, because "NATS unavailable" is never "nothing to
 * do" (RELIABILITY.md F-13). Completes only when `stop$` emits; unsubscribing stops pulling
 * (messages pulled but not handled are redelivered after AckWait).
 */
export const resilientConsumer$ = (o: ResilientConsumerOptions): Observable<JsMsg> => {
  const log = o.log.child({ durable: o.spec.durable })
  const delay = (attempt: number) => timer(backoffMs(attempt, o.retryBaseMs, o.retryMaxMs))
  return defer(() => ensureDurableConsumer(o.js, o.spec)).pipe(
    concatMap(({ consumer }) => fromConsumer$(consumer, { max_messages: o.pullBatch })),
    retry({
      resetOnSuccess: true,
      delay: (err: unknown, attempt) => {
        const level = isRelayError(err) && err.retryable ? 'warn' : 'error'
        log[level]({ err, attempt }, 'consumer failed, resubscribing')
        return delay(attempt)
      },
    }),
    repeat({
      delay: (count) => {
        log.warn({ count }, 'consumer ended, resubscribing')
        return delay(count)
      },
    }),
    takeUntil(o.stop$),
  )
}
