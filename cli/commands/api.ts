import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { apiSetupOf, createApiServer } from '../../api/index.js'
import { loadConfig } from '../../config/index.js'
import { isRelayError, UsageError } from '../../errors.js'
import { connectNats, createRelayMetricsFeed } from '../../relayer/index.js'
import { createLogger } from '../createLogger.js'
import { relayMetricsOptionsOf } from '../startMonitoring.js'
import type { CliCommand } from '../types.js'

const USAGE = `Usage: isthmus api --config <file> [--log-level trace|debug|info|warn|error]

Serve the HTTP API (api/README.md): chains, assets, quotes, unsigned transfers for the user's own
wallet, message status with reason codes, Server-Sent Events, /healthz, /readyz, /metrics,
/openapi.json and the dashboard at /dashboard/.
  --config <file>    a relayer config (YAML or JSON): chains, routes, nats, assets and the api section
                     (host, port; port 0 = OS-chosen; body and rate limits). No key is read.
  --log-level LEVEL  override the config's logLevel

Prints one JSON line {"api":"http://HOST:PORT"} on stdout when ready; logs go to stderr.
SIGTERM / SIGINT: stop accepting, end event streams, exit 0.`

const OPTIONS = { config: { type: 'string' }, 'log-level': { type: 'string' } } as const
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const

const parse = (argv: string[]) => {
  let values: { config?: string; 'log-level'?: string }
  try {
    ;({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }))
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n\n${USAGE}` })
  }
  if (!values.config) throw new UsageError({ detail: `--config is required.\n\n${USAGE}` })
  const level = values['log-level']
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level))
    throw new UsageError({ detail: `--log-level must be one of ${LEVELS.join(', ')}.` })
  return { config: values.config, logLevel: level as (typeof LEVELS)[number] | undefined }
}

const untilSignal = (): Promise<string> =>
  new Promise((res) => {
    const done = (s: string) => {
      process.off('SIGTERM', term)
      process.off('SIGINT', int)
      res(s)
    }
    const term = () => done('SIGTERM')
    const int = () => done('SIGINT')
    process.on('SIGTERM', term)
    process.on('SIGINT', int)
  })

/** `isthmus api`: the HTTP API until SIGTERM/SIGINT. */
export const apiCommand: CliCommand = {
  name: 'api',
  summary: 'Serve the HTTP API (OpenAPI, quotes, transfers, message status, SSE, metrics, dashboard)',
  usage: USAGE,
  run: async (ctx) => {
    const args = parse(ctx.argv)
    const cfg = loadConfig(ctx.env, resolve(ctx.cwd, args.config))
    const log = createLogger({ level: args.logLevel ?? cfg.logLevel, base: { service: 'api' } }, pino.destination(2))
    const signalled = untilSignal()
    let nc: Awaited<ReturnType<typeof connectNats>> | undefined
    let api: Awaited<ReturnType<typeof createApiServer>>
    // The relay-wide metrics (docs/metrics.md) from the events the API's index consumes anyway.
    const registry = new Registry()
    const relayMetrics = createRelayMetricsFeed(registry, relayMetricsOptionsOf(cfg))
    try {
      nc = await connectNats({ servers: cfg.nats.servers, name: 'isthmus-api' }, log)
      collectDefaultMetrics({ register: registry })
      api = await createApiServer({
        registry,
        onIndexEvent: relayMetrics.onEvent,
        setup: apiSetupOf(cfg, log),
        nc,
        log,
        host: cfg.api.host,
        port: cfg.api.port,
        limits: cfg.api,
      })
    } catch (err) {
      log.fatal({ err, code: isRelayError(err) ? err.code : undefined }, 'api failed to start')
      await nc?.close()
      throw err
    }
    ctx.stdout.write(`${JSON.stringify({ api: api.url })}\n`)
    const signal = await signalled
    log.info({ signal }, 'api shutting down')
    await api.close()
    relayMetrics.stop()
    await nc.close()
    log.info('api stopped')
    log.flush()
    return 0
  },
}
