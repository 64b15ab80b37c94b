import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { from, interval, mergeMap, type Observable } from 'rxjs'
import type { DeliveryResult, DestinationAdapter } from '../../adapters/index.js'
import { isRelayError, RpcError, WireFormatError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { decodeMessageRecord, encodeMessageRecord, type MessageRecord } from '../aggregate/messageRecord.js'
import { type ConsumerTuning, delivererConsumer } from '../nats/durableConsumers.js'
import { updateWithCas } from '../nats/kvCas.js'
import { type SettleContext, settle, settleFailed } from '../nats/settle.js'
import { deliverySubject } from '../nats/subjects.js'
import { toRelayError } from '../nats/toRelayError.js'
import { type CertificateDoc, parseCertificate } from '../nats/wire.js'
import { publishEventBestEffort } from '../stream/publishEventBestEffort.js'
import { resilientConsumer$ } from '../stream/resilientConsumer.js'
import type { NodeActivity } from '../types.js'
import { applyDeliveryRecord, type DeliveryRecordChange } from './applyDeliveryRecord.js'
import { batchWhileBusy } from './batchWhileBusy.js'
import { classifyDelivery, type DeliveryDecision, type DeliveryOutcome } from './classifyDelivery.js'
import { type DeliveryEntry, planDeliveryGroups } from './planDeliveryGroups.js'

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
}

