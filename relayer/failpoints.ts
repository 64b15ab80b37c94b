import type { Logger } from 'pino'
import { ConfigInvalidError } from '../errors.js'

/**
 * Crash points for the crash tests of RELIABILITY.md §4.3 (F-19, F-20, F-21):
 * - `attest.afterSign`: the signature is computed, nothing of it is published yet;
 * - `deliver.afterBroadcast`: the delivery transaction is broadcast, not yet recorded or waited for;
 * - `confirm.afterReceipt`: the destination receipt is final, the KV record and the ack are not written.
 */
export const FAILPOINT_NAMES = ['attest.afterSign', 'deliver.afterBroadcast', 'confirm.afterReceipt'] as const
export type FailpointName = (typeof FAILPOINT_NAMES)[number]

/** The armed crash points of one node. */
export interface Failpoints {
  /**
   * Crash here if `name` is armed and has not fired yet in this process (each fires once).
   * Await it: the crash happens after the fatal log line is written, and nothing after the
   * failpoint runs first. Resolves at once when `name` is not armed (or with a fake `crash`).
   */
  hit(name: FailpointName, meta?: Record<string, unknown>): Promise<void>
}

export interface FailpointsOptions {
  names: readonly FailpointName[]
  log: Logger
  /** What a crash does; the default is `process.kill(process.pid, 'SIGKILL')` (exit status 137). */
  crash?: (name: FailpointName) => void
  /** Time the fatal line gets to reach stdout before the crash (pino writes asynchronously); default 50. */
  flushDelayMs?: number
}

/** Failpoints that never fire (the production default). */
export const NO_FAILPOINTS: Failpoints = { hit: async () => undefined }

const killSelf = (): void => {
  process.kill(process.pid, 'SIGKILL')
}

/**
 * Parse the `ISTHMUS_FAILPOINTS` value (read by the CLI only): comma-separated names, each
 * optionally written `name=crash` (the only action). Empty or absent: none.
 * @throws ConfigInvalidError naming every unknown entry
 */
export const parseFailpoints = (spec: string | undefined): FailpointName[] => {
  const entries = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const out: FailpointName[] = []
  const issues: { path: string; message: string }[] = []
  for (const e of entries) {
    const [name, action = 'crash'] = e.split('=', 2) as [string, string | undefined]
    if (!(FAILPOINT_NAMES as readonly string[]).includes(name))
      issues.push({
        path: 'ISTHMUS_FAILPOINTS',
        message: `unknown failpoint ${name}; known: ${FAILPOINT_NAMES.join(', ')}`,
      })
    else if (action !== 'crash')
      issues.push({ path: 'ISTHMUS_FAILPOINTS', message: `failpoint ${name}: unknown action ${action} (only crash)` })
    else if (!out.includes(name as FailpointName)) out.push(name as FailpointName)
  }
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'failpoints', issues })
  return out
}

/**
 * The crash points of one node: a hit of an armed name logs a fatal `failpoint hit` line (field
 * `failpoint`: the name), lets it reach the log and calls `crash(name)` — once per name; later
 * hits pass. One node per process (the CLI), so "once per node" is "once per process".
 * @example
 * const fp = createFailpoints({ names: parseFailpoints(env.ISTHMUS_FAILPOINTS), log })
 * fp.hit('attest.afterSign', { msgId })
 */
export const createFailpoints = (o: FailpointsOptions): Failpoints => {
  if (o.names.length === 0) return NO_FAILPOINTS
  const armed = new Set<FailpointName>(o.names)
  const crash = o.crash ?? killSelf
  const delayMs = o.flushDelayMs ?? 50
  return {
    hit: async (name, meta = {}) => {
      if (!armed.delete(name)) return
      o.log.fatal({ ...meta, failpoint: name }, 'failpoint hit')
      await new Promise<void>((res) => o.log.flush(() => (delayMs > 0 ? setTimeout(res, delayMs) : res())))
      crash(name)
    },
  }
}
