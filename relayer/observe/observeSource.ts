import type { KV } from '@nats-io/kv'
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  from,
  map,
  type Observable,
  of,
  repeat,
  retry,
  take,
  takeUntil,
  throwError,
  timer,
} from 'rxjs'
import { isRelayError } from '../../errors.js'
import { tryGetCursor } from '../nats/cursors.js'
import { backoffMs } from '../stream/backoffMs.js'
import { publishRouteHalted } from '../stream/routeEvents.js'
import type { NodeActivity, RelayerChain } from '../types.js'
import { type AttestBatchContext, attestBatch } from './attestBatch.js'

export interface ObserveSourceOptions {
  chain: RelayerChain
  ctx: AttestBatchContext
  cursors: KV
  retryBaseMs: number
  retryMaxMs: number
  stop$: Observable<unknown>
  isStopping: () => boolean
}

const firstLine = (e: unknown) => (e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e))

/**
 * The observe → verify → attest loop of one source chain. It pulls ONE finalized batch at a time
 * from this member's KV cursor (the config's `startBlock` on a first start), attests it and moves
 * the cursor, then asks for the next: back-pressure reaches the chain reads, nothing is buffered.
 * Retryable failures resubscribe from the latest cursor with backoff; a non-retryable one
 * (endpoint disagreement, wrong chain, equivocation, committee mismatch) halts this source's
 * routes only — error-level ALERT log, `halted` route events — and the stream completes (S5).
 * Stops pulling when `stop$` emits; an in-flight batch finishes first.
 */
export const observeSource$ = (o: ObserveSourceOptions): Observable<NodeActivity> => {
  const { adapter, startBlock } = o.chain
  const c = o.ctx
  const log = c.log
  const pullOne$ = defer(async () => {
    const cursor = await tryGetCursor(o.cursors, c.memberId, adapter.chain)
    return cursor === undefined ? startBlock : cursor + 1n
  }).pipe(
    concatMap((fromBlock) => adapter.observe$(fromBlock).pipe(take(1), takeUntil(o.stop$))),
    concatMap((batch) =>
      from(attestBatch(batch, c)).pipe(
        map((r): NodeActivity => {
          if (r.attested.length + r.dropped.length > 0) {
            log.info(
              {
                fromBlock: batch.fromBlock,
                toBlock: batch.toBlock,
                attested: r.attested.length,
                dropped: r.dropped.length,
              },
              'source batch attested',
            )
          }
          return { kind: 'batch', chain: batch.chain, fromBlock: batch.fromBlock, toBlock: batch.toBlock, ...r }
        }),
      ),
    ),
  )
  const halt = async (err: unknown): Promise<NodeActivity> => {
    const code = isRelayError(err) ? err.code : 'UNEXPECTED'
    log.error(
      { alert: 'route-halted', err, chain: adapter.chain },
      'ALERT route halted: not signing for this source until restarted',
    )
    const at = c.now().toISOString()
    for (const destination of c.verify.destinations) {
      try {
        await publishRouteHalted(c.js, {
          origin: adapter.domain,
          destination,
          chain: adapter.chain,
          at,
          relayer: c.memberId,
          code,
          detail: firstLine(err),
        })
      } catch (e) {
        log.warn({ err: e, destination }, 'route event not published')
      }
    }
    return { kind: 'halted', chain: adapter.chain, code, detail: firstLine(err) }
  }
  return pullOne$.pipe(
    repeat({ delay: () => (o.isStopping() ? EMPTY : of(0)) }),
    retry({
      resetOnSuccess: true,
      delay: (err: unknown, attempt) => {
        if (!(isRelayError(err) && err.retryable)) return throwError(() => err)
        const delayMs = backoffMs(attempt, o.retryBaseMs, o.retryMaxMs)
        log.warn({ err, attempt, delayMs }, 'source step failed, resubscribing from the cursor')
        return timer(delayMs).pipe(takeUntil(o.stop$))
      },
    }),
    catchError((err: unknown) => (o.isStopping() ? EMPTY : from(halt(err)))),
  )
}