type Entry = DeliveryEntry<JsMsg>
const firstLine = (e: unknown) => (e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e)).slice(0, 1024)

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
export const deliverDestination$ = (o: DeliverDestinationOptions): Observable<NodeActivity> => {
  const dest = o.adapter.domain
  const spec = delivererConsumer(dest, o.consumer)
  const log = o.log.child({ step: 'deliver', destination: dest })
  const settleCtx: SettleContext = { js: o.js, log, maxDeliver: spec.maxDeliver, retryDelaysMs: o.retryDelaysMs }
  const workingEveryMs = Math.max(500, Math.floor((spec.backoffMs?.[0] ?? spec.ackWaitMs) / 3))
  const activity = (
    id: Hex | undefined,
    action: Extract<NodeActivity, { kind: 'delivery' }>['action'],
    detail?: string,
  ): NodeActivity => ({
    kind: 'delivery',
    destination: dest,
    id,
    action,
    ...(detail ? { detail } : {}),
  })

  const record = async (id: Hex, ch: DeliveryRecordChange) =>
    updateWithCas<MessageRecord>(o.messages, id, (cur) => applyDeliveryRecord(cur, ch, o.now()), {
      decode: decodeMessageRecord,
      encode: encodeMessageRecord,
      bucket: 'isthmus-messages',
    })

  const eventBase = (doc: CertificateDoc) => ({
    v: 1 as const,
    id: doc.id,
    origin: doc.origin,
    destination: doc.destination,
    nonce: doc.nonce,
    at: o.now().toISOString(),
    relayer: o.memberId,
  })

  /** The effect before the ack of a settled certificate: KV record, then the status event. */
  const effectOf = (e: Entry, d: Exclude<DeliveryDecision, { kind: 'retry' }>) => async () => {
    const base = { chain: o.adapter.chain, relayer: o.memberId }
    if (d.kind === 'delivered' || d.kind === 'already-delivered') {
      const tx = d.kind === 'delivered' ? d : {}
      await record(e.id, { status: 'delivered', ...base, ...tx })
      if (d.kind === 'delivered' && d.txHash && d.blockNumber !== undefined) {
        await publishEventBestEffort(o.js, log, {
          ...eventBase(e.doc),
          status: 'delivered',
          chain: o.adapter.chain,
          txHash: d.txHash,
          blockNumber: d.blockNumber,
        })
      }
    } else if (d.kind === 'failed') {
      await record(e.id, {
        status: 'failed',
        ...base,
        reason: d.reason,
        detail: d.detail,
        retryable: false,
        ...(d.txHash ? { txHash: d.txHash } : {}),
      })
      await publishEventBestEffort(o.js, log, {
        ...eventBase(e.doc),
        status: 'failed',
        reason: d.reason,
        detail: d.detail,
        retryable: false,
      })
    } else {
      await record(e.id, { status: 'queued', ...base, detail: d.detail, ...(d.txHash ? { txHash: d.txHash } : {}) })
      await publishEventBestEffort(o.js, log, {
        ...eventBase(e.doc),
        status: 'failed',
        reason: 'QUEUED_LARGE_TRANSFER',
        detail: d.detail,
        retryable: false,
      })
    }
  }

  const settleEntry = async (e: Entry, outcome: DeliveryOutcome): Promise<NodeActivity[]> => {
    const d = classifyDelivery(outcome, o.adapter.chain)
    if (d.kind !== 'retry') {
      const out: NodeActivity[] = []
      // The first copy does the effect; redelivered copies of the same id are plain acks.
      const [first, ...dups] = e.msgs
      const r = await settle(first!, effectOf(e, d), settleCtx)
      for (const m of dups) await settle(m, async () => undefined, settleCtx)
      if (r.outcome.kind === 'acked') {
        const level = d.kind === 'failed' ? 'warn' : 'info'
        log[level](
          {
            msgId: e.id,
            outcome: d.kind,
            ...('txHash' in d ? { txHash: d.txHash } : {}),
            ...('detail' in d ? { detail: d.detail } : {}),
          },
          'message settled at the destination',
        )
        out.push(activity(e.id, d.kind, 'detail' in d ? d.detail : undefined))
      } else out.push(activity(e.id, r.outcome.kind === 'termed' ? 'dead-lettered' : 'retry', firstLine(r.outcome.err)))
      return out
    }
    const out: NodeActivity[] = []
    for (const m of e.msgs) {
      const s = await settleFailed(m, d.err, settleCtx)
      if (s.kind === 'termed') {
        const reason = d.err.retryable ? 'MAX_ATTEMPTS' : d.reason
        try {
          await record(e.id, {
            status: 'failed',
            chain: o.adapter.chain,
            relayer: o.memberId,
            reason,
            code: d.err.code,
            detail: firstLine(d.err),
            retryable: false,
          })
        } catch (err) {
          log.warn({ err, msgId: e.id }, 'failed status not recorded')
        }
        await publishEventBestEffort(o.js, log, {
          ...eventBase(e.doc),
          status: 'failed',
          reason,
          code: d.err.code,
          detail: firstLine(d.err),
          retryable: false,
        })
        out.push(activity(e.id, 'dead-lettered', firstLine(d.err)))
      } else {
        if (d.isAnnounced && m === e.msgs[0]) {
          await publishEventBestEffort(o.js, log, {
            ...eventBase(e.doc),
            status: 'failed',
            reason: d.reason,
            code: d.err.code,
            detail: firstLine(d.err),
            retryable: true,
          })
        }
        out.push(activity(e.id, 'retry', firstLine(d.err)))
      }
    }
    return out
  }

  /** One destination transaction for `entries`; split into singles when refused as a whole. */
  const deliverEntries = async (entries: Entry[]): Promise<NodeActivity[]> => {
    const heartbeat = interval(workingEveryMs).subscribe(() => {
      for (const e of entries) for (const m of e.msgs) m.working()
    })
    let results: DeliveryResult[]
    try {
      results = await o.adapter.deliver(
        entries.map((e) => ({
          message: e.doc.decoded,
          certificate: { epoch: e.doc.epoch, signatures: e.doc.signatures },
        })),
      )
    } catch (e) {
      const err = isRelayError(e) ? e : toRelayError(e, 'deliver')
      if (!err.retryable && entries.length > 1) {
        log.warn({ err, msgIds: entries.map((x) => x.id) }, 'batch refused, delivering one at a time')
        const out: NodeActivity[] = []
        for (const one of entries) out.push(...(await deliverEntries([one])))
        return out
      }
      log.warn({ err, msgIds: entries.map((x) => x.id) }, 'delivery failed')
      const out: NodeActivity[] = []
      for (const one of entries) out.push(...(await settleEntry(one, { kind: 'error', err })))
      return out
    } finally {
      heartbeat.unsubscribe()
    }
    const out: NodeActivity[] = []
    for (const e of entries) {
      const result = results.find((r) => r.id.toLowerCase() === e.id)
      if (!result) {
        out.push(
          ...(await settleEntry(e, {
            kind: 'error',
            err: new RpcError({ chain: o.adapter.chain, method: 'deliver (no result for id)' }),
          })),
        )
        continue
      }
      out.push(...(await settleEntry(e, { kind: 'result', result })))
    }
    return out
  }

  const deliverBatch = async (msgs: JsMsg[]): Promise<NodeActivity[]> => {
    const out: NodeActivity[] = []
    const received: { msg: JsMsg; doc: CertificateDoc }[] = []
    for (const m of msgs) {
      try {
        const doc = parseCertificate(m.data)
        if (m.subject !== deliverySubject(dest) || doc.destination !== dest) {
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
