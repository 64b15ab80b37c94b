import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { EMPTY, filter, from, ignoreElements, map, merge, mergeMap, type Observable } from 'rxjs'
import { createEvmReader } from '../adapters/index.js'
import { assetIdOf } from '../api/index.js'
import type { Config } from '../config/index.js'
import { ConfigInvalidError } from '../errors.js'
import {
  monitorAlerts$,
  nodeMetrics$,
  publishAlerts,
  publishEventBestEffort,
  type RateLimitSource,
  type RelayMetricsOptions,
  registerRelayMetrics,
  type StatusEvent,
  subscribeEvents$,
  watchReorgs$,
} from '../relayer/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { RunningRelayer } from './runRelayer.js'

export interface Monitoring {
  /** `http://host:port/metrics`, when the config has a `metrics` section. */
  readonly metricsUrl: string | undefined
  stop(): Promise<void>
}

/** The route SLA function of the config's `alerts` section (per-route overrides by chain ref). */
export const slaOf = (cfg: Config): ((origin: number, destination: number) => number) => {
  const domainOf = new Map<string, number>(cfg.chains.map((c) => [c.ref, c.domain]))
  const overrides = new Map(
    cfg.alerts.routeSlaSeconds.map((r) => [`${domainOf.get(r.from)}.${domainOf.get(r.to)}`, r.seconds]),
  )
  return (o, d) => overrides.get(`${o}.${d}`) ?? cfg.alerts.slaSeconds
}

/** Every configured asset's rate-limit bucket on every configured EVM bridge (read-only). */
const rateLimitSourcesOf = (cfg: Config, log: Logger): RateLimitSource[] => {
  if (cfg.assets.length === 0) return []
  const domains = new Map(cfg.chains.map((c) => [c.ref, c.domain]))
  const ids = cfg.assets.flatMap((a) => {
    const d = domains.get(a.home.chain)
    return d === undefined ? [] : [assetIdOf(d, a.home.address as Hex)]
  })
  return cfg.chains.flatMap((c) => {
    if (c.kind !== 'evm') return []
    const reader = createEvmReader({
      chain: c.ref as ChainRef,
      chainId: c.chainId,
      rpcUrls: c.rpcUrls,
      bridge: c.bridge as Hex,
      requestTimeoutMs: cfg.requestTimeoutMs,
      log,
    })
    return ids.map((asset) => ({
      chain: c.ref as ChainRef,
      asset,
      read: async () => {
        const r = await reader.rateLimitOf(asset)
        return r.enabled ? r.available : undefined
      },
    }))
  })
}

/** The relay metrics options of a config: route SLAs, the silent window, the committee, the routes. */
export const relayMetricsOptionsOf = (cfg: Config): RelayMetricsOptions => {
  const domains = new Map(cfg.chains.map((c) => [c.ref, c.domain]))
  const refs = cfg.chains.map((c) => c.ref)
  const routes = (cfg.routes ?? refs.flatMap((a) => refs.filter((b) => b !== a).map((b) => ({ from: a, to: b })))).map(
    (r) => ({ origin: domains.get(r.from)!, destination: domains.get(r.to)! }),
  )
  return {
    slaSeconds: slaOf(cfg),
    silentWindowMs: cfg.alerts.silentWindowMs,
    committee: {
      members: cfg.committee.members.map((m) => m.address.toLowerCase() as Hex),
      threshold: cfg.committee.threshold,
    },
    routes,
  }
}

/** Serve `GET /metrics` of `registry` on host:port (port 0 = OS-chosen). */
export const serveMetrics = (registry: Registry, host: string, port: number, log: Logger): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
        return
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => {
          log.warn({ err }, 'metrics not rendered')
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n')
        },
      )
    })
    server.once('error', reject)
    server.listen(port, host, () => resolve(server))
  })

/**
 * Monitoring beside a running relayer (`isthmus start`): the relay-wide metrics from the EVENTS
 * stream, this node's metrics (RPC per endpoint, consumer lag, delivery account balances), the
 * `/metrics` endpoint when the config has a `metrics` section, and, when `alerts.enabled`, the
 * alert monitor publishing `isthmus.evt.alert.…` events (deduplicated across relayers).
 * @throws the listen error when the metrics port cannot be bound
 */
