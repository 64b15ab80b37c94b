import type { DeliveryResult } from '../../adapters/index.js'
import { DeliveryRevertedError, RateLimitedError, type RelayError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { FAILURE_REASONS } from '../nats/events.js'

export type FailureReason = (typeof FAILURE_REASONS)[number]

/** What the destination said about one certificate (or why we could not ask). */
export type DeliveryOutcome = { kind: 'result'; result: DeliveryResult } | { kind: 'error'; err: RelayError }

/** What to do with the queue message(s) of one certificate. */
export type DeliveryDecision =
  | { kind: 'delivered'; txHash?: Hex; blockNumber?: bigint }
  | { kind: 'already-delivered' }
  | { kind: 'failed'; reason: FailureReason; detail: string; txHash?: Hex; blockNumber?: bigint }
  | { kind: 'queued'; detail: string; txHash?: Hex; blockNumber?: bigint; releaseAt?: bigint }
  | {
      kind: 'retry'
      err: RelayError
      /** Failure reason if it ends in the dead-letter stream (or is worth a retryable `failed` event). */
      reason: FailureReason
      /** Announce this retry with a `failed` (retryable) event: only for states a dApp should see. */
      isAnnounced: boolean
    }

// Bridge custom errors that mean the certificate itself was refused (contracts/src/IIsthmusBridge.sol).
const CERTIFICATE_ERRORS = new Set([
  'UnknownEpoch',
  'EpochExpired',
  'MalformedSignatures',
  'InsufficientSignatures',
  'SignatureHighS',
  'SignatureBadV',
  'SignatureUnrecoverable',
  'SignersNotAscending',
  'NotCommitteeMember',
])

/** The docs/events.md failure reason of a delivery error. */
export const failureReasonOf = (err: RelayError): FailureReason => {
  if (err.code === 'RATE_LIMITED') return 'RATE_LIMITED'
  if (err.code === 'DESTINATION_PAUSED') return 'DESTINATION_PAUSED'
  if (err.code === 'CERTIFICATE_INVALID') return 'CERTIFICATE_INVALID'
  if (err.code === 'DELIVERY_REVERTED')
    return CERTIFICATE_ERRORS.has(String(err.meta.reason)) ? 'CERTIFICATE_INVALID' : 'DELIVERY_REVERTED'
  if (err.code === 'WIRE_INVALID') return 'MALFORMED'
  return 'UNKNOWN'
}

const pos = (r: DeliveryResult) => ({
  ...(r.txHash ? { txHash: r.txHash } : {}),
  ...(r.blockNumber !== undefined ? { blockNumber: r.blockNumber } : {}),
})

/**
 * Map a destination outcome to the deliverer's action (RELIABILITY.md §4.4): delivered and
 * already-delivered are successes (another relayer won, F-25); a recipient revert is `failed`
 * (recorded on chain, retryable there by `retryFailed`) and acked so later messages never wait;
 * a large transfer is `queued` and acked; everything else is retried through the queue
 * (nak with backoff, dead-lettered after MaxDeliver). Pure.
 */
export const classifyDelivery = (o: DeliveryOutcome, chain: ChainRef): DeliveryDecision => {
  if (o.kind === 'error') {
    const reason = failureReasonOf(o.err)
    return {
      kind: 'retry',
      err: o.err,
      reason,
      isAnnounced: reason === 'RATE_LIMITED' || reason === 'DESTINATION_PAUSED',
    }
  }
  const r = o.result
  switch (r.status) {
    case 'delivered':
      return { kind: 'delivered', ...pos(r) }
    case 'already-delivered':
      return { kind: 'already-delivered' }
    case 'deferred': {
      // Not executed (a rate limit reached inside a batch): submit again later, never done.
      const err =
        r.reason === 'rate-limited'
          ? new RateLimitedError({ chain, id: r.id })
          : new DeliveryRevertedError({
              chain,
              id: r.id,
              reason: r.reason ?? 'deferred by the destination',
              retryable: true,
            })
      return { kind: 'retry', err, reason: failureReasonOf(err), isAnnounced: err.code === 'RATE_LIMITED' }
    }
    case 'failed':
      return { kind: 'failed', reason: 'RECIPIENT_REVERTED', detail: r.reason ?? 'recipient reverted', ...pos(r) }
    default:
      return {
        kind: 'queued',
        detail: r.reason ?? 'queued',
        ...pos(r),
        ...(r.releaseAt !== undefined ? { releaseAt: r.releaseAt } : {}),
      }
  }
}
