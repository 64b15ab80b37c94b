import type { Hex } from '../../types.js'
import type { MessageRecord } from '../aggregate/messageRecord.js'

/** A deliverer's change to a message's `isthmus-messages` record. */
export type DeliveryRecordChange =
  | {
      status: 'delivered' | 'queued'
      chain: string
      relayer: string
      txHash?: Hex
      blockNumber?: bigint
      detail?: string
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

/**
 * Pure CAS step for `updateWithCas`: apply a destination outcome to the record, or return
 * undefined for no write. A record is created only by the aggregator; `delivered` is final (a
 * late `failed` or `queued` from a slower relayer never moves it back); repeating the same
 * outcome writes nothing (redeliveries, several relayers).
 */
export const applyDeliveryRecord = (
  cur: MessageRecord | undefined,
  ch: DeliveryRecordChange,
  now: Date,
): MessageRecord | undefined => {
  if (!cur || cur.status === 'delivered') return undefined
  if (ch.status === 'queued' && cur.status === 'queued') return undefined
  if (
    ch.status === 'failed' &&
    cur.status === 'failed' &&
    cur.failure?.reason === ch.reason &&
    cur.failure?.detail === ch.detail
  ) {
    return undefined
  }
  const at = now.toISOString()
  const delivery = {
    chain: ch.chain,
    relayer: ch.relayer,
    ...(ch.txHash ? { txHash: ch.txHash } : {}),
    ...(ch.blockNumber !== undefined ? { blockNumber: ch.blockNumber } : {}),
    ...(ch.status !== 'failed' && ch.detail ? { detail: ch.detail.slice(0, 1024) } : {}),
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
