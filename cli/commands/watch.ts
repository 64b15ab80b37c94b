import { map, merge, Observable, type Subscription, take, takeUntil, timer } from 'rxjs'
import { UsageError, WaitTimeoutError } from '../../errors.js'
import { createIsthmusClient, type EventStatus, type Hex, type WatchEvent, type WatchFilter } from '../../sdk/index.js'
import { EXIT } from '../exitCodes.js'
import { intFlag, parseCommandArgs } from '../parseCommandArgs.js'
import { renderTable } from '../renderTable.js'
import { API_FLAGS, API_FLAGS_USAGE, resolveApiUrl } from '../resolveApiTarget.js'
import type { CliCommand, CliContext } from '../types.js'

const USAGE = `Usage: isthmus watch [--status S] [--origin D] [--destination D] [--id 0x…] [--since ISO] [--from-seq N]
                     [--count N] [--timeout-ms N] [--api URL] [--devnet FILE] [--json]

Follow status events live. On a terminal: a table of messages (latest status each), redrawn as
events arrive. Otherwise (or with --json): one JSON line per event, {"seq", ...the event}.
  --status S         only this status (observed, verified, attested, certified, submitted,
                     delivered, failed, retracted, halted)
  --origin D         only this origin (domain number or chain ref); --destination likewise
  --id 0x…           only this message
  --since ISO        replay events from this time first; --from-seq N from this stream sequence
  --count N          exit after N events
  --timeout-ms N     exit after N ms
${API_FLAGS_USAGE}

The stream reconnects by itself (resuming after the last event seen). Ctrl-C exits 0.
Exit codes: 0 ok, 4 --count events did not arrive within --timeout-ms, 5 API unreachable, 2 usage.`

const OPTIONS = {
  ...API_FLAGS,
  status: { type: 'string' },
  origin: { type: 'string' },
  destination: { type: 'string' },
  id: { type: 'string' },
  since: { type: 'string' },
  'from-seq': { type: 'string' },
  count: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const

const STATUSES = [
  'observed',
  'verified',
  'attested',
  'certified',
  'submitted',
  'delivered',
  'failed',
  'retracted',
  'halted',
]
const CHAIN = /^(\d{1,10}|(evm|substrate|fabric):[A-Za-z0-9._-]+)$/

export interface WatchArgs {
  filter: WatchFilter
  count: number | undefined
  timeoutMs: number | undefined
  isJson: boolean
}

/**
 * Parse `isthmus watch` flags into an SDK filter.
 * @throws UsageError
 */
export const parseWatchArgs = (argv: string[]): WatchArgs & { api?: string; devnet?: string } => {
  const { values: v, positionals } = parseCommandArgs(argv, OPTIONS, USAGE)
  if (positionals.length > 0) throw new UsageError({ detail: `Unexpected argument ${positionals[0]}.\n\n${USAGE}` })
  const filter: WatchFilter = {}
  if (v.status !== undefined) {
    if (!STATUSES.includes(v.status))
      throw new UsageError({ detail: `--status must be one of ${STATUSES.join(', ')}.` })
    filter.status = v.status as EventStatus
  }
  for (const k of ['origin', 'destination'] as const) {
    const x = v[k]
    if (x === undefined) continue
    if (!CHAIN.test(x)) throw new UsageError({ detail: `--${k} must be a domain number or a chain ref (evm:31337).` })
    filter[k] = /^\d+$/.test(x) ? Number(x) : x
  }
  if (v.id !== undefined) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(v.id))
      throw new UsageError({ detail: '--id must be 0x followed by 32 bytes of hex.' })
    filter.id = v.id.toLowerCase() as Hex
  }
  if (v.since !== undefined) {
    if (Number.isNaN(Date.parse(v.since)) || !/^\d{4}-\d\d-\d\dT/.test(v.since))
      throw new UsageError({ detail: '--since must be an ISO 8601 time (2026-11-21T15:40:00Z).' })
    filter.since = new Date(v.since).toISOString()
  }
  if (v['from-seq'] !== undefined) filter.fromSeq = intFlag(v['from-seq'], '--from-seq', 0, USAGE)
  const count = v.count === undefined ? undefined : intFlag(v.count, '--count', 0, USAGE)
  if (count === 0) throw new UsageError({ detail: '--count must be at least 1.' })
  const timeoutMs = v['timeout-ms'] === undefined ? undefined : intFlag(v['timeout-ms'], '--timeout-ms', 0, USAGE)
  return {
    filter,
    count,
    timeoutMs,
    isJson: v.json === true,
    ...(v.api ? { api: v.api } : {}),
    ...(v.devnet ? { devnet: v.devnet } : {}),
  }
}

