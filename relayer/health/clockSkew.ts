import type { Logger } from 'pino'
import { exhaustMap, from, mergeMap, type Observable, takeUntil, timer } from 'rxjs'
import type { ChainHead } from '../../adapters/index.js'
import type { ChainRef } from '../../types.js'
import type { Clock, NodeActivity } from '../types.js'

/** Where the health check reads a chain's newest block (a chain adapter fits). */
export interface HeadSource {
  readonly chain: ChainRef
  latestHead(): Promise<ChainHead>
}

export interface ClockSkewOptions {
  chains: readonly HeadSource[]
  now: Clock
  /** |local clock − chain head timestamp| above this raises the alarm. */
  maxSkewMs: number
  log: Logger
}

/**
 * F-28 health check: compare each chain's latest block timestamp with the local clock. Safety
 * never depends on the local clock (finality comes from the chain, release times use chain time),
 * so a skew only raises an alarm: an error line `ALERT clock skew` with `alert: clock-skew` and
 * `clock_skew_alarm` (how many checks of that chain were skewed so far); nothing is published and
 * nothing stops. Returns one `clock-skew` activity per skewed chain. A chain whose head cannot be
 * read is skipped (its own steps report RPC trouble).
 * @example
 * const check = createClockSkewCheck({ chains: adapters, now: () => new Date(), maxSkewMs: 600_000, log })
 * await check() // [] when every chain is within 10 minutes of the local clock
 */
export const createClockSkewCheck = (o: ClockSkewOptions): (() => Promise<NodeActivity[]>) => {
  const alarms = new Map<ChainRef, number>()
  const log = o.log.child({ step: 'health' })
  const one = async (s: HeadSource): Promise<NodeActivity | undefined> => {
    let head: ChainHead
    try {
      head = await s.latestHead()
    } catch (err) {
      log.debug({ err, chain: s.chain }, 'chain head not read for the clock check')
      return undefined
    }
    const localMs = o.now().getTime()
    const chainMs = Number(head.timestamp) * 1000
    // Positive: the local clock is ahead of the chain.
    const skewMs = localMs - chainMs
    if (Math.abs(skewMs) <= o.maxSkewMs) {
      if (alarms.get(s.chain)) log.info({ chain: s.chain, skewMs }, 'clock skew back within bounds')
      alarms.set(s.chain, 0)
      return undefined
    }
    const count = (alarms.get(s.chain) ?? 0) + 1
    alarms.set(s.chain, count)
    log.error(
      {
        alert: 'clock-skew',
        clock_skew_alarm: count,
        chain: s.chain,
        skewMs,
        maxSkewMs: o.maxSkewMs,
        chainTime: new Date(chainMs).toISOString(),
        localTime: new Date(localMs).toISOString(),
        headNumber: head.number,
      },
      'ALERT clock skew between this host and the chain head',
    )
    return { kind: 'clock-skew', chain: s.chain, skewMs, alarms: count }
  }
  return async () => (await Promise.all(o.chains.map(one))).filter((x): x is NodeActivity => x !== undefined)
}

/** The clock-skew check every `everyMs` (first at once) until `stop$`; one check at a time. */
export const clockSkew$ = (
  o: ClockSkewOptions & { everyMs: number; stop$: Observable<unknown> },
): Observable<NodeActivity> => {
  const check = createClockSkewCheck(o)
  return timer(0, o.everyMs).pipe(
    takeUntil(o.stop$),
    exhaustMap(() => from(check())),
    mergeMap((xs) => from(xs)),
  )
}
