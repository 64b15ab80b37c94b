import type { StatusEvent } from '../relayer/index.js'
import type { ApiStatus } from './schemas.js'

/** Stage timestamps the API reports (ISO strings; first time each stage was seen, latest failure). */
export type Stage =
  | 'dispatched'
  | 'observed'
  | 'verified'
  | 'attested'
  | 'certified'
  | 'submitted'
  | 'delivered'
  | 'failed'

/** What the API knows about one message, folded from its status events (and the KV record). */
export interface IndexedMessage {
  id: string
  origin: number
  destination: number
  nonce: string
  status: ApiStatus
  stages: Partial<Record<Stage, string>>
  /** EVENTS sequence of the first event about it (list order and cursors). */
  seq: number
  source?: { chain: string; blockNumber: string; txHash: string }
  submission?: { chain: string; txHash: string }
  delivery?: { chain: string; txHash: string; blockNumber: string }
  attestations?: { count: number; threshold: number }
  failure?: { reason: string; code?: string; detail?: string; retryable: boolean; at: string }
  retraction?: { reason: string; detail?: string }
  sender?: string
  recipient?: string
  transfer?: { assetId: string; amount: string; beneficiary: string }
  /** Release time of a queued large transfer (unix seconds of chain time), from the KV record. */
  releaseAt?: string
}

const RANK: Record<string, number> = {
  dispatched: 0,
  observed: 1,
  verified: 2,
  attested: 3,
  certified: 4,
  submitted: 5,
  delivered: 9,
}

const firstOf = (a: string | undefined, b: string): string => (a === undefined || b < a ? b : a)

/** The status after `e`: delivered is final; failures hold until a retry is submitted or delivered. */
const nextStatus = (cur: ApiStatus | undefined, e: StatusEvent): ApiStatus => {
  if (cur === 'delivered') return cur
  if (e.status === 'failed') return e.reason === 'QUEUED_LARGE_TRANSFER' ? 'queued' : 'failed'
  if (e.status === 'retracted') return 'retracted'
  if (cur === undefined) return e.status
  if (cur === 'failed' || cur === 'queued' || cur === 'retracted')
    return e.status === 'submitted' || e.status === 'delivered' ? e.status : cur
  return (RANK[e.status] ?? 0) > (RANK[cur] ?? 0) ? e.status : cur
}

/**
 * Fold one status event into a message's record (pure; returns a new object). Events may arrive in
 * any order and more than once (several relayers report the same change): stages keep the earliest
 * time, the status never moves back, and a repeat changes nothing.
 */
export const applyStatusEvent = (cur: IndexedMessage | undefined, e: StatusEvent, seq: number): IndexedMessage => {
  const r: IndexedMessage = cur
    ? { ...cur, stages: { ...cur.stages } }
    : {
        id: e.id,
        origin: e.origin,
        destination: e.destination,
        nonce: e.nonce.toString(),
        status: e.status,
        stages: {},
        seq,
      }
  r.status = nextStatus(cur?.status, e)
  switch (e.status) {
    case 'observed':
      r.stages.observed = firstOf(r.stages.observed, e.at)
      r.source ??= { chain: e.source.chain, blockNumber: e.source.blockNumber.toString(), txHash: e.source.txHash }
      break
    case 'verified':
      r.stages.verified = firstOf(r.stages.verified, e.at)
      break
    case 'attested':
      r.stages.attested = firstOf(r.stages.attested, e.at)
      if (!r.attestations || e.count > r.attestations.count) r.attestations = { count: e.count, threshold: e.threshold }
      break
    case 'certified':
      r.stages.certified = firstOf(r.stages.certified, e.at)
      r.attestations = { count: Math.max(e.threshold, r.attestations?.count ?? 0), threshold: e.threshold }
      break
    case 'submitted':
      r.stages.submitted = firstOf(r.stages.submitted, e.at)
      r.submission = { chain: e.chain, txHash: e.txHash }
      break
    case 'delivered':
      r.stages.delivered = firstOf(r.stages.delivered, e.at)
      r.delivery = { chain: e.chain, txHash: e.txHash, blockNumber: e.blockNumber.toString() }
      r.failure = undefined
      break
    case 'failed':
      if (r.status !== 'delivered' && (!r.failure || e.at >= r.failure.at)) {
        r.stages.failed = e.at
        r.failure = {
          reason: e.reason,
          ...(e.code === undefined ? {} : { code: e.code }),
          ...(e.detail === undefined ? {} : { detail: e.detail }),
          retryable: e.retryable,
          at: e.at,
        }
      }
      break
    case 'retracted':
      r.retraction = { reason: e.reason, ...(e.detail === undefined ? {} : { detail: e.detail }) }
      break
  }
  return r
}