interface Row {
  id: string
  route: string
  status: string
  detail: string
  at: string
  events: number
}

/** The live table's rows: one per message, latest event first, at most `max`. */
export const foldWatchRows = (rows: Map<string, Row>, w: WatchEvent): Map<string, Row> => {
  const e = w.event
  const prev = rows.get(e.id)
  const detail =
    e.status === 'attested'
      ? `${e.count ?? '?'}/${e.threshold ?? '?'} signatures`
      : e.status === 'failed'
        ? `${e.reason ?? ''}${e.retryable ? ' (retrying)' : ''}`
        : e.txHash
          ? `tx ${e.txHash}`
          : ''
  rows.delete(e.id)
  rows.set(e.id, {
    id: e.id,
    route: `${e.origin} -> ${e.destination}`,
    status: e.status,
    detail,
    at: e.at,
    events: (prev?.events ?? 0) + 1,
  })
  return rows
}

/** Render the live table (newest first). */
export const renderWatchTable = (rows: Map<string, Row>, max: number): string =>
  renderTable([...rows.values()].reverse().slice(0, max), [
    { header: 'MESSAGE', cell: (r) => r.id, maxWidth: 18 },
    { header: 'ROUTE', cell: (r) => r.route },
    { header: 'STATUS', cell: (r) => r.status },
    { header: 'DETAIL', cell: (r) => r.detail, maxWidth: 40 },
    { header: 'EVENTS', cell: (r) => String(r.events), align: 'right' },
    { header: 'LAST SEEN', cell: (r) => r.at },
  ])

const sigint$ = new Observable<'SIGINT'>((sub) => {
  const h = () => sub.next('SIGINT')
  process.once('SIGINT', h)
  return () => process.off('SIGINT', h)
})

const run = async (ctx: CliContext): Promise<number> => {
  const args = parseWatchArgs(ctx.argv)
  const client = createIsthmusClient({ apiUrl: resolveApiUrl(ctx, args, USAGE) })
  const out = ctx.stdout as NodeJS.WritableStream & { isTTY?: boolean; rows?: number }
  const isTable = !args.isJson && out.isTTY === true
  const rows = new Map<string, Row>()
  let seen = 0
  let sub: Subscription | undefined
  let isInterrupted = false
  const stop$ = merge(
    sigint$.pipe(map(() => (isInterrupted = true))),
    args.timeoutMs === undefined ? [] : timer(args.timeoutMs),
  )
  const events$ = client
    .watch(args.filter)
    .pipe(args.count === undefined ? (x) => x : take(args.count), takeUntil(stop$))
  const ended = new Promise<void>((resolve, reject) => {
    sub = events$.subscribe({
      next: (w) => {
        seen += 1
        if (!isTable) return void out.write(`${JSON.stringify({ seq: w.seq, ...w.event })}\n`)
        foldWatchRows(rows, w)
        out.write(`\x1b[H\x1b[2J${renderWatchTable(rows, Math.max(5, (out.rows ?? 30) - 4))}\n${seen} events\n`)
      },
      error: reject,
      complete: resolve,
    })
  })
  if (isTable) out.write('waiting for events… (Ctrl-C to stop)\n')
  try {
    await ended
  } finally {
    sub?.unsubscribe()
  }
  if (args.count !== undefined && seen < args.count && !isInterrupted)
    throw new WaitTimeoutError({
      what: `${args.count} events`,
      timeoutMs: args.timeoutMs ?? 0,
      detail: `${seen} arrived`,
    })
  return EXIT.ok
}

/** `isthmus watch`: live status events through the API's SSE stream. */
export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'Follow status events live (a table on a terminal, JSON lines otherwise)',
  usage: USAGE,
  run,
}
