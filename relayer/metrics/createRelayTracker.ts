import type { Hex } from '../../types.js'
import type { StatusEvent } from '../nats/events.js'

/** Stages after `observed` whose latency is measured (from the `observed` event's `at`). */
export const LATENCY_STAGES = ['verified', 'attested', 'certified', 'submitted', 'delivered'] as const

export interface RelayTrackerOptions {
  /** Delivery SLA of a route, seconds (a pending message older than it is stuck). */
  slaSeconds(origin: number, destination: number): number
  /**
   * A member with no signature within this window, while others signed, is silent. Others must have
   * been signing for a tenth of the window first, so a member that is merely a moment behind on a
   * fresh burst is not called silent.
   */
  silentWindowMs: number
  /** The committee (addresses, lower-case) and threshold; unset: members are the signers seen. */
  committee?: { members: readonly Hex[]; threshold: number }
  /** Messages remembered at most (the oldest are forgotten first). Default 100 000. */
  maxTracked?: number
}

export interface TrackedMessage {
  id: Hex
  origin: number
  destination: number
  nonce: bigint
  /** ms since epoch of the `observed` event, when it was seen. */
  observedAtMs?: number
  /** First event time of each status seen. */
  stages: Map<string, number>
  /** Delivered, failed for good, or retracted. */
  isDone: boolean
}

/** What one status event changed (the metrics layer turns these into samples). */
export interface TrackerChange {
  /** The first event of this status for this id (counters of messages per status). */
  firstOfStatus: boolean
  /** Seconds since `observed` when `firstOfStatus` for a latency stage, else undefined. */
  latencySeconds?: number
  message: TrackedMessage
}

export interface RelayTracker {
  apply(e: StatusEvent): TrackerChange
  /** Pending messages per route key `<origin>.<destination>`. */
  pendingByRoute(): Map<string, number>
  /** Pending messages whose age (from `observed`) exceeds their route's SLA at `nowMs`. */
  stuck(nowMs: number): TrackedMessage[]
  /** Last signature time (ms) per signer address. */
  lastSignatures(): ReadonlyMap<Hex, number>
  /** Committee members that are silent at `nowMs` (only when someone signed within the window). */
  silentMembers(nowMs: number): Hex[]
  /** Active members minus the threshold at `nowMs`; undefined without a committee. */
  quorumHeadroom(nowMs: number): number | undefined
}

const TERMINAL_FAILURES = new Set(['PROOF_INVALID', 'CERTIFICATE_INVALID', 'MAX_ATTEMPTS', 'MALFORMED'])

/**
 * In-memory view of the relay built from status events (docs/events.md): what is pending, stuck,
 * and which committee members sign. Pure and bounded; events may repeat and arrive out of order.
 * @example
 * const t = createRelayTracker({ slaSeconds: () => 600, silentWindowMs: 900_000 })
 * t.apply(event)
 * t.stuck(Date.now())
 */
export const createRelayTracker = (o: RelayTrackerOptions): RelayTracker => {
  const max = o.maxTracked ?? 100_000
  const messages = new Map<Hex, TrackedMessage>()
  const lastSig = new Map<Hex, number>()
  // Start of the current signing activity (the first signature after a gap longer than the window).
  let activeSinceMs = 0
  let lastAnyMs: number | undefined
  const tracked = (e: StatusEvent): TrackedMessage => {
    let m = messages.get(e.id)
    if (!m) {
      m = { id: e.id, origin: e.origin, destination: e.destination, nonce: e.nonce, stages: new Map(), isDone: false }
      messages.set(e.id, m)
      if (messages.size > max) messages.delete(messages.keys().next().value as Hex)
    }
    return m
  }
  const apply = (e: StatusEvent): TrackerChange => {
    const m = tracked(e)
    const atMs = Date.parse(e.at)
    const firstOfStatus = !m.stages.has(e.status)
    if (firstOfStatus) m.stages.set(e.status, atMs)
    if (e.status === 'observed' && firstOfStatus) m.observedAtMs = atMs
    if (e.status === 'attested') {
      lastSig.set(e.signer, Math.max(lastSig.get(e.signer) ?? 0, atMs))
      if (lastAnyMs === undefined || atMs - lastAnyMs > o.silentWindowMs) activeSinceMs = atMs
      lastAnyMs = Math.max(lastAnyMs ?? 0, atMs)
    }
    if (e.status === 'delivered' || e.status === 'retracted') m.isDone = true
    if (e.status === 'failed' && !e.retryable && TERMINAL_FAILURES.has(e.reason)) m.isDone = true
    const isStage = (LATENCY_STAGES as readonly string[]).includes(e.status)
    const latencySeconds =
      firstOfStatus && isStage && m.observedAtMs !== undefined ? Math.max(0, (atMs - m.observedAtMs) / 1000) : undefined
    return { firstOfStatus, message: m, ...(latencySeconds === undefined ? {} : { latencySeconds }) }
  }
  const pendingByRoute = () => {
    const out = new Map<string, number>()
    for (const m of messages.values()) {
      const k = `${m.origin}.${m.destination}`
      out.set(k, (out.get(k) ?? 0) + (m.isDone ? 0 : 1))
    }
    return out
  }
  const stuck = (nowMs: number) =>
    [...messages.values()].filter(
      (m) =>
        !m.isDone &&
        m.observedAtMs !== undefined &&
        nowMs - m.observedAtMs > o.slaSeconds(m.origin, m.destination) * 1000,
    )
  const members = () => o.committee?.members.map((x) => x.toLowerCase() as Hex) ?? [...lastSig.keys()]
  const silentMembers = (nowMs: number) => {
    const since = nowMs - o.silentWindowMs
    const anyActive = lastAnyMs !== undefined && lastAnyMs >= since && activeSinceMs <= nowMs - o.silentWindowMs / 10
    return anyActive ? members().filter((s) => (lastSig.get(s) ?? 0) < since) : []
  }
  return {
    apply,
    pendingByRoute,
    stuck,
    lastSignatures: () => lastSig,
    silentMembers,
    quorumHeadroom: (nowMs) =>
      o.committee ? members().length - silentMembers(nowMs).length - o.committee.threshold : undefined,
  }
}
