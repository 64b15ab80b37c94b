import type { Logger } from 'pino'
import {
  BehaviorSubject,
  catchError,
  concatMap,
  defer,
  expand,
  filter,
  finalize,
  map,
  type Observable,
  ReplaySubject,
  race,
  retry,
  share,
  take,
  tap,
  throwError,
  timer,
} from 'rxjs'
import { RelayError, RpcError } from '../../errors.js'
import type { Hex } from '../../types.js'
import type { SourceBatch } from '../types.js'
import type { SubstrateClient } from './createSubstrateClient.js'
import type { ResolvedSubstrateSourceOptions } from './options.js'
import { scanBlocks } from './scanBlocks.js'

const MAX_REMEMBERED = 4096
const GENESIS_RECHECK_MS = 60_000

type Step = { kind: 'batch'; batch: SourceBatch; caughtUp: boolean } | { kind: 'idle' }

const backoffMs = (attempt: number, base: number, max: number) =>
  Math.min(max, base * 2 ** Math.min(attempt - 1, 20)) * (0.5 + Math.random() / 2)

const toRelayError = (e: unknown, o: ResolvedSubstrateSourceOptions): RelayError =>
  e instanceof RelayError ? e : new RpcError({ chain: o.chain, method: 'observe', retryable: true, cause: e })

/** The finalized head (number, hash) as the node reports it. */
export const finalizedHead = async (client: SubstrateClient): Promise<{ number: bigint; hash: Hex }> => {
  const hash = (await client.request<Hex>('chain_getFinalizedHead')).toLowerCase() as Hex
  const header = await client.request<{ number: Hex }>('chain_getHeader', [hash])
  return { number: BigInt(header.number), hash }
}

export interface SubstrateSourceDeps {
  options: ResolvedSubstrateSourceOptions
  client: SubstrateClient
  log: Logger
}

/**
 * The Substrate source: a cold stream of gap-free batches of finalized blocks from `fromBlock` on.
 * It follows the finalized head (the node's finalized-heads subscription wakes it; a poll every
 * `pollIntervalMs` covers a silent or reconnecting subscription) and scans EVERY block between its
 * position and the new finalized head, each read by number (never only the announced heads), at most
 * `maxBlocksPerBatch` per batch. Events are read at each finalized block's hash, decoded with the
 * metadata of that block's runtime (fetched once per spec version). The genesis hash is checked first.
 * Retryable failures (a dropped connection, a timeout) are retried from the last emitted block after
 * the client reconnected, so nothing is skipped; others end the stream.
 */
export const createSubstrateObserve = (d: SubstrateSourceDeps) => {
  const o = d.options
  // The relayer takes one batch per subscription: what must outlive a subscription lives here.
  // The hash of every batch's last block, so the next subscription (from `toBlock + 1`) still checks
  // that the chain links to what was emitted (a rewound finalized chain, F-08/F-10).
  const emitted = new Map<bigint, Hex>()
  const remember = (n: bigint, hash: Hex) => {
    emitted.set(n, hash)
    if (emitted.size > MAX_REMEMBERED) emitted.delete(emitted.keys().next().value as bigint)
  }
  // One finalized-heads subscription shared by consecutive streams (kept 10 s after the last one ends).
  const heads$ = d.client.finalizedHeads$.pipe(
    share({ connector: () => new ReplaySubject<bigint>(1), resetOnRefCountZero: () => timer(10_000) }),
  )
  // The genesis hash is checked by the first stream and again at most every GENESIS_RECHECK_MS (F-06).
  let genesisCheckedAt = Number.NEGATIVE_INFINITY
  const checkGenesis$ = defer(async () => {
    if (Date.now() - genesisCheckedAt < GENESIS_RECHECK_MS) return
    await d.client.checkGenesis()
    genesisCheckedAt = Date.now()
  })
  return (fromBlock: bigint): Observable<SourceBatch> =>
    defer(() => {
      let next = fromBlock
      let prevHash: Hex | undefined = emitted.get(fromBlock - 1n)
      const log = d.log.child({ stream: 'observe', fromBlock: fromBlock.toString() })
      const announced = new BehaviorSubject<bigint>(-1n)
      const heads = heads$.subscribe({ next: (n) => announced.next(n), error: () => {} })
      const ctx = { o, client: d.client, log }
      const scanOnce = async (): Promise<Step> => {
        const head = await finalizedHead(d.client)
        if (head.number < next) {
          // Only a head announced after this one wakes the next scan (a stale, higher one after a rewind must not spin).
          announced.next(head.number)
          return { kind: 'idle' }
        }
        const last = next + BigInt(o.maxBlocksPerBatch) - 1n
        const to = last < head.number ? last : head.number
        const batch = await scanBlocks(ctx, { from: next, to }, prevHash)
        return { kind: 'batch', batch, caughtUp: to >= head.number }
      }
      const step$: Observable<Step> = defer(scanOnce).pipe(
        retry({
          count: o.sourceMaxRetries,
          resetOnSuccess: true,
          delay: (e: unknown, attempt) => {
            const err = toRelayError(e, o)
            if (!err.retryable) return throwError(() => err)
            log.warn({ err, next: next.toString(), attempt }, 'scan failed, retrying from the last emitted block')
            return timer(backoffMs(attempt, o.rpcBackoffBaseMs, o.rpcBackoffMaxMs))
          },
        }),
        tap((s) => {
          if (s.kind !== 'batch') return
          next = s.batch.toBlock + 1n
          prevHash = s.batch.toBlockHash
          remember(s.batch.toBlock, s.batch.toBlockHash)
          if (s.batch.messages.length > 0) {
            log.debug(
              {
                fromBlock: s.batch.fromBlock.toString(),
                toBlock: s.batch.toBlock.toString(),
                msgIds: s.batch.messages.map((m) => m.id),
              },
              'range scanned',
            )
          }
        }),
      )
      // Wake on a finalized head at or past the next block, or after the poll interval.
      const wait$ = () =>
        race(
          timer(o.pollIntervalMs),
          announced.pipe(
            filter((n) => n >= next),
            take(1),
          ),
        )
      return checkGenesis$.pipe(
        concatMap(() => step$),
        expand((s) => (s.kind === 'batch' && !s.caughtUp ? step$ : wait$().pipe(concatMap(() => step$))), 1),
        filter((s): s is Extract<Step, { kind: 'batch' }> => s.kind === 'batch'),
        map((s) => s.batch),
        finalize(() => heads.unsubscribe()),
      )
    }).pipe(
      catchError((e: unknown) => {
        const err = toRelayError(e, o)
        d.log.error({ err, fatal: !err.retryable }, 'source stream ended')
        return throwError(() => err)
      }),
    )
}
