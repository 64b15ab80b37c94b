import type { JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import { EMPTY, from, merge, mergeMap, type Observable, share, tap, timer } from 'rxjs'
import type { Hex } from '../../types.js'
import { createRelayTracker, type RelayTrackerOptions } from '../metrics/createRelayTracker.js'
import { type AlertEvent, type AlertKind, createAlert, publishAlert } from '../nats/alertEvents.js'
import type { StreamedEvent } from '../stream/subscribeEvents.js'

/** An alert and the key of the condition it reports (`Nats-Msg-Id = evt:alert:<kind>:<key>`). */
export interface RaisedAlert {
  alert: AlertEvent
  key: string
}

export interface MonitorAlertsOptions extends Omit<RelayTrackerOptions, 'maxTracked'> {
  events$: Observable<StreamedEvent>
  /** Events stored before this are only tracked (history), never alerted on again. */
  since: Date
  /** How often stuck messages, silent members and the quorum are checked. */
  checkEveryMs: number
  now?: () => Date
  /** Who raises the alerts (`relayer` field): a member id or `monitor`. */
  raisedBy: string
}

const HALT_ALERTS: Record<string, AlertKind> = {
  EQUIVOCATION: 'equivocation',
  ENDPOINT_DISAGREEMENT: 'rpc-disagreement',
}

/** Alerts one event implies (docs/events.md "Alerts"). */
const alertsOfEvent = (x: StreamedEvent, at: Date, by: string): RaisedAlert[] => {
  if (x.kind === 'halted') {
    const e = x.event
    const kind = HALT_ALERTS[e.code]
    if (!kind) return []
    const alert = createAlert({
      alert: kind,
      origin: e.origin,
      destination: e.destination,
      chain: e.chain,
      detail: `${e.relayer} halted ${e.chain}: ${e.detail}`,
      at,
      relayer: by,
    })
    return [{ alert, key: `${e.chain}:${e.relayer}:${e.origin}.${e.destination}` }]
  }
  if (x.kind !== 'status') return []
  const e = x.event
  const route = { origin: e.origin, destination: e.destination, id: e.id, at, relayer: by }
  if (e.status === 'failed' && (e.reason === 'PROOF_INVALID' || e.reason === 'CERTIFICATE_INVALID')) {
    const detail = `message ${e.id} failed ${e.reason} (possible attack)${e.detail ? `: ${e.detail}` : ''}`
    return [{ alert: createAlert({ ...route, alert: 'verification-failure', detail }), key: `${e.id}:${e.reason}` }]
  }
  if (e.status === 'retracted' && e.reason !== 'OPERATOR') {
    const kind: AlertKind = e.reason === 'EQUIVOCATION' ? 'equivocation' : 'reorg'
    const detail = `message ${e.id} retracted (${e.reason})${e.detail ? `: ${e.detail}` : ''}`
    return [{ alert: createAlert({ ...route, alert: kind, detail }), key: e.id }]
  }
  return []
}

/**
 * Derive alerts from the event stream (docs/events.md "Alerts"): verification failures,
 * equivocations, RPC endpoint disagreement (halted routes), reorg retractions as events arrive;
 * every `checkEveryMs`, messages stuck beyond their route's SLA (once per message), committee
 * members silent within the window and a quorum at risk (once per window). Cold; emits the alerts,
 * publishing them is `publishAlerts`'s job.
 * @example
 * monitorAlerts$({ events$: subscribeEvents$({ js, start: { time: since } }), since, checkEveryMs: 10_000,
 *   slaSeconds: () => 600, silentWindowMs: 900_000, raisedBy: 'relayer-1' }).pipe(publishAlerts(js, log))
 */
export const monitorAlerts$ = (o: MonitorAlertsOptions): Observable<RaisedAlert> => {
  const now = o.now ?? (() => new Date())
  const tracker = createRelayTracker(o)
  const stuckRaised = new Set<Hex>()
  const windowRaised = new Set<string>()
  const sinceMs = o.since.getTime()
  const events$ = o.events$.pipe(share())
  const fromEvents$ = events$.pipe(
    tap((x) => x.kind === 'status' && tracker.apply(x.event)),
    mergeMap((x) => (x.storedAt.getTime() >= sinceMs ? from(alertsOfEvent(x, now(), o.raisedBy)) : EMPTY)),
  )
  const check = (): RaisedAlert[] => {
    const at = now()
    const out: RaisedAlert[] = []
    for (const m of tracker.stuck(at.getTime())) {
      if (stuckRaised.has(m.id)) continue
      stuckRaised.add(m.id)
      const sla = o.slaSeconds(m.origin, m.destination)
      const ageS = Math.round((at.getTime() - (m.observedAtMs ?? 0)) / 1000)
      const alert = createAlert({
        alert: 'message-stuck',
        origin: m.origin,
        destination: m.destination,
        id: m.id,
        value: String(ageS),
        threshold: String(sla),
        detail: `message ${m.id} (nonce ${m.nonce}) not delivered ${ageS} s after observed; route SLA ${sla} s`,
        at,
        relayer: o.raisedBy,
      })
      out.push({ alert, key: m.id })
    }
    const bucket = Math.floor(at.getTime() / o.silentWindowMs)
    const once = (k: string): boolean => {
      if (windowRaised.has(k)) return false
      windowRaised.add(k)
      return true
    }
    for (const signer of tracker.silentMembers(at.getTime())) {
      if (!once(`${signer}:${bucket}`)) continue
      const last = tracker.lastSignatures().get(signer)
      const alert = createAlert({
        alert: 'member-silent',
        signer,
        threshold: String(o.silentWindowMs / 1000),
        detail: `committee member ${signer} signed nothing in ${o.silentWindowMs / 1000} s while others did; last signature ${last ? new Date(last).toISOString() : 'never seen'}`,
        at,
        relayer: o.raisedBy,
      })
      out.push({ alert, key: `${signer}:${bucket}` })
    }
    const headroom = tracker.quorumHeadroom(at.getTime())
    if (headroom !== undefined && headroom <= 0 && o.committee && once(`quorum:${bucket}`)) {
      const alert = createAlert({
        alert: 'quorum-at-risk',
        value: String(headroom + o.committee.threshold),
        threshold: String(o.committee.threshold),
        detail: `${headroom + o.committee.threshold} committee members active for a threshold of ${o.committee.threshold}`,
        at,
        relayer: o.raisedBy,
      })
      out.push({ alert, key: `quorum:${bucket}` })
    }
    if (windowRaised.size > 10_000) windowRaised.clear()
    return out
  }
  const periodic$ = timer(o.checkEveryMs, o.checkEveryMs).pipe(mergeMap(() => from(check())))
  return merge(fromEvents$, periodic$)
}

/**
 * Publish each alert on `isthmus.evt.alert.…` (deduplicated by its key across relayers) and log it
 * as an error line `ALERT <detail>` with `alert: <kind>`. A failed publish is logged, never thrown.
 */
export const publishAlerts =
  (js: JetStreamClient, log: Logger) =>
  (alerts$: Observable<RaisedAlert>): Observable<RaisedAlert> =>
    alerts$.pipe(
      mergeMap(
        (r) =>
          from(
            (async () => {
              log.error({ alert: r.alert.alert, severity: r.alert.severity, event: r.alert }, `ALERT ${r.alert.detail}`)
              try {
                await publishAlert(js, r.alert, r.key)
              } catch (err) {
                log.warn({ err, alert: r.alert.alert }, 'alert event not published')
              }
              return r
            })(),
          ),
        4,
      ),
    )
