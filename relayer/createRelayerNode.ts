import { Kvm } from '@nats-io/kv'
import { computeAddress } from 'ethers'
import {
  BehaviorSubject,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  map,
  merge,
  type Observable,
  retry,
  take,
  takeUntil,
  throwError,
  timer,
} from 'rxjs'
import { ConfigInvalidError, type ConfigIssue, isRelayError } from '../errors.js'
import type { ChainRef, Hex } from '../types.js'
import { aggregateAttestations } from './aggregate/aggregateAttestations.js'
import { openSignerRecords } from './attest/recordSigning.js'
import { deliverDestination$ } from './deliver/deliverDestination.js'
import { aggregatorConsumer } from './nats/durableConsumers.js'
import { BUCKETS } from './nats/subjects.js'
import { toRelayError } from './nats/toRelayError.js'
import { observeSource$ } from './observe/observeSource.js'
import { resolveTuning } from './resolveTuning.js'
import { createRouteInfoCache } from './route/createRouteInfoCache.js'
import { backoffMs } from './stream/backoffMs.js'
import { resilientConsumer$ } from './stream/resilientConsumer.js'
import type { NodeActivity, RelayerNodeOptions } from './types.js'

export interface RelayerNode {
  readonly memberId: string
  /** Address of the attestation key (lower-case). */
  readonly signer: Hex
  /**
   * Cold: subscribing opens the KV buckets and runs every step (observe → verify → attest per
   * source, aggregate, deliver per destination). It completes once `stop()` was called and the
   * in-flight work finished; steps never error it (failures are retried, settled or halt a route).
   * @throws (as an error notification) a RelayError when the buckets cannot be opened
   */
  readonly run$: Observable<NodeActivity>
  /** Graceful stop: stop observing and pulling, let in-flight deliveries finish and ack. */
  stop(): void
}

const MEMBER_RE = /^[-_a-zA-Z0-9]{1,64}$/

const validate = (o: RelayerNodeOptions): { signer: Hex } => {
  const issues: ConfigIssue[] = []
  if (!MEMBER_RE.test(o.memberId)) issues.push({ path: 'memberId', message: 'expected 1-64 of [-_a-zA-Z0-9]' })
  let signer = '0x' as Hex
  try {
    signer = computeAddress(o.attestationKey).toLowerCase() as Hex
  } catch {
    issues.push({ path: 'attestationKey', message: 'expected a secp256k1 private key' })
  }
  const refs = o.chains.map((c) => c.adapter.chain)
  for (const r of refs.filter((x, i) => refs.indexOf(x) !== i))
    issues.push({ path: 'chains', message: `${r} appears twice` })
  const domains = o.chains.map((c) => c.adapter.domain)
  for (const d of domains.filter((x, i) => domains.indexOf(x) !== i))
    issues.push({ path: 'chains', message: `domain ${d} appears twice` })
  o.routes.forEach((r, i) => {
    if (!refs.includes(r.from)) issues.push({ path: `routes.${i}.from`, message: `unknown chain ${r.from}` })
    if (!refs.includes(r.to)) issues.push({ path: `routes.${i}.to`, message: `unknown chain ${r.to}` })
  })
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'relayer node', issues })
  return { signer }
}

/**
 * One committee member's relayer node (DESIGN.md "Pipeline (RxJS)"): per source chain, observe
 * finalized batches from the member's KV cursor, re-verify every proof, attest (honest-signer
 * record, deterministic signature, proof + attestation published), move the cursor after the
 * PubAcks; aggregate on the shared durable; deliver per destination from the shared work queue.
 * NATS topology must exist (`ensureTopology`); the caller owns the NATS connection and the
 * adapters (close them after `run$` completed).
 * @throws ConfigInvalidError for an invalid member id, key, chain list or route
 * @example
 * const node = createRelayerNode({ memberId: 'relayer-1', attestationKey, chains, routes, js, log })
 * const done = lastValueFrom(node.run$, { defaultValue: undefined })
 * process.once('SIGTERM', () => node.stop())
 * await done
 */
