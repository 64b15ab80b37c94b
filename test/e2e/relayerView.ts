// What the fault e2e tests read besides the oracles: a relayer's JSON log lines (its log file spans
// every restart), the `submitted` status events of one message, and the delivery transactions a
// destination chain holds in its mempool.
import { readFileSync } from 'node:fs'
import type { RelayerHandle } from '../../cli/devnet/relayerProcess.js'
import type { DevnetChain } from '../../cli/devnet/startDevnet.js'
import { parseStatusEvent, STREAMS, SUBJECTS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import { readStream } from '../harness/chainState.js'
import type { E2eDevnet } from '../harness/e2eDevnet.js'

/** One pino line: level as a number (40 warn, 50 error, 60 fatal), message, fields. */
export interface LogLine {
  level: number
  msg: string
  [field: string]: unknown
}

// The relayer logs level labels; pino's numbers are accepted too.
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }

/** The JSON log lines in a relayer's output (other lines, such as the one-line startup error, are left out). */
export const parseLogLines = (text: string): LogLine[] =>
  text.split('\n').flatMap((l) => {
    if (!l.startsWith('{')) return []
    try {
      const j = JSON.parse(l) as { level?: unknown; msg?: unknown }
      const level = typeof j.level === 'number' ? j.level : LEVELS[String(j.level)]
      return typeof j.msg === 'string' && level !== undefined ? [{ ...j, level } as LogLine] : []
    } catch {
      return []
    }
  })

/** Every JSON log line the relayer wrote so far, across restarts (its log file; appended asynchronously). */
export const logLines = (r: RelayerHandle): LogLine[] => {
  try {
    return parseLogLines(readFileSync(r.logFile, 'utf8'))
  } catch {
    return []
  }
}

/** Log lines about one message id (a `msgId` field, or an id in `msgIds`). */
export const linesAbout = (r: RelayerHandle, id: Hex): LogLine[] =>
  logLines(r).filter((l) => {
    const one = typeof l['msgId'] === 'string' && l['msgId'].toLowerCase() === id.toLowerCase()
    const many = Array.isArray(l['msgIds']) && l['msgIds'].some((x) => String(x).toLowerCase() === id.toLowerCase())
    return one || many
  })

/** Deliverer log lines about one message id: what a relayer did with its certificate. */
export const deliveryLinesAbout = (r: RelayerHandle, id: Hex): LogLine[] =>
  linesAbout(r, id).filter((l) => l['step'] === 'deliver' || l['component'] === 'deliver' || l['component'] === 'tx')

/** The `submitted` status events of one message: which relayer broadcast which transaction. */
export const submittedEvents = (e: E2eDevnet, id: Hex): Promise<{ relayer: string; txHash: Hex }[]> =>
  e.withJsm(async (jsm) => {
    const events = await readStream(jsm, STREAMS.events)
    return events
      .filter((m) => m.subject.startsWith(`${SUBJECTS.events}.submitted.`))
      .map((m) => parseStatusEvent(m.data))
      .filter((ev) => ev.id.toLowerCase() === id.toLowerCase() && ev.status === 'submitted')
      .map((ev) => ({ relayer: String(ev.relayer), txHash: (ev as { txHash: Hex }).txHash }))
  })

interface PendingTx {
  hash: Hex
  from: string
  to: string | null
}

/** Transactions to the chain's bridge waiting in its mempool (mining paused). */
export const pendingDeliveries = async (c: DevnetChain): Promise<PendingTx[]> =>
  (await c.node.rpc<PendingTx[]>('eth_pendingTransactions')).filter(
    (t) => t.to?.toLowerCase() === c.bridge.toLowerCase(),
  )

/** The relayer whose delivery account sent `from`. */
export const relayerOf = (relayers: readonly RelayerHandle[], from: string): RelayerHandle | undefined =>
  relayers.find((r) => r.deliveryAddress.toLowerCase() === from.toLowerCase())
