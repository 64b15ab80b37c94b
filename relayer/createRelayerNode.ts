import { Kvm } from '@nats-io/kv'
import { computeAddress } from 'ethers'
import type { Logger } from 'pino'
import {
  BehaviorSubject,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  merge,
  type Observable,
  retry,
  take,
  takeUntil,
  throwError,
  timer,
} from 'rxjs'
import { ConfigInvalidError, type ConfigIssue, isRelayError } from '../errors.js'
import type { Hex } from '../types.js'
import { openSignerRecords } from './attest/recordSigning.js'
import { createFailpoints } from './failpoints.js'
import { BUCKETS } from './nats/subjects.js'
import { toRelayError } from './nats/toRelayError.js'
import {
  aggregatePipeline,
  deliverPipelines,
  destinationsOf,
  healthPipelines,
  type NodeContext,
  observePipelines,
  releasePipelines,
  sourcesOf,
} from './nodePipelines.js'
import { resolveTuning } from './resolveTuning.js'
import { createRouteInfoCache } from './route/createRouteInfoCache.js'
import { backoffMs } from './stream/backoffMs.js'
import type { NodeActivity, RelayerChain, RelayerNodeOptions, RelayerTuning } from './types.js'

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

/** The node's KV buckets; NATS down or slow at startup (F-13) is waited out, never fatal. */
const openBuckets$ = (
  o: RelayerNodeOptions,
  t: RelayerTuning,
  log: Logger,
  stop$: Observable<unknown>,
  isStopping: () => boolean,
): Observable<NodeContext['buckets']> =>
  defer(async () => {
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
    retry({
      delay: (err: unknown, attempt) => {
        if (!(isRelayError(err) && err.retryable) || isStopping()) return throwError(() => err)
        log.warn({ err, attempt }, 'relayer state buckets not reachable, retrying')
        return timer(backoffMs(attempt, t.retryBaseMs, t.retryMaxMs)).pipe(takeUntil(stop$))
      },
    }),
  )

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
  const log = o.log.child({ module: 'relayer', member: o.memberId })
  const roles = { observe: true, aggregate: true, deliver: true, ...o.roles }
  const failpoints = createFailpoints({
    names: o.failpoints ?? [],
    log,
    ...(o.crash ? { crash: o.crash } : {}),
  })
  if ((o.failpoints ?? []).length > 0)
    log.warn({ failpoints: o.failpoints }, 'failpoints armed: this node will crash on purpose')
  const stopping = new BehaviorSubject(false)
  const stop$ = stopping.pipe(filter(Boolean), take(1))
  // The aggregator checks attestations for any chain it knows; the attester only for route targets.
  const routeInfo = createRouteInfoCache(
    o.chains.map((c) => c.adapter),
    { ttlMs: t.committeeRefreshMs },
  )
  const run$ = openBuckets$(o, t, log, stop$, () => stopping.value).pipe(
    concatMap((buckets) => {
      const c: NodeContext = {
        o,
        t,
        signer,
        log,
        now: o.now ?? (() => new Date()),
        stop$,
        isStopping: () => stopping.value,
        routeInfo,
        buckets,
        failpoints,
      }
      const steps = [
        ...(roles.observe ? observePipelines(c) : []),
        ...(roles.aggregate ? [aggregatePipeline(c)] : []),
        ...(roles.deliver ? [...deliverPipelines(c), ...releasePipelines(c)] : []),
      ]
      // The health check runs beside the steps (and never keeps a node without steps alive).
      const all = steps.length > 0 ? [...steps, ...healthPipelines(c)] : []
      const chains = (xs: RelayerChain[]) => xs.map((x) => x.adapter.chain)
      log.info(
        { signer, sources: chains(sourcesOf(o)), destinations: chains(destinationsOf(o)), roles },
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
