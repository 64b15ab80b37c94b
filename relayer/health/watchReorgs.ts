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
 * Reorg watch (docs/events.md "Reorg retractions"): every `everyMs`, compare the canonical hash at
 * the source block height of the messages observed in the last `keepMs` with the hash they were
 * observed in, from the highest block down (a block hash commits to its ancestors, so the walk stops
 * at the first unchanged block: one read per chain when nothing moved). A different hash means the
 * block was reorganised away, and the message is retracted (`retracted`, reason `REORG`, once).
 * A height the chain does not have (yet) and read errors are retried at the next check. Emits the retraction events; publishing them is the caller's job.
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
  /** Hash at `n` on `chain`, undefined when it cannot be read (yet). */
  const hashAt = async (chain: BlockHashSource, n: bigint): Promise<Hex | undefined> => {
    try {
      return (await chain.blockHashAt!(n))?.toLowerCase() as Hex | undefined
    } catch (err) {
      log.debug({ err, chain: chain.chain, blockNumber: n }, 'block hash not read for the reorg watch')
      return undefined
    }
  }
  const check = async (): Promise<Retracted[]> => {
    const nowMs = o.now().getTime()
    // Per chain, the watched blocks (number -> hash the messages were observed in).
    const blocks = new Map<ChainRef, Map<bigint, Hex>>()
    for (const [id, w] of watched) {
      if (nowMs - w.sinceMs > o.keepMs) {
        watched.delete(id)
        continue
      }
      const chain = w.e.source.chain as ChainRef
      const m = blocks.get(chain) ?? new Map<bigint, Hex>()
      m.set(w.e.source.blockNumber, w.e.source.blockHash.toLowerCase() as Hex)
      blocks.set(chain, m)
    }
    // A block hash commits to every block below it: walk down from the highest watched block and
    // stop at the first one still canonical (one read per chain when nothing changed).
    const gone = new Map<string, Hex>()
    for (const [ref, m] of blocks) {
      const chain = byChain.get(ref)!
      for (const n of [...m.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))) {
        const now = await hashAt(chain, n)
        if (now === undefined) continue
        if (now === m.get(n)) break
        gone.set(`${ref}#${n}`, now)
      }
    }
    const out: Retracted[] = []
    for (const [id, w] of watched) {
      const now = gone.get(`${w.e.source.chain}#${w.e.source.blockNumber}`)
      if (now === undefined) continue
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
