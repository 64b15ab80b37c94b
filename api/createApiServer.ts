import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import rateLimit from '@fastify/rate-limit'
import { jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { isRelayError } from '../errors.js'
import type { ApiSetup } from './apiChains.js'
import { type ApiContext, type ApiLimits, DEFAULT_LIMITS } from './apiContext.js'
import { createApiMetrics } from './apiMetrics.js'
import { createCommitteeView } from './committeeView.js'
import { createEventIndex, type EventIndex, type EventIndexOptions } from './eventIndex.js'
import { fail } from './httpFailure.js'
import { createMessageStatusReader } from './messageStatus.js'
import { registerOpsRoutes } from './routes/opsRoutes.js'
import { registerV1Routes } from './routes/v1Routes.js'

export interface ApiServerOptions {
  /** Chains (with readers), routes and assets: `apiSetupOf(config, log)`. */
  setup: ApiSetup
  nc: NatsConnection
  log: Logger
  host?: string
  /** 0 (default) = an OS-chosen free port. */
  port?: number
  limits?: Partial<ApiLimits>
  /** Metrics registry `/metrics` serves (default: a new one with the default process metrics). */
  registry?: Registry
  /** Every EVENTS message the index consumes, in stream order: the hook relay metrics attach to. */
  onIndexEvent?: EventIndexOptions['onEvent']
  /** Dashboard static files (default `api/dashboard/public`). */
  dashboardDir?: string
  version?: string
  now?: () => Date
}

export interface ApiServer {
  app: FastifyInstance
  /** `http://host:port` it listens on. */
  url: string
  index: EventIndex
  registry: Registry
  /** Stop accepting, end SSE streams, stop the index (the NATS connection stays the caller's). */
  close(): Promise<void>
}

const here = dirname(fileURLToPath(import.meta.url))
/** `api/dashboard/public` next to this module, from source or from dist/. */
export const defaultDashboardDir = (): string => {
  const local = join(here, 'dashboard', 'public')
  return existsSync(local) ? local : resolve(here, '..', '..', 'api', 'dashboard', 'public')
}

/** Map fastify's own errors, the rate limiter's and chain errors to the `{ error }` shape. */
const errorReply = (e: FastifyError & { apiCode?: string }, log: Logger) => {
  if (e.apiCode === 'rate_limited') return fail(429, 'rate_limited', e.message)
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(413, 'payload_too_large', e.message)
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return fail(
      415,
      'unsupported_media_type',
      'Send JSON with content-type: application/json.',
      undefined,
      'application/json',
    )
  if (e.statusCode === 400 && (e.code?.startsWith('FST_ERR_CTP') || e instanceof SyntaxError))
    return fail(400, 'request_invalid', `The body is not valid JSON: ${e.message}`, 'body')
  if (isRelayError(e) && (e.code === 'RPC_ERROR' || e.code === 'RPC_TIMEOUT'))
    return fail(503, 'chain_unavailable', e.message.split('\n')[0]!)
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
    return fail(e.statusCode, 'request_invalid', e.message)
  log.error({ err: e }, 'api request failed')
  return fail(500, 'internal', 'Internal error.')
}

/**
 * Start the HTTP API: fastify with body-size and per-IP rate limits, the v1 routes, SSE, health,
 * metrics, `/openapi.json` and the dashboard; the event index starts consuming EVENTS at once.
 * @throws NatsApiError / NatsUnavailableError when JetStream is unreachable at start
 * @example
 * const api = await createApiServer({ setup: apiSetupOf(cfg, log), nc, log })
 * console.log(api.url); await api.close()
 */
export const createApiServer = async (o: ApiServerOptions): Promise<ApiServer> => {
  const log = o.log.child({ module: 'api' })
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...o.limits }
  const js = jetstream(o.nc, { timeout: 5_000 })
  const committee = o.setup.committee ? createCommitteeView({ committee: o.setup.committee }) : undefined
  const hook = o.onIndexEvent
  const index = createEventIndex({
    js,
    log,
    maxMessages: limits.indexMaxMessages,
    ...(hook || committee
      ? {
          onEvent: (m, rec) => {
            committee?.onEvent(m)
            hook?.(m, rec)
          },
        }
      : {}),
  })
  const metrics = createApiMetrics(index, o.registry)
  let closeNow!: () => void
  const closing = new Promise<void>((r) => {
    closeNow = r
  })
  const now = o.now ?? (() => new Date())
  const ctx: ApiContext = {
    setup: o.setup,
    nc: o.nc,
    js,
    log,
    index,
    status: createMessageStatusReader({
      setup: o.setup,
      index,
      log,
      dispatchLookbackBlocks: limits.dispatchLookbackBlocks,
      now,
    }),
    metrics,
    ...(committee ? { committee } : {}),
    limits,
    dashboardDir: resolve(o.dashboardDir ?? defaultDashboardDir()),
    version: o.version ?? '0.1.0',
    now,
    closing,
    sse: { open: 0 },
  }
  const app = Fastify({
    bodyLimit: limits.bodyLimitBytes,
    disableRequestLogging: true,
    return503OnClosing: true,
    forceCloseConnections: true,
  })
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain')
  await app.register(rateLimit, {
    global: true,
    max: limits.rateLimitMax,
    timeWindow: limits.rateLimitWindowMs,
    errorResponseBuilder: (_req, c) => ({
      statusCode: 429,
      apiCode: 'rate_limited',
      message: `Rate limit of ${c.max} requests per ${Math.round(limits.rateLimitWindowMs / 1000)} s exceeded; retry in ${Math.ceil(c.ttl / 1000)} s.`,
    }),
  })
  app.setErrorHandler((e: FastifyError & { apiCode?: string }, _req, reply) => {
    const f = errorReply(e, log)
    return reply.code(f.httpStatus).send(f.body)
  })
  app.setNotFoundHandler((req, reply) => {
    const f = fail(404, 'not_found', `No route ${req.method} ${req.url.split('?')[0]}.`)
    return reply.code(f.httpStatus).send(f.body)
  })
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    metrics.observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000)
    if (log.isLevelEnabled('debug')) log.debug({ method: req.method, route, status: reply.statusCode }, 'api request')
  })
  registerV1Routes(app, ctx)
  registerOpsRoutes(app, ctx)
  await index.start()
  // Substrate readers measure block time from arriving heads: connect now so a first quote has samples.
  for (const c of o.setup.chains)
    c.substrate?.reader
      .api()
      .catch((err: unknown) => log.warn({ err, chain: c.ref }, 'substrate chain not reachable yet'))
  const address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 })
  const url = address.replace('[::1]', 'localhost')
  log.info({ url }, 'api listening')
  let closed: Promise<void> | undefined
  return {
    app,
    url,
    index,
    registry: metrics.registry,
    close: () => {
      closed ??= (async () => {
        closeNow()
        await app.close()
        await index.stop()
        await Promise.all(o.setup.chains.map((c) => c.substrate?.reader.close()))
      })()
      return closed
    },
  }
}
