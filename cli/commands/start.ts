import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Registry } from 'prom-client'
import { type Config, loadConfig } from '../../config/index.js'
import { isRelayError, UsageError } from '../../errors.js'
import { recordActivity } from '../../relayer/index.js'
import { createLogger } from '../createLogger.js'
import { runRelayer } from '../runRelayer.js'
import { type Monitoring, startMonitoring } from '../startMonitoring.js'
import type { CliCommand } from '../types.js'

const USAGE = `Usage: isthmus start --config <file> [--log-level trace|debug|info|warn|error]

Run one committee member's relayer node: observe every source chain, verify and attest its
messages, aggregate certificates and deliver them to the destination chains, over NATS JetStream.
  --config <file>    the relayer config (YAML or JSON; see config/examples/relayer-evm-evm.yaml)
  --log-level LEVEL  override the config's logLevel

Secrets never go in the config: it names env vars ({ env: NAME }) or encrypted keystores
({ keystore: file, passwordEnv: NAME }); create a keystore with \`isthmus keys new\`.
Startup preflight: chain ids, bridge code, committee membership of the attestation key and the
on-chain committee (epoch, threshold, members) against the config, NATS topology. Any mismatch
exits 1 with a one-line reason. Logs are JSON lines on stdout; "relayer ready" marks the start.
With a \`metrics: { host, port }\` config section, Prometheus metrics are served on
http://host:port/metrics (port 0 = OS-chosen; "metrics listening" logs the URL; docs/metrics.md).
Alerts (docs/events.md "Alerts") are published on isthmus.evt.alert.* and logged as ALERT lines.
SIGTERM / SIGINT: graceful shutdown (in-flight deliveries finish), exit 0.`

const OPTIONS = { config: { type: 'string' }, 'log-level': { type: 'string' } } as const
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const

const parse = (argv: string[]): { config: string; logLevel: Config['logLevel'] | undefined } => {
  let values: { config?: string; 'log-level'?: string }
  try {
    ;({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }))
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n\n${USAGE}` })
  }
  if (!values.config) throw new UsageError({ detail: `--config is required.\n\n${USAGE}` })
  const level = values['log-level']
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    throw new UsageError({ detail: `--log-level must be one of ${LEVELS.join(', ')}.` })
  }
  return { config: values.config, logLevel: level as Config['logLevel'] | undefined }
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/** The first of SIGTERM / SIGINT, or the pipeline ending by itself; the handlers are removed after. */
const untilSignalOr = (done: Promise<void>): Promise<string> =>
  new Promise((res) => {
    const finish = (why: string) => {
      for (const s of SIGNALS) process.off(s, handlers[s])
      res(why)
    }
    const handlers = { SIGTERM: () => finish('SIGTERM'), SIGINT: () => finish('SIGINT') }
    for (const s of SIGNALS) process.on(s, handlers[s])
    void done.then(() => finish('pipeline ended'))
  })

/** `isthmus start`: one relayer node until SIGTERM/SIGINT. */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Run a relayer node (observe, verify, attest, aggregate, deliver)',
  usage: USAGE,
  run: async (ctx) => {
    const args = parse(ctx.argv)
    const cfg = loadConfig(ctx.env, resolve(ctx.cwd, args.config))
    const log = createLogger({ level: args.logLevel ?? cfg.logLevel, base: { member: cfg.node.memberId } })
    let relayer: Awaited<ReturnType<typeof runRelayer>>
    let monitoring: Monitoring
    const registry = new Registry()
    try {
      relayer = await runRelayer(cfg, ctx.env, log, recordActivity(registry))
    } catch (err) {
      log.fatal({ err, code: isRelayError(err) ? err.code : undefined }, 'relayer failed to start')
      throw err
    }
    try {
      monitoring = await startMonitoring(cfg, relayer, registry, log)
    } catch (err) {
      log.fatal({ err, code: isRelayError(err) ? err.code : undefined }, 'relayer failed to start')
      await relayer.stop(0)
      throw err
    }
    // Handlers first: a supervisor may signal the moment it reads "relayer ready".
    const signalled = untilSignalOr(relayer.done)
    log.info(
      { memberId: relayer.memberId, signer: relayer.signer, routes: relayer.routes.map((r) => `${r.from}->${r.to}`) },
      'relayer ready',
    )
    let forced = false
    const signal = await signalled
    log.info({ signal }, 'relayer shutting down')
    // A second signal means "now": exit without waiting for in-flight work.
    const force = () => {
      forced = true
      log.warn('second signal, exiting without waiting')
      log.flush()
      process.exit(1)
    }
    for (const s of SIGNALS) process.once(s, force)
    await monitoring.stop()
    const inTime = await relayer.stop(cfg.relayer.shutdownGraceMs)
    for (const s of SIGNALS) process.off(s, force)
    log.info({ inTime }, 'relayer stopped')
    log.flush()
    return inTime && !forced ? 0 : 1
  },
}
