import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { map, type Observable } from 'rxjs'
import type { ChainRef, Hex } from '../types.js'
import { aggregateAttestations } from './aggregate/aggregateAttestations.js'
import { deliverDestination$ } from './deliver/deliverDestination.js'
import type { Failpoints } from './failpoints.js'
import { clockSkew$ } from './health/clockSkew.js'
import { aggregatorConsumer } from './nats/durableConsumers.js'
import { observeSource$ } from './observe/observeSource.js'
import { releaseQueued$ } from './release/releaseQueued.js'
import type { RouteInfoCache } from './route/createRouteInfoCache.js'
import { resilientConsumer$ } from './stream/resilientConsumer.js'
import type { Clock, NodeActivity, RelayerChain, RelayerNodeOptions, RelayerTuning } from './types.js'

/** What every step of one node shares. */
export interface NodeContext {
  o: RelayerNodeOptions
  t: RelayerTuning
  signer: Hex
  log: Logger
  now: Clock
  stop$: Observable<unknown>
  isStopping: () => boolean
  routeInfo: RouteInfoCache
  buckets: { messages: KV; cursors: KV; signerRecords: KV }
  failpoints: Failpoints
}

const byRef = (o: RelayerNodeOptions, ref: ChainRef): RelayerChain => o.chains.find((c) => c.adapter.chain === ref)!

/** Destination domains with a configured route from `from`. */
export const targetsOf = (o: RelayerNodeOptions, from: ChainRef): Set<number> =>
  new Set(o.routes.filter((r) => r.from === from).map((r) => byRef(o, r.to).adapter.domain))

/** Chains that are the source of at least one route. */
export const sourcesOf = (o: RelayerNodeOptions): RelayerChain[] =>
  o.chains.filter((c) => targetsOf(o, c.adapter.chain).size > 0)

/** Chains that are the destination of at least one route. */
export const destinationsOf = (o: RelayerNodeOptions): RelayerChain[] =>
  [...new Set(o.routes.map((r) => r.to))].map((ref) => byRef(o, ref))

/** observe → verify → attest, one loop per source chain. */
export const observePipelines = (c: NodeContext): Observable<NodeActivity>[] =>
  sourcesOf(c.o).map((chain) =>
    observeSource$({
      chain,
      cursors: c.buckets.cursors,
      retryBaseMs: c.t.retryBaseMs,
      retryMaxMs: c.t.retryMaxMs,
      stop$: c.stop$,
      isStopping: c.isStopping,
      ctx: {
        js: c.o.js,
        signerRecords: c.buckets.signerRecords,
        routes: c.routeInfo,
        memberId: c.o.memberId,
        signer: c.signer,
        key: c.o.attestationKey,
        chain: chain.adapter.chain,
        log: c.log.child({ step: 'observe', chain: chain.adapter.chain }),
        now: c.now,
        verify: { domain: chain.adapter.domain, trust: chain.trust, destinations: targetsOf(c.o, chain.adapter.chain) },
        cursors: c.buckets.cursors,
        concurrency: c.t.attestConcurrency,
        failpoints: c.failpoints,
        ...(chain.finality ? { finality: chain.finality } : {}),
      },
    }),
  )

/** The aggregator on the shared durable consumer of every attestation. */
export const aggregatePipeline = (c: NodeContext): Observable<NodeActivity> => {
  const spec = aggregatorConsumer(c.t.aggregatorConsumer)
  return resilientConsumer$({
    js: c.o.js,
    spec,
    pullBatch: c.t.pullBatch,
    log: c.log,
    stop$: c.stop$,
    retryBaseMs: c.t.retryBaseMs,
    retryMaxMs: c.t.retryMaxMs,
  }).pipe(
    aggregateAttestations({
      js: c.o.js,
      messages: c.buckets.messages,
      log: c.log.child({ step: 'aggregate' }),
      routeFor: c.routeInfo.routeFor,
      maxDeliver: spec.maxDeliver,
      retryDelaysMs: c.t.aggregateRetryDelaysMs,
      concurrency: c.t.aggregateConcurrency,
      publishEvents: true,
      now: c.now,
    }),
    map((outcome): NodeActivity => ({ kind: 'aggregate', outcome })),
  )
}

/** deliver → confirm, one pipeline per destination chain. */
export const deliverPipelines = (c: NodeContext): Observable<NodeActivity>[] =>
  destinationsOf(c.o).map((d) =>
    deliverDestination$({
      adapter: d.adapter,
      js: c.o.js,
      messages: c.buckets.messages,
      memberId: c.o.memberId,
      log: c.log,
      now: c.now,
      stop$: c.stop$,
      maxDeliveryBatch: c.t.maxDeliveryBatch,
      deliveryLingerMs: c.t.deliveryLingerMs,
      retryDelaysMs: c.t.deliveryRetryDelaysMs,
      pullBatch: Math.min(c.t.pullBatch, Math.max(c.t.maxDeliveryBatch, 1)),
      consumer: c.t.delivererConsumer,
      retryBaseMs: c.t.retryBaseMs,
      retryMaxMs: c.t.retryMaxMs,
      failpoints: c.failpoints,
    }),
  )

/** The releaser of queued large transfers, one per destination chain (part of the deliver role). */
export const releasePipelines = (c: NodeContext): Observable<NodeActivity>[] =>
  destinationsOf(c.o).map((d) =>
    releaseQueued$({
      adapter: d.adapter,
      js: c.o.js,
      messages: c.buckets.messages,
      memberId: c.o.memberId,
      log: c.log,
      now: c.now,
      stop$: c.stop$,
      pollMs: c.t.releasePollMs,
      maxPerPoll: c.t.maxReleasesPerPoll,
      retryBaseMs: c.t.retryBaseMs,
      retryMaxMs: c.t.retryMaxMs,
    }),
  )

/** The clock-skew health check over every chain (F-28); none when `clockCheckMs` is 0. */
export const healthPipelines = (c: NodeContext): Observable<NodeActivity>[] =>
  c.t.clockCheckMs > 0
    ? [
        clockSkew$({
          chains: c.o.chains.map((x) => x.adapter),
          now: c.now,
          maxSkewMs: c.t.clockSkewMaxMs,
          everyMs: c.t.clockCheckMs,
          log: c.log,
          stop$: c.stop$,
        }),
      ]
    : []
