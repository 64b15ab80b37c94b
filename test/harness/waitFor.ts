// Bounded waits of the e2e runs: quiescence (nothing pending anywhere) and generic polling.
import { WaitTimeoutError } from '../../errors.js'
import { deliveryProgress, type OracleTarget, type Progress } from './chainState.js'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export interface WaitForQuiescenceOptions {
  timeoutMs: number
  /** The quiet state must hold this long with no new delivery (late duplicates would show). */
  settleMs?: number
  pollMs?: number
  /** Also wait until at least this many messages were dispatched and settled. */
  minSettled?: number
}

/**
 * Wait until every message dispatched on a devnet chain is delivered or failed on its destination
 * and the DELIVERIES work queue is empty, and that holds for `settleMs`.
 * @throws WaitTimeoutError naming what is still pending
 */
export const waitForQuiescence = async (t: OracleTarget, o: WaitForQuiescenceOptions): Promise<Progress> => {
  const deadline = Date.now() + o.timeoutMs
  const settleMs = o.settleMs ?? 1_500
  let quietSince: { at: number; settled: number } | undefined
  let last: Progress | undefined
  while (Date.now() < deadline) {
    try {
      last = await deliveryProgress(t)
    } catch {
      last = undefined // a chain restarting or busy: not quiet
    }
    const settled = last ? last.delivered + last.failed : -1
    const quiet =
      last !== undefined && last.pending.length === 0 && last.queuedCertificates === 0 && settled >= (o.minSettled ?? 0)
    if (!quiet) quietSince = undefined
    else if (!quietSince || quietSince.settled !== settled) quietSince = { at: Date.now(), settled }
    else if (Date.now() - quietSince.at >= settleMs) return last!
    await sleep(o.pollMs ?? 300)
  }
  throw new WaitTimeoutError({
    what: 'quiescence',
    timeoutMs: o.timeoutMs,
    detail: last
      ? `${last.pending.length} of ${last.dispatched} pending (first: ${last.pending
          .slice(0, 3)
          .map((m) => `${m.origin}->${m.destination} #${m.nonce}`)
          .join(', ')}), ${last.queuedCertificates ?? '?'} certificates queued`
      : 'the chains did not answer',
  })
}

/** Wait (bounded) until `check` returns a value; polls every `pollMs`. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  pollMs = 250,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new WaitTimeoutError({ what, timeoutMs })
    await sleep(pollMs)
  }
}
