import type { IndexedMessage } from './indexedMessage.js'
import type { WaitingFor } from './schemas.js'

/** Live chain facts the reason needs (read only when the status calls for them). */
export interface WaitingContext {
  now: Date
  /** Source confirmations so far and the depth the relayers wait for (status `dispatched`). */
  finality?: { have: number; need: number }
  /** The destination's committee threshold, when no attestation event said it yet. */
  threshold?: number
  destinationPaused?: boolean
  /** The destination's bucket for the transfer's asset. */
  rateLimit?: { enabled: boolean; available: bigint; refillPerSecond: bigint }
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b

/** When a bucket short of `amount` refills enough (undefined when it never refills). */
const refilledAt = (now: Date, amount: bigint, r: NonNullable<WaitingContext['rateLimit']>): string | undefined => {
  if (r.refillPerSecond <= 0n) return undefined
  const secs = ceilDiv(amount - r.available, r.refillPerSecond)
  return new Date(now.getTime() + Number(secs) * 1000).toISOString()
}

const rateLimited = (m: IndexedMessage, c: WaitingContext): WaitingFor | undefined => {
  const r = c.rateLimit
  const amount = m.transfer ? BigInt(m.transfer.amount) : undefined
  if (!r?.enabled || amount === undefined || amount <= r.available) return undefined
  const until = refilledAt(c.now, amount, r)
  return {
    code: 'rate_limited',
    detail: until ? `rate-limited until ${until}` : 'rate-limited: the bucket does not refill',
    ...(until ? { until } : {}),
  }
}

const PAUSED: WaitingFor = { code: 'destination_paused', detail: 'destination paused' }

const ofFailure = (m: IndexedMessage, c: WaitingContext): WaitingFor => {
  const f = m.failure!
  switch (f.reason) {
    case 'RECIPIENT_REVERTED':
      return { code: 'recipient_reverted', detail: `recipient reverted: ${f.detail ?? f.code ?? 'no reason given'}` }
    case 'DESTINATION_PAUSED':
      return PAUSED
    case 'RATE_LIMITED':
      return rateLimited(m, c) ?? { code: 'rate_limited', detail: 'rate-limited, retried after the bucket refills' }
    default:
      return {
        code: 'delivery_pending',
        detail: f.retryable
          ? `delivery failed (${f.reason}), retrying${f.detail ? `: ${f.detail}` : ''}`
          : `delivery failed (${f.reason}), not retried: an operator must act${f.detail ? `: ${f.detail}` : ''}`,
      }
  }
}

/**
 * Why a message is not moving, as a machine-readable code with a human detail ("finality 12/64
 * blocks", "quorum 1/2", "destination paused", "rate-limited until T", "recipient reverted: …");
 * undefined for delivered and retracted messages. Pure: the caller reads the live facts it needs.
 */
export const waitingForOf = (m: IndexedMessage, c: WaitingContext): WaitingFor | undefined => {
  switch (m.status) {
    case 'delivered':
    case 'retracted':
      return undefined
    case 'dispatched': {
      const f = c.finality
      if (!f) return { code: 'finality', detail: 'waiting for source finality' }
      const have = Math.min(f.have, f.need)
      return { code: 'finality', detail: `finality ${have}/${f.need} blocks`, progress: { have, need: f.need } }
    }
    case 'observed':
    case 'verified':
    case 'attested': {
      const have = m.attestations?.count ?? 0
      const need = m.attestations?.threshold ?? c.threshold
      return need === undefined
        ? { code: 'quorum', detail: `quorum ${have}/? signatures` }
        : { code: 'quorum', detail: `quorum ${have}/${need}`, progress: { have, need } }
    }
    case 'queued': {
      const until = m.releaseAt ? new Date(Number(m.releaseAt) * 1000).toISOString() : undefined
      return {
        code: 'queued_large_transfer',
        detail: until ? `large transfer queued until ${until}` : 'large transfer queued for its release time',
        ...(until ? { until } : {}),
      }
    }
    case 'failed':
      return ofFailure(m, c)
    default: {
      // certified / submitted: the certificate waits for (or sits in) a destination transaction
      if (c.destinationPaused) return PAUSED
      const limited = rateLimited(m, c)
      if (limited) return limited
      return m.status === 'submitted' && m.submission
        ? { code: 'delivery_pending', detail: `delivery transaction ${m.submission.txHash} waiting for confirmation` }
        : { code: 'delivery_pending', detail: 'certificate waiting for a deliverer' }
    }
  }
}
