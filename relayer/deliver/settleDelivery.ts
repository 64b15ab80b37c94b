import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import type { ChainRef, Hex } from '../../types.js'
import { decodeMessageRecord, encodeMessageRecord, type MessageRecord } from '../aggregate/messageRecord.js'
import { updateWithCas } from '../nats/kvCas.js'
import { type SettleContext, settle, settleFailed } from '../nats/settle.js'
import type { CertificateDoc } from '../nats/wire.js'
import { publishEventBestEffort } from '../stream/publishEventBestEffort.js'
import type { DeliveryActionKind, NodeActivity } from '../types.js'
import { applyDeliveryRecord, type DeliveryRecordChange } from './applyDeliveryRecord.js'
import { classifyDelivery, type DeliveryDecision, type DeliveryOutcome } from './classifyDelivery.js'
import type { DeliveryEntry } from './planDeliveryGroups.js'

export interface SettleDeliveryContext {
  js: JetStreamClient
  /** The `isthmus-messages` bucket. */
  messages: KV
  memberId: string
  chain: ChainRef
  destination: number
  log: Logger
  now: () => Date
  settle: SettleContext
}

type Entry = DeliveryEntry<JsMsg>

export const firstLine = (e: unknown): string =>
  (e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e)).slice(0, 1024)

/** A deliverer's activity record. */
export const deliveryActivity = (
  destination: number,
  id: Hex | undefined,
  action: DeliveryActionKind,
  detail?: string,
): NodeActivity => ({ kind: 'delivery', destination, id, action, ...(detail ? { detail } : {}) })

const record = (c: SettleDeliveryContext, id: Hex, ch: DeliveryRecordChange) =>
  updateWithCas<MessageRecord>(c.messages, id, (cur) => applyDeliveryRecord(cur, ch, c.now()), {
    decode: decodeMessageRecord,
    encode: encodeMessageRecord,
    bucket: 'isthmus-messages',
  })

const eventBase = (c: SettleDeliveryContext, doc: CertificateDoc) => ({
  v: 1 as const,
  id: doc.id,
  origin: doc.origin,
  destination: doc.destination,
  nonce: doc.nonce,
  at: c.now().toISOString(),
  relayer: c.memberId,
})

/** The effect before the ack of a settled certificate: KV record, then the status event. */
const effectOf = (c: SettleDeliveryContext, e: Entry, d: Exclude<DeliveryDecision, { kind: 'retry' }>) => async () => {
  const base = { chain: c.chain, relayer: c.memberId }
  const tx = {
    ...('txHash' in d && d.txHash ? { txHash: d.txHash } : {}),
    ...('blockNumber' in d && d.blockNumber !== undefined ? { blockNumber: d.blockNumber } : {}),
  }
  if (d.kind === 'delivered' || d.kind === 'already-delivered') {
    await record(c, e.id, { status: 'delivered', ...base, ...tx })
    if (d.kind === 'delivered' && d.txHash && d.blockNumber !== undefined) {
      await publishEventBestEffort(c.js, c.log, {
        ...eventBase(c, e.doc),
        status: 'delivered',
        chain: c.chain,
        txHash: d.txHash,
        blockNumber: d.blockNumber,
      })
    }
    return
  }
  const reason = d.kind === 'failed' ? d.reason : 'QUEUED_LARGE_TRANSFER'
  await record(
    c,
    e.id,
    d.kind === 'failed'
      ? { status: 'failed', ...base, reason, detail: d.detail, retryable: false, ...tx }
      : {
          status: 'queued',
          ...base,
          detail: d.detail,
          ...tx,
          ...(d.releaseAt !== undefined ? { releaseAt: d.releaseAt } : {}),
        },
  )
  // A queued transfer is announced as `failed` QUEUED_LARGE_TRANSFER (docs/events.md).
  await publishEventBestEffort(c.js, c.log, {
    ...eventBase(c, e.doc),
    status: 'failed',
    reason,
    detail: d.detail,
    retryable: false,
  })
}

