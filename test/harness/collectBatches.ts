import type { Observable, Subscription } from 'rxjs'
import type { SourceBatch } from '../../adapters/types.js'

/** Collects every batch of a source stream; `until` waits for a condition over all messages so far. */
export const collectBatches = (obs: Observable<SourceBatch>) => {
  const batches: SourceBatch[] = []
  let error: unknown
  const waiters = new Set<() => void>()
  const sub: Subscription = obs.subscribe({
    next: (b) => {
      batches.push(b)
      for (const w of waiters) w()
    },
    error: (e) => {
      error = e
      for (const w of waiters) w()
    },
  })
  const until = (ok: () => boolean, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (ok()) return done(resolve)
        if (error) done(() => reject(error))
      }
      const t = setTimeout(() => done(() => reject(new Error('timeout waiting for batches'))), timeoutMs)
      const done = (f: () => void) => {
        clearTimeout(t)
        waiters.delete(check)
        f()
      }
      waiters.add(check)
      check()
    })
  return { batches, messages: () => batches.flatMap((b) => b.messages), until, sub, error: () => error }
}
