import type { Hex } from '../../types.js'
import type { MessageRecord, RecordStatus } from '../aggregate/messageRecord.js'

/** A deliverer's change to a message's `isthmus-messages` record. */
export type DeliveryRecordChange =
  | {
      status: 'delivered' | 'queued'
      chain: string
      relayer: string
      txHash?: Hex
      blockNumber?: bigint
      detail?: string
      /** For `queued`: the release time (chain time, unix seconds). */
      releaseAt?: bigint
    }
  | {
      status: 'failed'
      chain: string
      relayer: string
      reason: string
      code?: string
      detail?: string
      retryable: boolean
      txHash?: Hex
      blockNumber?: bigint
    }
  | { status: 'submitted'; chain: string; relayer: string; txHash: Hex; nonce: bigint }

/** Statuses a broadcast delivery transaction moves on to `submitted` (never back from an outcome). */
const SUBMITTABLE: readonly RecordStatus[] = ['attested', 'certified', 'failed', 'submitted']

const applySubmitted = (
  cur: MessageRecord,
  ch: Extract<DeliveryRecordChange, { status: 'submitted' }>,
  at: string,
): MessageRecord | undefined => {
  if (!SUBMITTABLE.includes(cur.status) || cur.submission?.txHash === ch.txHash) return undefined
  const next: MessageRecord = {
    ...cur,
    status: 'submitted',
    submission: { chain: ch.chain, relayer: ch.relayer, txHash: ch.txHash, nonce: ch.nonce, at },
    stages: { ...cur.stages },
    updatedAt: at,
  }
  next.stages.submitted ??= at
  delete next.failure
  return next
}

/**
 * Pure CAS step for `updateWithCas`: apply a destination outcome to the record, or return
 * undefined for no write. A record is created only by the aggregator; `delivered` is final (a
 * late `failed`, `queued` or `submitted` from a slower relayer never moves it back); a
 * `submitted` never overrides an outcome (`queued`, `retracted`); repeating the same change
 * writes nothing (redeliveries, several relayers).
 */
export const applyDeliveryRecord = (
  cur: MessageRecord | undefined,
  ch: DeliveryRecordChange,
  now: Date,
): MessageRecord | undefined => {
  if (!cur) return undefined
  const at = now.toISOString()
  if (cur.status === 'delivered') {
    // Two instances can settle one id: the one that saw "already delivered" may record first, without
    // the transaction. The one that sent it may then add its hash; nothing else changes a delivered record.
    if (ch.status !== 'delivered' || !ch.txHash || cur.delivery?.txHash) return undefined
    const delivery = {
      ...(cur.delivery ?? { chain: ch.chain, relayer: ch.relayer }),
      relayer: ch.relayer,
      txHash: ch.txHash,
      ...(ch.blockNumber !== undefined ? { blockNumber: ch.blockNumber } : {}),
    }
    return { ...cur, delivery, updatedAt: at }
  }
  if (ch.status === 'submitted') return applySubmitted(cur, ch, at)
  if (ch.status === 'queued' && cur.status === 'queued') {
    // Only a release time learnt later is worth a write.
    if (ch.releaseAt === undefined || cur.delivery?.releaseAt === ch.releaseAt) return undefined
    return { ...cur, delivery: { ...cur.delivery!, releaseAt: ch.releaseAt }, updatedAt: at }
  }
  if (
    ch.status === 'failed' &&
    cur.status === 'failed' &&
    cur.failure?.reason === ch.reason &&
    cur.failure?.detail === ch.detail
  ) {
    return undefined
  }
  const delivery = {
    chain: ch.chain,
    relayer: ch.relayer,
    ...(ch.txHash ? { txHash: ch.txHash } : {}),
    ...(ch.blockNumber !== undefined ? { blockNumber: ch.blockNumber } : {}),
    ...(ch.status !== 'failed' && ch.detail ? { detail: ch.detail.slice(0, 1024) } : {}),
    ...(ch.status === 'queued' && ch.releaseAt !== undefined ? { releaseAt: ch.releaseAt } : {}),
  }
  const next: MessageRecord = { ...cur, status: ch.status, delivery, stages: { ...cur.stages }, updatedAt: at }
  next.stages[ch.status] ??= at
  if (ch.status === 'failed') {
    next.failure = {
      reason: ch.reason,
      ...(ch.code ? { code: ch.code } : {}),
      ...(ch.detail ? { detail: ch.detail.slice(0, 1024) } : {}),
      retryable: ch.retryable,
      at,
    }
  } else delete next.failure
  return next
}
