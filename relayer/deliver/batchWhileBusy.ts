import { Observable, type OperatorFunction, type SchedulerLike, Subscription, timer } from 'rxjs'

export interface BatchWhileBusyOptions<T> {
  /** Largest batch handed to `process`. */
  maxBatch: number
  /** While idle, how long the first item waits for company before its batch goes out. */
  lingerMs: number
  /**
   * Items still queued when the source completes (a shutdown): given back here instead of being
   * processed (a deliverer naks them so another instance takes them at once). Absent: processed.
   */
  onAbandon?: (items: T[]) => void
  scheduler?: SchedulerLike
}

/**
 * Group items into batches for a one-at-a-time `process`: while idle, a batch leaves when it is
 * full or `lingerMs` after its first item; while `process` runs, arrivals collect and leave as
 * one batch (up to `maxBatch`) the moment it finishes. So a quiet stream gets low latency and a
 * busy one gets full batches. The queue is bounded by what upstream lets in flight (a JetStream
 * consumer's MaxAckPending). Completes after the source completed and the last batch finished.
 */
export const batchWhileBusy =
  <T, R>(process: (batch: T[]) => Observable<R>, o: BatchWhileBusyOptions<T>): OperatorFunction<T, R> =>
  (source) =>
    new Observable<R>((sub) => {
      const queue: T[] = []
      let busy = false
      let sourceDone = false
      let linger: Subscription | undefined
      const running = new Subscription()
      const done = () => {
        if (!sourceDone || busy) return
        if (queue.length > 0 && o.onAbandon) o.onAbandon(queue.splice(0))
        if (queue.length > 0) return void flush()
        sub.complete()
      }
      const flush = (): void => {
        linger?.unsubscribe()
        linger = undefined
        if (busy || queue.length === 0) return
        busy = true
        const one = new Subscription()
        running.add(one)
        one.add(
          process(queue.splice(0, o.maxBatch)).subscribe({
            next: (r) => sub.next(r),
            error: (e: unknown) => sub.error(e),
            complete: () => {
              running.remove(one)
              busy = false
              // Arrivals during the run already waited: send them now, without lingering again.
              if (queue.length > 0 && !sourceDone) flush()
              else done()
            },
          }),
        )
      }
      const src = source.subscribe({
        next: (x) => {
          queue.push(x)
          if (busy) return
          if (queue.length >= o.maxBatch) flush()
          else linger ??= timer(o.lingerMs, o.scheduler).subscribe(() => flush())
        },
        error: (e: unknown) => sub.error(e),
        complete: () => {
          sourceDone = true
          linger?.unsubscribe()
          linger = undefined
          done()
        },
      })
      return () => {
        src.unsubscribe()
        linger?.unsubscribe()
        running.unsubscribe()
      }
    })
