import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { ApiPromise } from '@polkadot/api'
import { type Logger, pino } from 'pino'
import { Registry } from 'prom-client'
import { lastValueFrom, Subject, tap } from 'rxjs'
import { createDeliveryReader } from '../../adapters/index.js'
import { connectSubstrateApi } from '../../adapters/substrate/connectSubstrateApi.js'
import { committeeMultisig } from '../../adapters/substrate/destination/committeeMultisig.js'
import { createSubstrateDeliveryReader } from '../../adapters/substrate/destination/createSubstrateDeliveryReader.js'
import { buildDeliveryCall } from '../../adapters/substrate/destination/deliveryCall.js'
import type { SubstrateAssetRoute } from '../../adapters/substrate/destination/types.js'
import { type Config, loadConfig, resolvePrivateKey } from '../../config/index.js'
import { UsageError } from '../../errors.js'
import {
  type AuditDestination,
  type AuditFinding,
  type AuditReport,
  type AuditSourceChain,
  audit$,
  connectNats,
  createAlert,
  createAuditor,
  publishAlert,
} from '../../relayer/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { createLogger } from '../createLogger.js'
import { fabricAdapterOptionsOf } from '../fabricAdapterOptionsOf.js'
import { createFabricAuditSource } from '../fabricAuditSource.js'
import { serveMetrics } from '../startMonitoring.js'
import { substrateAuditSourceOf } from '../substrateAuditSource.js'
import type { CliCommand, CliContext } from '../types.js'

const USAGE = `Usage: isthmus audit --config <file> [--json] [--watch] [--poll-ms N] [--metrics-port N] [--alerts] [--log-level LEVEL]

Re-verify every delivered message independently of the relayers: for each delivery on each
configured chain (EVM Delivered events, Substrate committee multisig executions, Fabric chaincode
Delivered events), a proof bundle exists on the PROOFS stream, every bundle verifies with the
config's trust anchors (EVM, Substrate and Fabric origins), the delivered message is the proven one,
and the proven block is still the source chain's canonical block at that height (re-read from it).
  --config <file>    a relayer config (chains, nats); keys are not read
  --json             one JSON report (once) or one JSON line per finding and pass (--watch)
  --watch            keep auditing new deliveries every --poll-ms (default 5000) until SIGINT/SIGTERM
  --metrics-port N   with --watch: serve /metrics (isthmus_audit_checked_total) on 127.0.0.1:N
                     (0 = OS-chosen; the URL is printed on stderr)
  --alerts           publish an audit-mismatch alert event per finding (isthmus.evt.alert.*)
  --log-level LEVEL  logs go to stderr (default warn)

Exit codes: 0 every delivery verified, 1 a mismatch was found (or the audit could not run), 2 usage.
Results: ok, bundle-missing, bundle-invalid, message-mismatch, source-block-not-canonical,
source-unverifiable (docs/audit.md).`

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  watch: { type: 'boolean' },
  'poll-ms': { type: 'string' },
  'metrics-port': { type: 'string' },
  alerts: { type: 'boolean' },
  'log-level': { type: 'string' },
} as const

interface Args {
  config: string
  isJson: boolean
  isWatch: boolean
  pollMs: number
  hasAlerts: boolean
  metricsPort: number | undefined
  logLevel: Config['logLevel']
}

