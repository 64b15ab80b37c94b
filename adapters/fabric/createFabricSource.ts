import { type CloseableAsyncIterable, checkpointers, type Network } from '@hyperledger/fabric-gateway'
import type { common } from '@hyperledger/fabric-protos'
import type { Logger } from 'pino'
import { defer, Observable, retry, throwError, timer } from 'rxjs'
import { EndpointDisagreementError } from '../../errors.js'
import type { SourceBatch } from '../types.js'
import { type FabricScanContext, scanFabricBlock } from './scanFabricBlock.js'
import { toRelayError } from './toRelayError.js'

export interface FabricSourceOptions {
  network: Network
  ctx: FabricScanContext
  log: Logger
  /** Backoff of reconnections after a retryable stream failure (peer gone, deadline). */
  reconnectBaseMs: number
  reconnectMaxMs: number
}

/** Committed blocks from the peer's deliver service, from `startBlock`, closed on unsubscribe. */
const blocks$ = (network: Network, checkpoint: ReturnType<typeof checkpointers.inMemory>, startBlock: bigint) =>
  new Observable<common.Block>((sub) => {
    let events: CloseableAsyncIterable<common.Block> | undefined
    let closed = false
    ;(async () => {
      events = await network.getBlockEvents({ startBlock, checkpoint })
      if (closed) return void events.close()
      for await (const b of events) {
        if (closed) break
        sub.next(b)
      }
      sub.complete()
    })().catch((e) => sub.error(e))
    return () => {
      closed = true
      events?.close()
    }
  })

/**
 * `observe$` of the Fabric adapter: full blocks from the peer (committed blocks are final), one
 * batch per block, each message with its `fabric-block` bundle; only VALID transactions count.
 * A retryable stream failure (peer stopped, restarted, unreachable) reconnects from the gateway
 * checkpointer, which holds the next block to read: no block is lost or emitted twice.
 */
export const createFabricObserve =
  (o: FabricSourceOptions) =>
  (fromBlock: bigint): Observable<SourceBatch> =>
    new Observable<SourceBatch>((sub) => {
      const checkpoint = checkpointers.inMemory()
      let next = fromBlock
      const s = defer(() => blocks$(o.network, checkpoint, fromBlock))
        .pipe(
          retry({
            resetOnSuccess: true,
            delay: (err: unknown, n: number) => {
              const e = toRelayError(err, o.ctx.chain, 'deliver blocks')
              if (!e.retryable) return throwError(() => e)
              o.log.warn({ err: e, attempt: n, next: next.toString() }, 'fabric block stream failed; reconnecting')
              return timer(Math.min(o.reconnectMaxMs, o.reconnectBaseMs * 2 ** Math.min(n - 1, 16)))
            },
          }),
        )
        .subscribe({
          next: (block) => {
            let scanned: ReturnType<typeof scanFabricBlock>
            try {
              scanned = scanFabricBlock(block.serializeBinary(), o.ctx)
            } catch (e) {
              sub.error(toRelayError(e, o.ctx.chain, 'decode block'))
              return
            }
            if (scanned.number < next) return // a resumed stream never repeats a block
            if (scanned.number > next) {
              sub.error(
                new EndpointDisagreementError({
                  chain: o.ctx.chain,
                  blockNumber: next,
                  hashes: { expected: `block ${next}`, got: `block ${scanned.number}` },
                }),
              )
              return
            }
            for (const d of scanned.invalidDispatches)
              o.log.info(
                { txId: d.txId, code: d.code, block: scanned.number.toString() },
                'skipped a Dispatch of a transaction that is not VALID',
              )
            next = scanned.number + 1n
            void checkpoint.checkpointBlock(scanned.number)
            sub.next({
              chain: o.ctx.chain,
              fromBlock: scanned.number,
              toBlock: scanned.number,
              toBlockHash: scanned.hash,
              messages: scanned.messages,
            })
          },
          error: (e: unknown) => sub.error(toRelayError(e, o.ctx.chain, 'deliver blocks')),
          complete: () => sub.complete(),
        })
      return () => s.unsubscribe()
    })
