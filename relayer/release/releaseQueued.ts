import type { JetStreamClient } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import {
  catchError,
  EMPTY,
  exhaustMap,
  from,
  ignoreElements,
  merge,
  mergeMap,
  type Observable,
  repeat,
  retry,
  takeUntil,
  tap,
  timer,
} from 'rxjs'
import type { DeliveryResult, DestinationAdapter } from '../../adapters/index.js'
import { isRelayError } from '../../errors.js'
import { decodeMessage } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import { decodeMessageRecord, encodeMessageRecord, type MessageRecord } from '../aggregate/messageRecord.js'
import { applyDeliveryRecord, type DeliveryRecordChange } from '../deliver/applyDeliveryRecord.js'
import { updateWithCas } from '../nats/kvCas.js'
import { watchKv$ } from '../nats/watchKv.js'
import { backoffMs } from '../stream/backoffMs.js'
import { publishEventBestEffort } from '../stream/publishEventBestEffort.js'
import type { Clock, NodeActivity, ReleaseActionKind } from '../types.js'
import { createQueuedTransfers, type QueuedTransfer, type QueuedTransfers } from './queuedTransfers.js'

/** How `encodeMessageRecord` (JSON.stringify) writes a queued status. */
const QUEUED_MARK = '"status":"queued"'

export interface ReleaseQueuedOptions {
  adapter: DestinationAdapter
  js: JetStreamClient
  /** The `isthmus-messages` bucket (watched for `queued` records of this destination). */
  messages: KV
  memberId: string
  log: Logger
  now: Clock
  stop$: Observable<unknown>
  pollMs: number
  maxPerPoll: number
  retryBaseMs: number
  retryMaxMs: number
}

const firstLine = (e: unknown): string =>
  (e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e)).slice(0, 1024)

interface Ctx {
  o: ReleaseQueuedOptions
  log: Logger
  queued: QueuedTransfers
}

const activity = (c: Ctx, id: Hex, action: ReleaseActionKind, detail?: string): NodeActivity => ({
  kind: 'release',
  destination: c.o.adapter.domain,
  id,
  action,
  ...(detail ? { detail } : {}),
})

const record = (c: Ctx, id: Hex, ch: DeliveryRecordChange) =>
  updateWithCas<MessageRecord>(c.o.messages, id, (cur) => applyDeliveryRecord(cur, ch, c.o.now()), {
    decode: decodeMessageRecord,
    encode: encodeMessageRecord,
    bucket: 'isthmus-messages',
  })

const eventBase = (c: Ctx, r: MessageRecord) => ({
  v: 1 as const,
  id: r.id,
  origin: r.origin,
  destination: r.destination,
  nonce: r.nonce,
  at: c.o.now().toISOString(),
  relayer: c.o.memberId,
})

/** Record a release outcome that ends the queue (delivered or failed) and announce it. */
const settle = async (c: Ctx, q: QueuedTransfer, r: DeliveryResult): Promise<NodeActivity> => {
  const base = { chain: c.o.adapter.chain, relayer: c.o.memberId }
  const tx = {
    ...(r.txHash ? { txHash: r.txHash } : {}),
    ...(r.blockNumber !== undefined ? { blockNumber: r.blockNumber } : {}),
  }
  if (r.status === 'delivered' || r.status === 'already-delivered') {
    await record(c, q.id, { status: 'delivered', ...base, ...tx, detail: 'released' })
    // Forgotten only once recorded: a failed write is repaired by the next poll (already-delivered).
    c.queued.delete(q.id)
    if (r.status === 'delivered' && r.txHash && r.blockNumber !== undefined) {
      await publishEventBestEffort(c.o.js, c.log, {
        ...eventBase(c, q.record),
        status: 'delivered',
        chain: c.o.adapter.chain,
        txHash: r.txHash,
        blockNumber: r.blockNumber,
      })
    }
    c.log.info({ msgId: q.id, outcome: r.status, ...tx }, 'queued transfer released')
    return activity(c, q.id, r.status)
  }
  // The transfer failed on execution (status Failed, retryFailed re-runs it) or was cancelled.
  const reason = r.reason === 'cancelled' ? 'UNKNOWN' : 'RECIPIENT_REVERTED'
  const detail = r.reason === 'cancelled' ? 'cancelled by the guardian' : (r.reason ?? 'transfer failed on release')
  await record(c, q.id, { status: 'failed', ...base, reason, detail, retryable: false, ...tx })
  c.queued.delete(q.id)
  await publishEventBestEffort(c.o.js, c.log, {
    ...eventBase(c, q.record),
    status: 'failed',
    reason,
    detail,
    retryable: false,
  })
  c.log.warn({ msgId: q.id, reason, detail, ...tx }, 'queued transfer failed on release')
  return activity(c, q.id, 'failed', detail)
}