const parse = (argv: string[]): Args => {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }))
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n\n${USAGE}` })
  }
  if (typeof values['config'] !== 'string') throw new UsageError({ detail: `--config is required.\n\n${USAGE}` })
  const poll = values['poll-ms'] ?? '5000'
  if (typeof poll !== 'string' || !/^[1-9]\d{1,7}$/.test(poll))
    throw new UsageError({ detail: '--poll-ms must be an integer ≥ 10.' })
  const port = values['metrics-port']
  if (port !== undefined && (typeof port !== 'string' || !/^\d{1,5}$/.test(port) || Number(port) > 65535))
    throw new UsageError({ detail: '--metrics-port must be a port number (0 = OS-chosen).' })
  const level = (values['log-level'] ?? 'warn') as string
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level))
    throw new UsageError({ detail: '--log-level must be one of trace, debug, info, warn, error.' })
  return {
    config: values['config'],
    isJson: values['json'] === true,
    isWatch: values['watch'] === true,
    pollMs: Number(poll),
    hasAlerts: values['alerts'] === true,
    metricsPort: port === undefined ? undefined : Number(port),
    logLevel: level as Config['logLevel'],
  }
}

const jsonOf = (v: unknown, space?: number) =>
  JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x), space)

const textOf = (r: AuditReport): string =>
  [
    `audited ${r.checked} deliveries: ${r.ok} ok, ${r.mismatches.length} mismatch(es)`,
    ...r.scanned.map((s) => `  scanned ${s.chain} blocks ${s.fromBlock}..${s.toBlock}`),
    ...r.mismatches.map(
      (f) => `MISMATCH ${f.result} ${f.id} (origin ${f.origin} nonce ${f.nonce}) tx ${f.txHash}: ${f.detail}`,
    ),
  ].join('\n')

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * The auditor of the config's EVM and Substrate chains, as destinations (bridge events, committee
 * multisig executions) and as sources (their bundles verified with the config's trust anchors and,
 * for Substrate, metadata from the auditor's own endpoint), and of its Fabric chains as both (the
 * identity key is resolved to read blocks through qscc; nothing is submitted).
 * `close` disconnects.
 */
const auditorOf = async (
  cfg: Config & { configDir: string },
  ctx: CliContext,
  log: Logger,
  nc: NatsConnection,
  registry: Registry,
) => {
  const evm = cfg.chains.flatMap((c) => (c.kind === 'evm' ? [c] : []))
  const substrate = cfg.chains.flatMap((c) => (c.kind === 'substrate' ? [c] : []))
  const fabric = cfg.chains.flatMap((c, i) => (c.kind === 'fabric' ? [{ c, i }] : []))
  const readers = new Map(
    evm.map((c) => [
      c.ref,
      createDeliveryReader({
        chain: c.ref as ChainRef,
        rpcUrls: c.rpcUrls,
        bridge: c.bridge as Hex,
        requestTimeoutMs: cfg.requestTimeoutMs,
        maxLogRangeBlocks: c.maxLogRangeBlocks,
        log,
      }),
    ]),
  )
  const apis: ApiPromise[] = []
  const closers: (() => Promise<void>)[] = []
  const close = async () => {
    await Promise.all([...apis.map((a) => a.disconnect().catch(() => {})), ...closers.map((c) => c())])
  }
  const substrateDestinations: AuditDestination[] = []
  const substrateSources: AuditSourceChain[] = []
  const fabricSources: AuditSourceChain[] = []
  const fabricDestinations: AuditDestination[] = []
  try {
    for (const { c, i } of fabric) {
      // The identity only reads blocks through qscc (a Fabric peer serves members only).
      const key = (await resolvePrivateKey(c.identity.key, ctx.env, cfg.configDir)) as Hex
      const s = createFabricAuditSource(fabricAdapterOptionsOf(c, key, cfg, i))
      closers.push(s.close)
      fabricSources.push(s.source)
      fabricDestinations.push({ reader: s.reader, domain: c.domain, fromBlock: c.startBlock })
    }
    for (const c of substrate) {
      const s = await substrateAuditSourceOf(cfg, c, log)
      closers.push(s.close)
      substrateSources.push(s.source)
      const api = await connectSubstrateApi(c.ref as ChainRef, [...c.wsUrls], cfg.requestTimeoutMs)
      apis.push(api)
      const ms = committeeMultisig(
        cfg.committee.members.map((m) => m.substrateAccount ?? ''),
        cfg.committee.threshold,
      )
      const assets: SubstrateAssetRoute[] = c.assets.map((a) =>
        a.kind === 'native'
          ? { assetId: a.assetId.toLowerCase() as Hex, kind: 'native' }
          : { assetId: a.assetId.toLowerCase() as Hex, kind: a.kind, assetHubId: a.assetHubId },
      )
      substrateDestinations.push({
        reader: createSubstrateDeliveryReader({ chain: c.ref as ChainRef, api, account: ms.account }),
        domain: c.domain,
        fromBlock: c.startBlock,
        expectedCall: (id, m) => {
          const plan = buildDeliveryCall(api, id, m, assets)
          return plan.kind === 'call' ? plan.callData : undefined
        },
      })
    }
  } catch (e) {
    await close()
    throw e
  }
  const auditor = createAuditor({
    js: jetstream(nc, { timeout: Math.min(cfg.requestTimeoutMs, 30_000) }),
    destinations: [
      ...evm.map((c) => ({ reader: readers.get(c.ref)!, domain: c.domain, fromBlock: c.startBlock })),
      ...substrateDestinations,
      ...fabricDestinations,
    ],
    sources: [
      ...evm.map((c) => ({
        source: { domain: c.domain, chain: c.ref as ChainRef, trust: { chainId: c.chainId, bridge: c.bridge as Hex } },
        reader: readers.get(c.ref)!,
      })),
      ...substrateSources,
      ...fabricSources,
    ],
    log,
    registry,
  })
  return { auditor, close }
}

/** `isthmus audit`: independent re-verification of every delivery, once or as a watcher. */
export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'Re-verify every delivered message from the proof bundles and the chains',
  usage: USAGE,
  run: async (ctx) => {
    const args = parse(ctx.argv)
    const cfg = loadConfig(ctx.env, resolve(ctx.cwd, args.config))
    const log = createLogger({ level: args.logLevel, base: { cmd: 'audit' } }, pino.destination(2))
    const nc = await connectNats({ servers: [...cfg.nats.servers], name: 'isthmus-audit' }, log)
    const js = jetstream(nc, { timeout: Math.min(cfg.requestTimeoutMs, 30_000) })
    const registry = new Registry()
    const alert = async (f: AuditFinding) => {
      if (!args.hasAlerts) return
      const dest = cfg.chains.find((c) => c.ref === f.destination)
      const a = createAlert({
        alert: 'audit-mismatch',
        origin: f.origin,
        ...(dest ? { destination: dest.domain } : {}),
        id: f.id,
        chain: f.destination,
        detail: `${f.result}: ${f.detail}`,
        at: new Date(),
        relayer: 'audit',
      })
      await publishAlert(js, a, `${f.id}:${f.result}`).catch((err: unknown) =>
        log.warn({ err }, 'audit alert not published'),
      )
    }
    let close = async () => {}
    try {
      const a = await auditorOf(cfg, ctx, log, nc, registry)
      close = a.close
      const auditor = a.auditor
      if (!args.isWatch) {
        const r = await auditor.runOnce()
        for (const f of r.mismatches) await alert(f)
        ctx.stdout.write(`${args.isJson ? jsonOf(r) : textOf(r)}\n`)
        return r.mismatches.length > 0 ? 1 : 0
      }
      const server =
        args.metricsPort === undefined ? undefined : await serveMetrics(registry, '127.0.0.1', args.metricsPort, log)
      if (server) {
        const addr = server.address() as { address: string; port: number }
        ctx.stderr.write(`metrics http://${addr.address}:${addr.port}/metrics\n`)
      }
      const stop$ = new Subject<void>()
      const onSignal = () => stop$.next()
      for (const s of SIGNALS) process.once(s, onSignal)
      let found = 0
      let total = 0
      try {
        await lastValueFrom(
          audit$(auditor, { pollMs: args.pollMs, stop$, log }).pipe(
            tap((r) => {
              total += r.checked
              found += r.mismatches.length
              for (const f of r.mismatches) {
                void alert(f)
                ctx.stdout.write(
                  `${args.isJson ? jsonOf({ finding: f }) : `MISMATCH ${f.result} ${f.id}: ${f.detail}`}\n`,
                )
              }
              if (args.isJson)
                ctx.stdout.write(
                  `${jsonOf({ pass: { checked: r.checked, ok: r.ok, mismatches: r.mismatches.length, scanned: r.scanned } })}\n`,
                )
            }),
          ),
          { defaultValue: undefined },
        )
      } finally {
        for (const s of SIGNALS) process.off(s, onSignal)
        if (server) await new Promise<void>((r) => server.close(() => r()))
      }
      ctx.stdout.write(
        `${args.isJson ? jsonOf({ summary: { checked: total, mismatches: found } }) : `audited ${total} deliveries, ${found} mismatch(es)`}\n`,
      )
      return found > 0 ? 1 : 0
    } finally {
      await close()
      await nc.drain().catch(() => undefined)
    }
  },
}