export const startMonitoring = async (
  cfg: Config,
  relayer: RunningRelayer,
  registry: Registry,
  log: Logger,
): Promise<Monitoring> => {
  const a = cfg.alerts
  const slaSeconds = slaOf(cfg)
  const committee = {
    members: cfg.committee.members.map((m) => m.address.toLowerCase() as Hex),
    threshold: cfg.committee.threshold,
  }
  const domains = new Map(cfg.chains.map((c) => [c.ref, c.domain]))
  const routes = relayer.routes.map((r) => ({ origin: domains.get(r.from)!, destination: domains.get(r.to)! }))
  const relay = registerRelayMetrics(
    registry,
    subscribeEvents$({ js: relayer.js, start: 'new', log }),
    relayMetricsOptionsOf(cfg),
  )
  const node$ = nodeMetrics$(registry, {
    memberId: relayer.memberId,
    signer: relayer.signer,
    chains: relayer.chains.map((c) => c.adapter),
    destinations: [...new Set(routes.map((r) => r.destination))],
    js: relayer.js,
    lowBalance: a.lowBalance as Partial<Record<ChainRef, number>>,
    balancePollMs: a.balancePollMs,
    rateLimits: rateLimitSourcesOf(cfg, log),
    log,
  })
  const since = new Date()
  // Replay enough history to know what is pending or silent now; alerts only for new events.
  const lookbackMs = Math.max(
    a.silentWindowMs,
    Math.max(a.slaSeconds, ...a.routeSlaSeconds.map((r) => r.seconds)) * 2_000,
  )
  const monitor$ = a.enabled
    ? monitorAlerts$({
        events$: subscribeEvents$({ js: relayer.js, start: { time: new Date(since.getTime() - lookbackMs) }, log }),
        since,
        checkEveryMs: a.checkEveryMs,
        slaSeconds,
        silentWindowMs: a.silentWindowMs,
        committee,
        raisedBy: relayer.memberId,
      })
    : EMPTY
  const reorgs$: Observable<never> =
    a.reorgWatchMs > 0
      ? watchReorgs$({
          observed$: subscribeEvents$({
            js: relayer.js,
            filter: { statuses: ['observed'] },
            start: { time: new Date(since.getTime() - a.reorgWatchMs) },
            log,
          }).pipe(
            map((x) => (x.kind === 'status' ? x.event : undefined)),
            filter((e): e is Extract<StatusEvent, { status: 'observed' }> => e?.status === 'observed'),
          ),
          chains: relayer.chains.map((c) => c.adapter),
          everyMs: a.checkEveryMs,
          keepMs: a.reorgWatchMs,
          now: () => new Date(),
          log,
          relayer: relayer.memberId,
        }).pipe(
          mergeMap((e) => from(publishEventBestEffort(relayer.js, log, e)), 4),
          ignoreElements(),
        )
      : EMPTY
  const sub = merge(node$.pipe(filter(() => a.enabled)), monitor$, reorgs$)
    .pipe(publishAlerts(relayer.js, log.child({ module: 'alerts' })))
    .subscribe()
  let server: Server | undefined
  let metricsUrl: string | undefined
  if (cfg.metrics) {
    try {
      server = await serveMetrics(registry, cfg.metrics.host, cfg.metrics.port, log)
    } catch (err) {
      sub.unsubscribe()
      relay.stop()
      const why = (err as NodeJS.ErrnoException).code ?? 'listen failed'
      throw new ConfigInvalidError({
        source: 'metrics',
        issues: [{ path: 'metrics', message: `cannot listen on ${cfg.metrics.host}:${cfg.metrics.port} (${why})` }],
      })
    }
    const addr = server.address() as AddressInfo
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
    metricsUrl = `http://${host}:${addr.port}/metrics`
    log.info({ url: metricsUrl }, 'metrics listening')
  }
  return {
    metricsUrl,
    stop: async () => {
      sub.unsubscribe()
      relay.stop()
      if (server) await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
