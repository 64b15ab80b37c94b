import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Latency buckets (seconds) of the stage histograms: sub-second to half an hour. */
export const STAGE_BUCKETS_S = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800]
/** Latency buckets (seconds) of RPC requests. */
export const RPC_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface Def {
  type: 'counter' | 'gauge' | 'histogram'
  help: string
  labels: readonly string[]
  /** `relay`: derived from the EVENTS stream (global, same value on every exporter); `node`: this process. */
  scope: 'relay' | 'node'
  buckets?: number[]
}

/**
 * Every Isthmus metric, in ONE table (docs/metrics.md lists the same): name → type, help, labels.
 * deploy/ (Grafana dashboard, Prometheus rules) may only reference these names (a unit test checks).
 */
export const METRIC_DEFINITIONS = {
  // Relay-wide, from the EVENTS stream (registerRelayMetrics).
  isthmus_messages_total: {
    type: 'counter',
    help: 'Messages that reached a status (each id counted once per status), by route',
    labels: ['origin', 'destination', 'status'],
    scope: 'relay',
  },
  isthmus_message_failures_total: {
    type: 'counter',
    help: 'failed events by route and reason (a message may fail more than once)',
    labels: ['origin', 'destination', 'reason'],
    scope: 'relay',
  },
  isthmus_retractions_total: {
    type: 'counter',
    help: 'retracted events by route and reason (REORG, EQUIVOCATION, OPERATOR)',
    labels: ['origin', 'destination', 'reason'],
    scope: 'relay',
  },
  isthmus_stage_latency_seconds: {
    type: 'histogram',
    help: 'Time from observed to the first event of each later stage, by route',
    labels: ['origin', 'destination', 'stage'],
    scope: 'relay',
    buckets: STAGE_BUCKETS_S,
  },
  isthmus_messages_pending: {
    type: 'gauge',
    help: 'Messages observed and not yet delivered, failed for good or retracted (tracked by this exporter)',
    labels: ['origin', 'destination'],
    scope: 'relay',
  },
  isthmus_messages_stuck: {
    type: 'gauge',
    help: "Pending messages older than their route's SLA",
    labels: ['origin', 'destination'],
    scope: 'relay',
  },
  isthmus_route_sla_seconds: {
    type: 'gauge',
    help: 'The configured delivery SLA of a route',
    labels: ['origin', 'destination'],
    scope: 'relay',
  },
  isthmus_signatures_total: {
    type: 'counter',
    help: 'Attestation signatures recorded by the aggregators, by destination and committee member',
    labels: ['destination', 'signer'],
    scope: 'relay',
  },
  isthmus_signer_last_signature_timestamp_seconds: {
    type: 'gauge',
    help: 'Unix time of the last attestation recorded for a committee member',
    labels: ['signer'],
    scope: 'relay',
  },
  isthmus_committee_member_silent: {
    type: 'gauge',
    help: 'A committee member signed nothing within the silent window while others did (1) or not (0)',
    labels: ['signer'],
    scope: 'relay',
  },
  isthmus_quorum_headroom: {
    type: 'gauge',
    help: 'Active (not silent) committee members minus the threshold; at or below 0 the quorum is at risk',
    labels: [],
    scope: 'relay',
  },
  isthmus_route_halted_total: {
    type: 'counter',
    help: 'halted route events by route and error code',
    labels: ['origin', 'destination', 'code'],
    scope: 'relay',
  },
  isthmus_alerts_total: {
    type: 'counter',
    help: 'Alert events by kind and severity',
    labels: ['alert', 'severity'],
    scope: 'relay',
  },
  isthmus_events_invalid_total: {
    type: 'counter',
    help: 'EVENTS stream documents that did not parse',
    labels: [],
    scope: 'relay',
  },
  // This relayer process (registerNodeMetrics).
  isthmus_relayer_info: {
    type: 'gauge',
    help: 'Always 1; labels name the committee member and its attestation address',
    labels: ['member', 'signer'],
    scope: 'node',
  },
  isthmus_relayer_batches_total: {
    type: 'counter',
    help: 'Source batches this node attested, by source chain',
    labels: ['chain'],
    scope: 'node',
  },
  isthmus_relayer_attested_total: {
    type: 'counter',
    help: 'Messages this node attested (attested) or dropped after failed verification (dropped)',
    labels: ['chain', 'result'],
    scope: 'node',
  },
  isthmus_relayer_deliveries_total: {
    type: 'counter',
    help: 'Certificates this node settled, by destination domain and action',
    labels: ['destination', 'action'],
    scope: 'node',
  },
  isthmus_relayer_aggregations_total: {
    type: 'counter',
    help: 'Attestations this node aggregated, by outcome',
    labels: ['outcome'],
    scope: 'node',
  },
  isthmus_relayer_source_halted: {
    type: 'gauge',
    help: 'This node halted a source chain (1) with the error code',
    labels: ['chain', 'code'],
    scope: 'node',
  },
  isthmus_clock_skew_seconds: {
    type: 'gauge',
    help: 'Last skewed clock reading: local clock minus the chain head timestamp',
    labels: ['chain'],
    scope: 'node',
  },
  isthmus_rpc_request_duration_seconds: {
    type: 'histogram',
    help: 'RPC request latency per endpoint (redacted URL) and method, every attempt',
    labels: ['chain', 'endpoint', 'method'],
    scope: 'node',
    buckets: RPC_BUCKETS_S,
  },
  isthmus_rpc_errors_total: {
    type: 'counter',
    help: 'Failed RPC attempts per endpoint (redacted URL) and error code',
    labels: ['chain', 'endpoint', 'code'],
    scope: 'node',
  },
  isthmus_jetstream_consumer_pending: {
    type: 'gauge',
    help: 'Messages of the stream not yet delivered to the durable consumer (num_pending)',
    labels: ['stream', 'consumer'],
    scope: 'node',
  },
  isthmus_jetstream_consumer_ack_pending: {
    type: 'gauge',
    help: 'Messages delivered to the durable consumer and not yet acked (num_ack_pending)',
    labels: ['stream', 'consumer'],
    scope: 'node',
  },
  isthmus_signer_balance: {
    type: 'gauge',
    help: "The delivery account's balance in the chain's native unit (ether, not wei)",
    labels: ['chain', 'address'],
    scope: 'node',
  },
  isthmus_signer_balance_low_threshold: {
    type: 'gauge',
    help: 'The configured low-balance threshold of a chain, same unit as isthmus_signer_balance',
    labels: ['chain'],
    scope: 'node',
  },
  isthmus_rate_limit_headroom: {
    type: 'gauge',
    help: "Tokens left in an asset's destination rate-limit bucket (base units), when the bridge exposes it",
    labels: ['chain', 'asset'],
    scope: 'node',
  },
  isthmus_audit_checked_total: {
    type: 'counter',
    help: 'Deliveries isthmus audit re-verified, by result (ok or the mismatch kind)',
    labels: ['destination', 'result'],
    scope: 'node',
  },
} as const satisfies Record<string, Def>

