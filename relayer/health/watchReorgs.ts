import type { Logger } from 'pino'
import { EMPTY, exhaustMap, from, merge, mergeMap, type Observable, tap, timer } from 'rxjs'
import type { ChainRef, Hex } from '../../types.js'
import type { StatusEvent } from '../nats/events.js'

type Observed = Extract<StatusEvent, { status: 'observed' }>
type Retracted = Extract<StatusEvent, { status: 'retracted' }>

/** Where the watch re-reads canonical block hashes (a chain adapter with `blockHashAt` fits). */
export interface BlockHashSource {
  readonly chain: ChainRef
  blockHashAt?(number: bigint): Promise<Hex | undefined>
}

export interface WatchReorgsOptions {
  /** `observed` events to watch (e.g. this relayer's, from the EVENTS stream). */
  observed$: Observable<Observed>
  chains: readonly BlockHashSource[]
  /** How often the source blocks are re-read. */
  everyMs: number
  /** How long a message is watched after it was observed. */
  keepMs: number
  /** Messages watched at most (the oldest are dropped first). Default 10 000. */
  maxTracked?: number
  now: () => Date
  log: Logger
  /** Who retracts (`relayer` field). */
  relayer: string
}

/**
 * Reorg watch (docs/events.md "Reorg retractions"): re-read, every `everyMs`, the canonical hash
 * at the source block height of every message observed in the last `keepMs`; a different hash
 * means the block was reorganised away, and the message is retracted (`retracted`, reason
 * `REORG`, once). A height the chain does not have (yet) and read errors are retried at the next
 * check. Emits the retraction events; publishing them is the caller's job.
 * @example
 * watchReorgs$({ observed$, chains: adapters, everyMs: 10_000, keepMs: 3_600_000, now, log, relayer })
 *   .pipe(mergeMap((e) => publishEventBestEffort(js, log, e)))
 */
export const watchReorgs$ = (o: WatchReorgsOptions): Observable<Retracted> => {
  const max = o.maxTracked ?? 10_000
  const watched = new Map<Hex, { e: Observed; sinceMs: number }>()
  const byChain = new Map(o.chains.map((c) => [c.chain, c]))
  const log = o.log.child({ step: 'reorg-watch' })
  const track$ = o.observed$.pipe(
    tap((e) => {
      if (watched.has(e.id) || !byChain.get(e.source.chain as ChainRef)?.blockHashAt) return
      watched.set(e.id, { e, sinceMs: o.now().getTime() })
      if (watched.size > max) watched.delete(watched.keys().next().value as Hex)
    }),
    mergeMap(() => EMPTY),
  )
  const check = async (): Promise<Retracted[]> => {
    const nowMs = o.now().getTime()
    const blocks = new Map<string, { chain: BlockHashSource; number: bigint }>()
    for (const [id, w] of watched) {
      if (nowMs - w.sinceMs > o.keepMs) {
        watched.delete(id)
        continue
      }
      const chain = byChain.get(w.e.source.chain as ChainRef)!
      blocks.set(`${chain.chain}#${w.e.source.blockNumber}`, { chain, number: w.e.source.blockNumber })
    }
    const hashes = new Map<string, Hex | undefined>()
    for (const [k, b] of blocks) {
      try {
        hashes.set(k, (await b.chain.blockHashAt!(b.number))?.toLowerCase() as Hex | undefined)
      } catch (err) {
        log.debug({ err, chain: b.chain.chain, blockNumber: b.number }, 'block hash not read for the reorg watch')
      }
    }
    const out: Retracted[] = []
    for (const [id, w] of watched) {
      const now = hashes.get(`${w.e.source.chain}#${w.e.source.blockNumber}`)
      if (now === undefined || now === w.e.source.blockHash.toLowerCase()) continue
      watched.delete(id)
      log.error(
        {
          alert: 'reorg',
          msgId: id,
          chain: w.e.source.chain,
          blockNumber: w.e.source.blockNumber,
          was: w.e.source.blockHash,
          now,
        },
        'ALERT source block of an observed message was reorganised away',
      )
      out.push({
        v: 1,
        status: 'retracted',
        id,
        origin: w.e.origin,
        destination: w.e.destination,
        nonce: w.e.nonce,
        at: o.now().toISOString(),
        relayer: o.relayer,
        reason: 'REORG',
        detail: `block ${w.e.source.blockNumber} of ${w.e.source.chain} is now ${now}, was ${w.e.source.blockHash}`,
      })
    }
    return out
  }
  const checks$ = timer(o.everyMs, o.everyMs).pipe(
    exhaustMap(() => from(check())),
    mergeMap((xs) => from(xs)),
  )
  return merge(track$, checks$)
}
