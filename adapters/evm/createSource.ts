import type { Logger } from 'pino'
import { catchError, concatMap, defer, expand, filter, map, type Observable, retry, tap, throwError, timer } from 'rxjs'
import { ChainIdMismatchError, RpcError } from '../../errors.js'
import type { EvmFinalityEvidence } from '../../proofs/index.js'
import type { SourceBatch } from '../types.js'
import { backoffDelayMs } from './backoffDelayMs.js'
import type { RpcClient } from './createRpcClient.js'
import { createBlockReceiptsFetcher } from './fetchBlockReceipts.js'
import type { ResolvedEvmAdapterOptions } from './options.js'
import type { RpcBlock } from './rpcTypes.js'
import { type ScanContext, scanRange } from './scanRange.js'
import { toRelayError } from './toRelayError.js'

interface FinalizedHead {
  number: bigint
  evidence: EvmFinalityEvidence
}

type Step = { kind: 'batch'; batch: SourceBatch; caughtUp: boolean } | { kind: 'idle' }

/** The finalized head: the `finalized` tag, or `latest − (confirmations − 1)`. */
const finalizedHead = async (o: ResolvedEvmAdapterOptions, rpc: RpcClient): Promise<FinalizedHead | undefined> => {
  const tag = o.finality.mode === 'finalized-tag' ? 'finalized' : 'latest'
  const head = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [tag, false])
  if (!head) return undefined
  const headNumber = BigInt(head.number)
  const evidence: EvmFinalityEvidence =
    o.finality.mode === 'finalized-tag'
      ? { mode: 'finalized-tag', observedHeadNumber: headNumber.toString(), observedHeadHash: head.hash }
      : {
          mode: 'confirmations',
          confirmations: o.finality.confirmations,
          observedHeadNumber: headNumber.toString(),
          observedHeadHash: head.hash,
        }
  const number = o.finality.mode === 'finalized-tag' ? headNumber : headNumber - BigInt(o.finality.confirmations - 1)
  return number < 0n ? undefined : { number, evidence }
}

/**
 * `eth_chainId` of every endpoint must be the configured one (BI-45). Endpoints that do not
 * answer are left out; at least one must answer.
 * @throws ChainIdMismatchError, RpcError
 */
export const checkChainIds = async (o: ResolvedEvmAdapterOptions, rpc: RpcClient): Promise<number> => {
  const ids = await Promise.all(
    Array.from({ length: rpc.endpointCount }, (_, i) =>
      rpc.request<string>('eth_chainId', [], { endpoints: [i], maxAttempts: 2 }).then(
        (id) => ({ i, id }),
        () => ({ i, id: undefined }),
      ),
    ),
  )
  for (const { i, id } of ids) {
    if (id !== undefined && BigInt(id) !== o.chainId) {
      throw new ChainIdMismatchError({
        chain: o.chain,
        expected: o.chainId.toString(),
        actual: BigInt(id).toString(),
        endpoint: rpc.endpointLabel(i),
      })
    }
  }
  const answered = ids.filter((x) => x.id !== undefined).length
  if (answered === 0) throw new RpcError({ chain: o.chain, method: 'eth_chainId', retryable: true })
  return answered
}

export interface SourceDeps {
  options: ResolvedEvmAdapterOptions
  rpc: RpcClient
  log: Logger
  minAgreeing: number
}

/**
 * The source half: a cold stream of finalized, gap-free batches from `fromBlock` on. The next
 * range is fetched only after the previous batch was emitted (expand with concurrency 1);
 * retryable failures are retried from the last emitted position, others end the stream.
 */
export const createObserve = (d: SourceDeps) => {
  const o = d.options
  const ctx: ScanContext = {
    chain: o.chain,
    chainId: o.chainId,
    domain: o.domain,
    bridge: o.bridge,
    rpc: d.rpc,
    log: d.log,
    minAgreeing: d.minAgreeing,
    receipts: createBlockReceiptsFetcher({ chain: o.chain, rpc: d.rpc }),
  }
  return (fromBlock: bigint): Observable<SourceBatch> =>
    defer(() => {
      let next = fromBlock
      const log = d.log.child({ stream: 'observe', fromBlock })
      const scanOnce = async (): Promise<Step> => {
        const head = await finalizedHead(o, d.rpc)
        if (!head || head.number < next) return { kind: 'idle' }
        const to =
          next + BigInt(o.maxLogRangeBlocks) - 1n < head.number ? next + BigInt(o.maxLogRangeBlocks) - 1n : head.number
        const batch = await scanRange(ctx, { from: next, to }, head.evidence)
        return { kind: 'batch', batch, caughtUp: to >= head.number }
      }
      const step$: Observable<Step> = defer(scanOnce).pipe(
        retry({
          count: o.sourceMaxRetries,
          resetOnSuccess: true,
          delay: (e: unknown, attempt) => {
            const err = toRelayError(e, { chain: o.chain, method: 'observe' })
            if (!err.retryable) return throwError(() => err)
            log.warn({ err, next, attempt }, 'scan failed, retrying from the last emitted block')
            return timer(backoffDelayMs(attempt, o.rpcBackoffBaseMs, o.rpcBackoffMaxMs))
          },
        }),
        tap((s) => {
          if (s.kind !== 'batch') return
          next = s.batch.toBlock + 1n
          if (s.batch.messages.length > 0 || log.isLevelEnabled('trace')) {
            log[s.batch.messages.length > 0 ? 'debug' : 'trace'](
              { fromBlock: s.batch.fromBlock, toBlock: s.batch.toBlock, msgIds: s.batch.messages.map((m) => m.id) },
              'range scanned',
            )
          }
        }),
      )
      const start$ = defer(() => checkChainIds(o, d.rpc))
      return start$.pipe(
        concatMap(() => step$),
        // Back-pressure: one step at a time, and the next starts only after this one was emitted.
        expand(
          (s) => (s.kind === 'batch' && !s.caughtUp ? step$ : timer(o.pollIntervalMs).pipe(concatMap(() => step$))),
          1,
        ),
        filter((s): s is Extract<Step, { kind: 'batch' }> => s.kind === 'batch'),
        map((s) => s.batch),
      )
    }).pipe(
      // Errors reach the subscriber as RelayErrors only.
      catchError((e: unknown) => {
        const err = toRelayError(e, { chain: o.chain, method: 'observe' })
        d.log.error({ err, fatal: !err.retryable }, 'source stream ended')
        return throwError(() => err)
      }),
    )
}