export type MetricName = keyof typeof METRIC_DEFINITIONS
type LabelsOf<N extends MetricName> = (typeof METRIC_DEFINITIONS)[N]['labels'][number]
type KindOf<N extends MetricName> = (typeof METRIC_DEFINITIONS)[N]['type']
export type MetricOf<N extends MetricName> =
  KindOf<N> extends 'counter'
    ? Counter<LabelsOf<N>>
    : KindOf<N> extends 'gauge'
      ? Gauge<LabelsOf<N>>
      : Histogram<LabelsOf<N>>

/** Every metric name (for checks of dashboards and rules). */
export const METRIC_NAMES = Object.keys(METRIC_DEFINITIONS) as MetricName[]

/**
 * The metric `name` in `registry`: created from its definition on first use, the same object after
 * (so the relay and node halves can share one registry, and a test can read any metric).
 * @example
 * metric(registry, 'isthmus_messages_total').inc({ origin: '1', destination: '2', status: 'delivered' })
 */
export const metric = <N extends MetricName>(
  registry: Registry,
  name: N,
  collect?: () => void | Promise<void>,
): MetricOf<N> => {
  const have = registry.getSingleMetric(name)
  if (have) return have as unknown as MetricOf<N>
  const d: Def = METRIC_DEFINITIONS[name]
  const base = { name, help: d.help, labelNames: [...d.labels], registers: [registry], ...(collect ? { collect } : {}) }
  const m =
    d.type === 'counter'
      ? new Counter(base)
      : d.type === 'gauge'
        ? new Gauge(base)
        : new Histogram({ ...base, buckets: d.buckets ?? STAGE_BUCKETS_S })
  return m as unknown as MetricOf<N>
}
