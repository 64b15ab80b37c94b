import type { JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { catchError, EMPTY, exhaustMap, from, merge, mergeMap, type Observable, tap, timer } from 'rxjs'
import type { ChainAdapter } from '../../adapters/index.js'
import type { ChainRef, Hex } from '../../types.js'
import type { RaisedAlert } from '../alerts/monitorAlerts.js'
import { createAlert } from '../nats/alertEvents.js'
import { aggregatorConsumer, delivererConsumer, memberDelivererConsumer } from '../nats/durableConsumers.js'
import type { NodeActivity } from '../types.js'
import { metric } from './metricDefinitions.js'

export interface NodeMetricsOptions {
  memberId: string
  signer: string
  /** Every chain adapter of the node (RPC records, delivery account balance). */
  chains: readonly ChainAdapter[]
  /** Destination domains (their deliverer durables are watched). */
  destinations: readonly number[]
  js: JetStreamClient
  /** Low-balance threshold per chain, in whole native tokens (e.g. 0.5 ether). */
  lowBalance?: Partial<Record<ChainRef, number>>
  /** How often balances (and rate-limit buckets) are read; 0 = never. */
  balancePollMs: number
  /** Rate-limit buckets to export as `isthmus_rate_limit_headroom` (read with the balances). */
  rateLimits?: readonly RateLimitSource[]
  log: Logger
  now?: () => Date
}

/** One asset's destination rate-limit bucket: `read` resolves the deliverable amount, undefined when unlimited. */
export interface RateLimitSource {
  chain: ChainRef
  asset: Hex
  read(): Promise<bigint | undefined>
}

/** Base units → whole tokens as a float (gauges only; exact amounts stay bigint elsewhere). */
const toUnits = (v: bigint, unit: bigint): number => Number(v / unit) + Number(v % unit) / Number(unit)

/**
 * Record one node activity (batches, aggregations, deliveries, halts, clock skew) in the node
 * metrics; returns the function `tap` uses on the node's `run$`.
 * @example node.run$.pipe(tap(recordActivity(registry)))
 */
export const recordActivity = (registry: Registry): ((a: NodeActivity) => void) => {
  const batches = metric(registry, 'isthmus_relayer_batches_total')
  const attested = metric(registry, 'isthmus_relayer_attested_total')
  const deliveries = metric(registry, 'isthmus_relayer_deliveries_total')
  const aggregations = metric(registry, 'isthmus_relayer_aggregations_total')
  const halted = metric(registry, 'isthmus_relayer_source_halted')
  const skew = metric(registry, 'isthmus_clock_skew_seconds')
  return (a) => {
    if (a.kind === 'batch') {
      batches.inc({ chain: a.chain })
      if (a.attested.length) attested.inc({ chain: a.chain, result: 'attested' }, a.attested.length)
      if (a.dropped.length) attested.inc({ chain: a.chain, result: 'dropped' }, a.dropped.length)
    } else if (a.kind === 'aggregate') aggregations.inc({ outcome: a.outcome.kind })
    else if (a.kind === 'delivery' || a.kind === 'release')
      deliveries.inc({
        destination: String(a.destination),
        action: a.kind === 'release' ? `release-${a.action}` : a.action,
      })
    else if (a.kind === 'halted') halted.set({ chain: a.chain, code: a.code }, 1)
    else if (a.kind === 'clock-skew') skew.set({ chain: a.chain }, a.skewMs / 1000)
  }
}

/**
 * The per-process metrics of one relayer node (docs/metrics.md, scope "node"): RPC latency and
 * errors per endpoint (redacted URL), JetStream consumer lag of the aggregator and deliverer
 * durables (read when Prometheus scrapes), and the delivery account's balance per chain (read every
 * `balancePollMs`). Cold: subscribing starts following RPC calls and polling balances; it emits a
 * `signer-balance-low` alert (once per chain and hour) when a balance is below its threshold.
 * @example
 * merge(nodeMetrics$(registry, opts), monitor$).pipe(publishAlerts(js, log)).subscribe()
 */
export const nodeMetrics$ = (registry: Registry, o: NodeMetricsOptions): Observable<RaisedAlert> => {
  metric(registry, 'isthmus_relayer_info').set({ member: o.memberId, signer: o.signer }, 1)
  const duration = metric(registry, 'isthmus_rpc_request_duration_seconds')
  const errors = metric(registry, 'isthmus_rpc_errors_total')
  const balance = metric(registry, 'isthmus_signer_balance')
  const lowGauge = metric(registry, 'isthmus_signer_balance_low_threshold')
  const everyMember = (d: number) => o.chains.some((c) => c.domain === d && c.deliveryMode === 'every-member')
  const specs = [
    aggregatorConsumer(),
    ...o.destinations.map((d) => (everyMember(d) ? memberDelivererConsumer(d, o.memberId) : delivererConsumer(d))),
  ]
  // Both lag gauges are read from the same consumer infos, once per scrape.
  let reading: Promise<void> | undefined
  const readLag = async () => {
    try {
      const jsm = await o.js.jetstreamManager()
      for (const s of specs) {
        const info = await jsm.consumers.info(s.stream, s.durable).catch(() => undefined)
        if (!info) continue
        const labels = { stream: s.stream, consumer: s.durable }
        pending.set(labels, info.num_pending)
        ackPending.set(labels, info.num_ack_pending)
      }
    } catch (err) {
      o.log.debug({ err }, 'consumer lag not read')
    }
  }
  const collectLag = () => {
    reading ??= readLag().finally(() => {
      reading = undefined
    })
    return reading
  }
  const pending = metric(registry, 'isthmus_jetstream_consumer_pending', collectLag)
  const ackPending = metric(registry, 'isthmus_jetstream_consumer_ack_pending', collectLag)
  for (const c of o.chains) {
    const t = o.lowBalance?.[c.chain]
    if (t !== undefined) lowGauge.set({ chain: c.chain }, t)
  }
  const rpc$ = merge(
    ...o.chains.flatMap((c) =>
      c.rpcCalls$
        ? [
            c.rpcCalls$.pipe(
              tap((r) => {
                duration.observe({ chain: r.chain, endpoint: r.endpoint, method: r.method }, r.durationMs / 1000)
                if (r.errorCode) errors.inc({ chain: r.chain, endpoint: r.endpoint, code: r.errorCode })
              }),
            ),
          ]
        : [],
    ),
  ).pipe(mergeMap(() => EMPTY))
  const raised = new Set<string>()
  const readBalance = async (c: ChainAdapter): Promise<RaisedAlert[]> => {
    const b = await c.signerBalance?.().catch((err: unknown) => {
      o.log.debug({ err, chain: c.chain }, 'signer balance not read')
      return undefined
    })
    if (!b) return []
    const units = toUnits(b.balance, b.unit)
    balance.set({ chain: c.chain, address: b.address }, units)
    const low = o.lowBalance?.[c.chain]
    if (low === undefined || units >= low) return []
    const at = (o.now ?? (() => new Date()))()
    const key = `${c.chain}:${b.address}:${Math.floor(at.getTime() / 3_600_000)}`
    if (raised.has(key)) return []
    if (raised.size > 10_000) raised.clear()
    raised.add(key)
    const alert = createAlert({
      alert: 'signer-balance-low',
      chain: c.chain,
      value: String(units),
      threshold: String(low),
      detail: `delivery account ${b.address} on ${c.chain} holds ${units}, below ${low}`,
      at,
      relayer: o.memberId,
    })
    return [{ alert, key }]
  }
  const headroom = metric(registry, 'isthmus_rate_limit_headroom')
  const readRateLimit = async (r: RateLimitSource): Promise<RaisedAlert[]> => {
    try {
      const available = await r.read()
      if (available === undefined) headroom.remove({ chain: r.chain, asset: r.asset })
      else headroom.set({ chain: r.chain, asset: r.asset }, Number(available))
    } catch (err) {
      o.log.debug({ err, chain: r.chain, asset: r.asset }, 'rate limit not read')
    }
    return []
  }
  const balances$ =
    o.balancePollMs > 0
      ? timer(0, o.balancePollMs).pipe(
          exhaustMap(() =>
            from(Promise.all([...o.chains.map(readBalance), ...(o.rateLimits ?? []).map(readRateLimit)])),
          ),
          mergeMap((xs) => from(xs.flat())),
          catchError(() => EMPTY),
        )
      : EMPTY
  return merge(rpc$, balances$)
}