const settleDone = async (
  c: SettleDeliveryContext,
  e: Entry,
  d: Exclude<DeliveryDecision, { kind: 'retry' }>,
): Promise<NodeActivity[]> => {
  // The first copy does the effect; redelivered copies of the same id are plain acks.
  const [first, ...dups] = e.msgs
  const r = await settle(first!, effectOf(c, e, d), c.settle)
  for (const m of dups) await settle(m, async () => undefined, c.settle)
  if (r.outcome.kind !== 'acked') {
    const action = r.outcome.kind === 'termed' ? 'dead-lettered' : 'retry'
    return [deliveryActivity(c.destination, e.id, action, firstLine(r.outcome.err))]
  }
  const detail = 'detail' in d ? d.detail : undefined
  c.log[d.kind === 'failed' ? 'warn' : 'info'](
    { msgId: e.id, outcome: d.kind, ...('txHash' in d ? { txHash: d.txHash } : {}), ...(detail ? { detail } : {}) },
    'message settled at the destination',
  )
  return [deliveryActivity(c.destination, e.id, d.kind, detail)]
}

const settleRetry = async (
  c: SettleDeliveryContext,
  e: Entry,
  d: Extract<DeliveryDecision, { kind: 'retry' }>,
): Promise<NodeActivity[]> => {
  const out: NodeActivity[] = []
  const detail = firstLine(d.err)
  for (const m of e.msgs) {
    const s = await settleFailed(m, d.err, c.settle)
    if (s.kind === 'termed') {
      // Dead-lettered: an operator must act; the record and the public event say why.
      const reason = d.err.retryable ? 'MAX_ATTEMPTS' : d.reason
      const change = {
        status: 'failed',
        chain: c.chain,
        relayer: c.memberId,
        reason,
        code: d.err.code,
        detail,
        retryable: false,
      } as const
      await record(c, e.id, change).catch((err: unknown) =>
        c.log.warn({ err, msgId: e.id }, 'failed status not recorded'),
      )
      await publishEventBestEffort(c.js, c.log, {
        ...eventBase(c, e.doc),
        status: 'failed',
        reason,
        code: d.err.code,
        detail,
        retryable: false,
      })
      out.push(deliveryActivity(c.destination, e.id, 'dead-lettered', detail))
      continue
    }
    if (d.isAnnounced && m === e.msgs[0]) {
      await publishEventBestEffort(c.js, c.log, {
        ...eventBase(c, e.doc),
        status: 'failed',
        reason: d.reason,
        code: d.err.code,
        detail,
        retryable: true,
      })
    }
    out.push(deliveryActivity(c.destination, e.id, 'retry', detail))
  }
  return out
}

/**
 * A delivery transaction carrying `e` was broadcast: note it in the record (`status: submitted`,
 * `stages.submitted`, `submission`) and publish the `submitted` event (one per transaction hash,
 * so a replacement is announced too). Best effort: never throws; the destination stays the truth.
 */
export const recordSubmitted = async (
  c: SettleDeliveryContext,
  e: Entry,
  sub: { txHash: Hex; nonce: bigint },
): Promise<void> => {
  try {
    await record(c, e.id, { status: 'submitted', chain: c.chain, relayer: c.memberId, ...sub })
  } catch (err) {
    c.log.warn({ err, msgId: e.id, txHash: sub.txHash }, 'submitted status not recorded')
  }
  await publishEventBestEffort(c.js, c.log, {
    ...eventBase(c, e.doc),
    status: 'submitted',
    chain: c.chain,
    txHash: sub.txHash,
  })
}

/**
 * Settle one certificate's queue message(s) from the destination's outcome (`classifyDelivery`):
 * KV status and status event, then ack; or nak with backoff; or, after MaxDeliver or for a fatal
 * error, dead-letter + `failed` status and event. Never throws for a NATS failure of the effect
 * (the message is nak'ed and redelivered: every step is idempotent).
 */
export const settleDelivery = (
  c: SettleDeliveryContext,
  e: Entry,
  outcome: DeliveryOutcome,
): Promise<NodeActivity[]> => {
  const d = classifyDelivery(outcome, c.chain)
  return d.kind === 'retry' ? settleRetry(c, e, d) : settleDone(c, e, d)
}