export const createRelayerNode = (o: RelayerNodeOptions): RelayerNode => {
  const { signer } = validate(o)
  const t = resolveTuning(o.tuning)
  const now = o.now ?? (() => new Date())
  const log = o.log.child({ module: 'relayer', member: o.memberId })
  const roles = { observe: true, aggregate: true, deliver: true, ...o.roles }
  const stopping = new BehaviorSubject(false)
  const stop$ = stopping.pipe(filter(Boolean), take(1))
  const byRef = new Map<ChainRef, (typeof o.chains)[number]>(o.chains.map((c) => [c.adapter.chain, c]))
  // The aggregator checks attestations for any chain it knows; the attester only for route targets.
  const routeInfo = createRouteInfoCache(
    o.chains.map((c) => c.adapter),
    { ttlMs: t.committeeRefreshMs },
  )
  const targetsOf = (from: ChainRef) =>
    new Set(o.routes.filter((r) => r.from === from).map((r) => byRef.get(r.to)!.adapter.domain))
  const sources = o.chains.filter((c) => targetsOf(c.adapter.chain).size > 0)
  const destinations = [...new Set(o.routes.map((r) => r.to))].map((ref) => byRef.get(ref)!)
  const common = { retryBaseMs: t.retryBaseMs, retryMaxMs: t.retryMaxMs }

  const run$ = defer(async () => {
    const kvm = new Kvm(o.js)
    const open = (name: string) =>
      kvm.open(name).catch((e: unknown) => Promise.reject(toRelayError(e, `kv open ${name}`)))
    const [messages, cursors, signerRecords] = await Promise.all([
      open(BUCKETS.messages),
      open(BUCKETS.cursors),
      openSignerRecords(o.js),
    ])
    return { messages, cursors, signerRecords }
  }).pipe(
    // NATS down or slow at startup (F-13) is waited out, never fatal.
    retry({
      delay: (err: unknown, attempt) => {
        if (!(isRelayError(err) && err.retryable) || stopping.value) return throwError(() => err)
        log.warn({ err, attempt }, 'relayer state buckets not reachable, retrying')
        return timer(backoffMs(attempt, t.retryBaseMs, t.retryMaxMs)).pipe(takeUntil(stop$))
      },
    }),
    concatMap(({ messages, cursors, signerRecords }) => {
      const observe = roles.observe
        ? sources.map((chain) => {
            const chainLog = log.child({ step: 'observe', chain: chain.adapter.chain })
            return observeSource$({
              chain,
              cursors,
              ...common,
              stop$,
              isStopping: () => stopping.value,
              ctx: {
                js: o.js,
                signerRecords,
                routes: routeInfo,
                memberId: o.memberId,
                signer,
                key: o.attestationKey,
                chain: chain.adapter.chain,
                log: chainLog,
                now,
                verify: {
                  domain: chain.adapter.domain,
                  trust: chain.trust,
                  destinations: targetsOf(chain.adapter.chain),
                },
                cursors,
                concurrency: t.attestConcurrency,
              },
            })
          })
        : []
      const aggSpec = aggregatorConsumer(t.aggregatorConsumer)
      const aggregate = roles.aggregate
        ? [
            resilientConsumer$({ js: o.js, spec: aggSpec, pullBatch: t.pullBatch, log, stop$, ...common }).pipe(
              aggregateAttestations({
                js: o.js,
                messages,
                log: log.child({ step: 'aggregate' }),
                routeFor: routeInfo.routeFor,
                maxDeliver: aggSpec.maxDeliver,
                retryDelaysMs: t.aggregateRetryDelaysMs,
                concurrency: t.aggregateConcurrency,
                publishEvents: true,
                now,
              }),
              map((outcome): NodeActivity => ({ kind: 'aggregate', outcome })),
            ),
          ]
        : []
      const deliver = roles.deliver
        ? destinations.map((d) =>
            deliverDestination$({
              adapter: d.adapter,
              js: o.js,
              messages,
              memberId: o.memberId,
              log,
              now,
              stop$,
              maxDeliveryBatch: t.maxDeliveryBatch,
              deliveryLingerMs: t.deliveryLingerMs,
              retryDelaysMs: t.deliveryRetryDelaysMs,
              pullBatch: Math.min(t.pullBatch, Math.max(t.maxDeliveryBatch, 1)),
              consumer: t.delivererConsumer,
              ...common,
            }),
          )
        : []
      const all = [...observe, ...aggregate, ...deliver]
      log.info(
        {
          signer,
          sources: sources.map((s) => s.adapter.chain),
          destinations: destinations.map((d) => d.adapter.chain),
        },
        'relayer node running',
      )
      return all.length > 0 ? merge(...all) : EMPTY
    }),
    finalize(() => log.info('relayer node stopped')),
  )

  return {
    memberId: o.memberId,
    signer,
    run$,
    stop: () => {
      if (stopping.value) return
      log.info('relayer node stopping')
      stopping.next(true)
    },
  }
}
