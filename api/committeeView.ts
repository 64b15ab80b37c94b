import { createRelayTracker, parseStreamedEvent } from '../relayer/index.js'
import type { Hex } from '../types.js'
import type { ApiCommittee } from './apiChains.js'
import type { IndexedStreamMessage } from './eventIndex.js'
import type { AlertView, CommitteeResponse } from './schemas.js'

export interface CommitteeViewOptions {
  committee: ApiCommittee
  /** Alerts kept, newest first (default 200). */
  maxAlerts?: number
  nowMs?: () => number
}

/** Committee health and recent alerts, folded from the EVENTS messages the API's index consumes. */
export interface CommitteeView {
  /** Feed one EVENTS message (the event index's hook), in stream order. */
  onEvent(m: IndexedStreamMessage): void
  committee(): CommitteeResponse
  /** Newest first, at most `limit`. */
  alerts(limit: number): AlertView[]
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Follow committee signing activity (`attested` events: last signature per member, counts, silent
 * members by the same rule as the `member-silent` alert, `createRelayTracker`) and keep the newest
 * alert events, with route `halted` events as alert `route-halted`. Bounded: one entry per signer seen, `maxAlerts` alerts.
 * @example
 * const view = createCommitteeView({ committee: setup.committee })
 * createEventIndex({ ..., onEvent: view.onEvent }); view.committee()
 */
export const createCommitteeView = (o: CommitteeViewOptions): CommitteeView => {
  const c = o.committee
  const nowMs = o.nowMs ?? Date.now
  const maxAlerts = o.maxAlerts ?? 200
  // Only the tracker's signature view is read: a small message bound keeps its memory flat.
  const tracker = createRelayTracker({
    slaSeconds: () => Number.MAX_SAFE_INTEGER,
    silentWindowMs: c.silentWindowMs,
    committee: { members: c.members.map((m) => m.address), threshold: c.threshold },
    maxTracked: 256,
  })
  const counts = new Map<Hex, number>()
  const alerts: AlertView[] = []
  const push = (a: AlertView) => {
    alerts.unshift(a)
    if (alerts.length > maxAlerts) alerts.pop()
  }
  const onEvent = (m: IndexedStreamMessage) => {
    const x = parseStreamedEvent(m.seq, m.subject, m.data, m.storedAt)
    if (x.kind === 'status' && x.event.status === 'attested') {
      tracker.apply(x.event)
      const signer = x.event.signer.toLowerCase() as Hex
      if (counts.has(signer) || counts.size < 1_024) counts.set(signer, (counts.get(signer) ?? 0) + 1)
    } else if (x.kind === 'halted') {
      // A halted route is shown next to the alerts (and survives a dashboard reload).
      const h = x.event
      push({
        seq: m.seq,
        alert: 'route-halted',
        severity: 'critical',
        origin: h.origin,
        destination: h.destination,
        chain: h.chain,
        detail: `${h.code}: ${h.detail}`.slice(0, 1024),
        at: h.at,
        relayer: h.relayer,
      })
    } else if (x.kind === 'alert') {
      const { v: _v, status: _s, signer, ...rest } = x.event
      push({ seq: m.seq, ...rest, ...(signer ? { signer: signer.toLowerCase() } : {}) })
    }
  }
  const committee = (): CommitteeResponse => {
    const now = nowMs()
    const last = tracker.lastSignatures()
    const silent = new Set(tracker.silentMembers(now))
    const configured = new Set(c.members.map((m) => m.address))
    return {
      epoch: c.epoch.toString(),
      threshold: c.threshold,
      policy: c.policy,
      silentWindowMs: c.silentWindowMs,
      members: c.members.map((m) => {
        const at = last.get(m.address)
        return {
          id: m.id,
          address: m.address,
          operatorId: m.operatorId,
          ...(at === undefined ? {} : { lastSignedAt: iso(at) }),
          signatures: counts.get(m.address) ?? 0,
          silent: silent.has(m.address),
        }
      }),
      otherSigners: [...last]
        .filter(([a]) => !configured.has(a))
        .map(([address, at]) => ({ address, lastSignedAt: iso(at), signatures: counts.get(address) ?? 0 })),
      quorumHeadroom: tracker.quorumHeadroom(now) ?? c.members.length - c.threshold,
    }
  }
  return { onEvent, committee, alerts: (limit) => alerts.slice(0, limit) }
}
