import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { concatMap, from, ignoreElements, interval, lastValueFrom, mergeMap, type Observable, of } from 'rxjs'
import type { DeliveryProgress, DeliveryResult, DestinationAdapter } from '../../adapters/index.js'
import { isRelayError, RpcError, WireFormatError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { type Failpoints, NO_FAILPOINTS } from '../failpoints.js'
import { mapConcurrent } from '../mapConcurrent.js'
import { type ConsumerTuning, delivererConsumer, memberDelivererConsumer } from '../nats/durableConsumers.js'
import { type SettleContext, settleFailed } from '../nats/settle.js'
import { deliverySubject, memberDeliverySubject } from '../nats/subjects.js'
import { toRelayError } from '../nats/toRelayError.js'
import { type CertificateDoc, parseCertificate } from '../nats/wire.js'
import { resilientConsumer$ } from '../stream/resilientConsumer.js'
import type { DeliveryActionKind, NodeActivity } from '../types.js'
import { batchWhileBusy } from './batchWhileBusy.js'
import type { DeliveryOutcome } from './classifyDelivery.js'
import { type DeliveryEntry, planDeliveryGroups } from './planDeliveryGroups.js'
import {
  deliveryActivity,
  firstLine,
  recordSubmitted,
  type SettleDeliveryContext,
  settleDelivery,
} from './settleDelivery.js'

export interface DeliverDestinationOptions {
  adapter: DestinationAdapter
  js: JetStreamClient
  /** The `isthmus-messages` bucket. */
  messages: KV
  memberId: string
  log: Logger
  now: () => Date
  stop$: Observable<unknown>
  maxDeliveryBatch: number
  deliveryLingerMs: number
  retryDelaysMs: number[]
  pullBatch: number
  retryBaseMs: number
  retryMaxMs: number
  consumer: ConsumerTuning
  /** Crash points `deliver.afterBroadcast` and `confirm.afterReceipt` (crash tests). */
  failpoints?: Failpoints
}

type Entry = DeliveryEntry<JsMsg>

/**
 * The deliver → confirm step of one destination (DESIGN.md "Pipeline"): every instance of every
 * member consumes the shared work-queue durable of `isthmus.dlv.<dest>`; certificates are batched
 * (`batchWhileBusy`: up to `maxDeliveryBatch`, or what arrives within `deliveryLingerMs`) into one
 * `adapter.deliver` call, which skips ids the destination already handled, submits
 * deliver/deliverBatch and resolves at destination finality. Each certificate is then settled on
 * its own: KV status + status event, then ack (delivered, already delivered, failed, queued), or
 * nak with backoff / dead-letter (retryable errors, MaxDeliver, fatal). A batch refused as a whole
 * for a non-retryable reason is retried one certificate at a time, so one bad certificate never
 * blocks the others. On stop: no more pulling, the in-flight batch finishes and is acked, queued
 * certificates are nak'ed back to the other instances.
 */
/** Messages of one delivery batch whose KV record, event and ack are written at once (distinct ids). */
const SETTLE_CONCURRENCY = 16

export const deliverDestination$ = (o: DeliverDestinationOptions): Observable<NodeActivity> => {
  const dest = o.adapter.domain
  // A multisig destination executes after `threshold` members each approved: every member reads
  // every certificate through its own consumer instead of sharing one work queue.
  const everyMember = o.adapter.deliveryMode === 'every-member'
  const spec = everyMember ? memberDelivererConsumer(dest, o.memberId, o.consumer) : delivererConsumer(dest, o.consumer)
  const subject = everyMember ? memberDeliverySubject(dest) : deliverySubject(dest)
  const log = o.log.child({ step: 'deliver', destination: dest })
  const settleCtx: SettleContext = { js: o.js, log, maxDeliver: spec.maxDeliver, retryDelaysMs: o.retryDelaysMs }
  const workingEveryMs = Math.max(500, Math.floor((spec.backoffMs?.[0] ?? spec.ackWaitMs) / 3))
  const sc: SettleDeliveryContext = {
    js: o.js,
    messages: o.messages,
    memberId: o.memberId,
    chain: o.adapter.chain,
    destination: dest,
    log,
    now: o.now,
    settle: settleCtx,
  }
  const settleEntry = (e: Entry, outcome: DeliveryOutcome) => settleDelivery(sc, e, outcome)
  const activity = (id: Hex | undefined, action: DeliveryActionKind, detail?: string) =>
    deliveryActivity(dest, id, action, detail)
  const failpoints = o.failpoints ?? NO_FAILPOINTS

  /** A broadcast (first or replacement): crash point, then KV stage + `submitted` event per message. */
  const onSubmitted = async (p: Extract<DeliveryProgress, { kind: 'submitted' }>, entries: Entry[]) => {
    await failpoints.hit('deliver.afterBroadcast', { txHash: p.txHash, nonce: p.nonce, msgIds: p.ids })
    const ids = new Set(p.ids.map((x) => x.toLowerCase()))
    log.info({ txHash: p.txHash, nonce: p.nonce, msgIds: p.ids }, 'delivery submitted')
    await mapConcurrent(
      entries.filter((e) => ids.has(e.id.toLowerCase())),
      SETTLE_CONCURRENCY,
      (e) => recordSubmitted(sc, e, p),
    )
  }

  /** The adapter's progress to the final results; every `submitted` is handled before the next value. */
  const deliverWithProgress = (entries: Entry[]): Promise<DeliveryResult[]> =>
    lastValueFrom(
      o.adapter
        .deliverProgress$(
          entries.map((e) => ({
            message: e.doc.decoded,
            certificate: { epoch: e.doc.epoch, signatures: e.doc.signatures },
          })),
        )
        .pipe(
          concatMap((p) =>
            p.kind === 'submitted' ? from(onSubmitted(p, entries)).pipe(ignoreElements()) : of(p.results),
          ),
        ),
      { defaultValue: [] as DeliveryResult[] },
    )

  /** One destination transaction for `entries`; split into singles when refused as a whole. */
  const deliverEntries = async (entries: Entry[]): Promise<NodeActivity[]> => {
    const heartbeat = interval(workingEveryMs).subscribe(() => {
      for (const e of entries) for (const m of e.msgs) m.working()
    })
    let results: DeliveryResult[]
    try {
      results = await deliverWithProgress(entries)
    } catch (e) {
      const err = isRelayError(e) ? e : toRelayError(e, 'deliver')
      if (!err.retryable && entries.length > 1) {
        log.warn({ err, msgIds: entries.map((x) => x.id) }, 'batch refused, delivering one at a time')
        const out: NodeActivity[] = []
        for (const one of entries) out.push(...(await deliverEntries([one])))
        return out
      }
      log.warn({ err, msgIds: entries.map((x) => x.id) }, 'delivery failed')
      return (
        await mapConcurrent(entries, SETTLE_CONCURRENCY, (one) => settleEntry(one, { kind: 'error', err }))
      ).flat()
    } finally {
      heartbeat.unsubscribe()
    }
    // F-21: the destination transaction is final; nothing is recorded or acked yet.
    if (results.some((r) => r.txHash !== undefined))
      await failpoints.hit('confirm.afterReceipt', { msgIds: entries.map((x) => x.id) })
    const byId = new Map(results.map((r) => [r.id.toLowerCase(), r]))
    const settled = await mapConcurrent(entries, SETTLE_CONCURRENCY, (e) => {
      const result = byId.get(e.id)
      return settleEntry(
        e,
        result
          ? { kind: 'result', result }
          : { kind: 'error', err: new RpcError({ chain: o.adapter.chain, method: 'deliver (no result for id)' }) },
      )
    })
    return settled.flat()
  }

  const deliverBatch = async (msgs: JsMsg[]): Promise<NodeActivity[]> => {
    const out: NodeActivity[] = []
    const received: { msg: JsMsg; doc: CertificateDoc }[] = []
    for (const m of msgs) {
      try {
        const doc = parseCertificate(m.data)
        if (m.subject !== subject || doc.destination !== dest) {
          throw new WireFormatError({ kind: 'certificate', issues: [`destination ${doc.destination} on ${m.subject}`] })
        }
        received.push({ msg: m, doc })
      } catch (err) {
        log.error({ err, subject: m.subject, seq: m.info.streamSequence }, 'ALERT malformed certificate')
        const s = await settleFailed(m, err, settleCtx)
        out.push(activity(undefined, s.kind === 'termed' ? 'dead-lettered' : 'retry', firstLine(err)))
      }
    }
    for (const g of planDeliveryGroups(received, o.maxDeliveryBatch)) out.push(...(await deliverEntries(g.entries)))
    return out
  }

  // Nothing may end the pipeline: an unexpected failure hands the batch back to the queue.
  const deliverBatchSafe = async (msgs: JsMsg[]): Promise<NodeActivity[]> => {
    try {
      return await deliverBatch(msgs)
    } catch (err) {
      log.error({ err, count: msgs.length }, 'delivery batch failed unexpectedly, returned to the queue')
      for (const m of msgs) m.nak(o.retryDelaysMs[0] ?? 1_000)
      return msgs.map(() => activity(undefined, 'retry', firstLine(err)))
    }
  }

  return resilientConsumer$({
    js: o.js,
    spec,
    pullBatch: o.pullBatch,
    log,
    stop$: o.stop$,
    retryBaseMs: o.retryBaseMs,
    retryMaxMs: o.retryMaxMs,
  }).pipe(
    batchWhileBusy((msgs: JsMsg[]) => from(deliverBatchSafe(msgs)).pipe(mergeMap((xs) => from(xs))), {
      maxBatch: o.maxDeliveryBatch,
      lingerMs: o.deliveryLingerMs,
      // Shutdown: hand queued certificates back at once instead of after AckWait.
      onAbandon: (rest) => {
        for (const m of rest) m.nak()
      },
    }),
  )
}