const backOff = (c: Ctx, q: QueuedTransfer) => {
  q.failures++
  q.notBeforeMs = c.o.now().getTime() + backoffMs(q.failures, c.o.retryBaseMs, c.o.retryMaxMs)
}

/** One release attempt; never throws (a failure backs this transfer off and is retried later). */
const releaseOne = async (c: Ctx, q: QueuedTransfer): Promise<NodeActivity> => {
  let r: DeliveryResult
  try {
    r = await c.o.adapter.release(decodeMessage(q.record.message))
  } catch (err) {
    backOff(c, q)
    const level = isRelayError(err) && err.retryable ? 'warn' : 'error'
    c.log[level]({ err, msgId: q.id, failures: q.failures }, 'release failed, will retry')
    return activity(c, q.id, 'retry', firstLine(err))
  }
  try {
    if (r.status === 'queued') {
      // Too early in chain time: nothing was sent. Remember (and share) the release time.
      q.releaseAt = r.releaseAt ?? q.releaseAt
      if (r.releaseAt !== undefined)
        await record(c, q.id, {
          status: 'queued',
          chain: c.o.adapter.chain,
          relayer: c.o.memberId,
          releaseAt: r.releaseAt,
        })
      return activity(c, q.id, 'too-early', r.reason)
    }
    if (r.status === 'deferred') {
      backOff(c, q)
      c.log.warn({ msgId: q.id, reason: r.reason }, 'queued record, but the destination does not hold it as queued')
      return activity(c, q.id, 'retry', r.reason)
    }
    return await settle(c, q, r)
  } catch (err) {
    // The chain is the truth: a record write that failed is repaired by the next poll.
    backOff(c, q)
    c.log.warn({ err, msgId: q.id }, 'release outcome not recorded')
    return activity(c, q.id, r.status === 'queued' ? 'too-early' : 'retry', firstLine(err))
  }
}

/** One poll: chain time from the destination head, then the due transfers one after the other. */
const poll = async (c: Ctx): Promise<NodeActivity[]> => {
  if (c.queued.size === 0) return []
  let chainTime: bigint
  try {
    chainTime = (await c.o.adapter.latestHead()).timestamp
  } catch (err) {
    c.log.warn({ err }, 'destination head not read, releases wait for the next poll')
    return []
  }
  const due = c.queued.due(chainTime, c.o.now().getTime(), c.o.maxPerPoll)
  const out: NodeActivity[] = []
  for (const q of due) out.push(await releaseOne(c, q))
  return out
}

/**
 * The releaser of one destination (NT-17, F-29): it follows the `isthmus-messages` records of
 * this destination in status `queued` (a KV watch: restart-safe, and every instance sees what any
 * deliverer recorded) and, every `pollMs`, reads the destination's latest block timestamp and
 * calls `adapter.release` for those whose `releaseAt` has come in CHAIN time (never by the local
 * clock). Released → KV `delivered` + `delivered` event; already released by another instance →
 * KV `delivered`; failed on execution → KV `failed` + `failed` event; too early → waits. Any
 * instance may release (idempotent on chain). Completes when `stop$` emits (an in-flight release
 * finishes first).
 */
export const releaseQueued$ = (o: ReleaseQueuedOptions): Observable<NodeActivity> => {
  const log = o.log.child({ step: 'release', destination: o.adapter.domain })
  const c: Ctx = { o, log, queued: createQueuedTransfers(o.adapter.domain) }
  const watch$ = watchKv$(o.messages).pipe(
    tap((ch) => {
      // Every record update of the bucket passes here; decoding them all cost real CPU on bursts.
      // Untracked records that are not queued would be a no-op below, so skip their decode.
      if (ch.value && !c.queued.get(ch.key as Hex) && !Buffer.from(ch.value).includes(QUEUED_MARK)) return
      let rec: MessageRecord | undefined
      try {
        rec = ch.value ? decodeMessageRecord(ch.value) : undefined
      } catch (err) {
        log.warn({ err, key: ch.key }, 'unreadable message record ignored')
        return
      }
      if (c.queued.apply(ch.key, rec))
        log.info({ msgId: ch.key, releaseAt: c.queued.get(ch.key as Hex)?.releaseAt }, 'queued transfer tracked')
    }),
    ignoreElements(),
    retry({
      resetOnSuccess: true,
      delay: (err: unknown, attempt) => {
        log.warn({ err, attempt }, 'message records watch failed, watching again')
        return timer(backoffMs(attempt, o.retryBaseMs, o.retryMaxMs))
      },
    }),
    repeat({ delay: (count) => timer(backoffMs(count, o.retryBaseMs, o.retryMaxMs)) }),
    takeUntil(o.stop$),
  )
  const polls$ = timer(0, o.pollMs).pipe(
    takeUntil(o.stop$),
    exhaustMap(() => from(poll(c)).pipe(catchError(() => EMPTY))),
    mergeMap((xs) => from(xs)),
  )
  return merge(watch$, polls$)
}
