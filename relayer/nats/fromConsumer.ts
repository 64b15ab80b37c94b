import type { ConsumeOptions, Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream'
import { Observable } from 'rxjs'
import { toRelayError } from './toRelayError.js'

/**
 * A JetStream pull consumer as a cold Observable (STYLE.md §4): subscribing starts `consume()`,
 * unsubscribing closes it (messages pulled but not yet handled are redelivered after AckWait).
 * The client re-pulls by itself across reconnects; errors arrive as RelayErrors.
 */
export const fromConsumer$ = (c: Consumer, opts: ConsumeOptions = {}): Observable<JsMsg> =>
  new Observable<JsMsg>((sub) => {
    let msgs: ConsumerMessages | undefined
    let closed = false
    ;(async () => {
      msgs = await c.consume(opts)
      if (closed) return void msgs.close()
      for await (const m of msgs) sub.next(m)
      sub.complete()
    })().catch((e: unknown) => sub.error(toRelayError(e, 'consume')))
    return () => {
      closed = true
      void msgs?.close()
    }
  })
