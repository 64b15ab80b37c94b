import type { KV, KvWatchEntry } from '@nats-io/kv'
import { Observable } from 'rxjs'
import { toRelayError } from './toRelayError.js'

/** One change of a KV key: its value, or undefined when it was deleted or purged. */
export interface KvChange {
  key: string
  value: Uint8Array | undefined
  revision: number
}

/**
 * A KV watch as a cold Observable (STYLE.md §4): first the latest value of every matching key,
 * then every change as it happens. Unsubscribing stops the watcher. The client re-creates its
 * ordered consumer across reconnects; errors arrive as RelayErrors (resubscribe to start over).
 */
export const watchKv$ = (kv: KV, key = '>'): Observable<KvChange> =>
  new Observable<KvChange>((sub) => {
    let iter: Awaited<ReturnType<KV['watch']>> | undefined
    let closed = false
    ;(async () => {
      iter = await kv.watch({ key })
      if (closed) return void iter.stop()
      for await (const e of iter as AsyncIterable<KvWatchEntry>) {
        sub.next({ key: e.key, value: e.operation === 'PUT' ? e.value : undefined, revision: e.revision })
      }
      sub.complete()
    })().catch((e: unknown) => sub.error(toRelayError(e, 'kv watch')))
    return () => {
      closed = true
      iter?.stop()
    }
  })
