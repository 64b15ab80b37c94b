import type { JetStreamClient } from '@nats-io/jetstream'
import { z } from 'zod'
import { type PublishDedupResult, publishDedup } from './publishDedup.js'
import { SUBJECTS } from './subjects.js'
import { domain, hexBytes, parseWire, relayerName } from './wire.js'

/**
 * Every alert kind (docs/events.md "Alerts"); each has a Prometheus rule with the label
 * `alert: <kind>` in deploy/prometheus/isthmus-rules.yml (a unit test checks both lists).
 */
export const ALERT_KINDS = [
  'verification-failure',
  'equivocation',
  'rpc-disagreement',
  'message-stuck',
  'signer-balance-low',
  'member-silent',
  'quorum-at-risk',
  'audit-mismatch',
  'reorg',
] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export const ALERT_SEVERITIES = ['critical', 'warning'] as const

/** The severity each kind is raised with. */
export const ALERT_SEVERITY: Record<AlertKind, (typeof ALERT_SEVERITIES)[number]> = {
  'verification-failure': 'critical',
  equivocation: 'critical',
  'rpc-disagreement': 'critical',
  'message-stuck': 'warning',
  'signer-balance-low': 'warning',
  'member-silent': 'warning',
  'quorum-at-risk': 'critical',
  'audit-mismatch': 'critical',
  reorg: 'critical',
}

/** Subject token for "no domain" (a chain-wide or committee-wide alert). */
export const ANY_DOMAIN = '_'

/**
 * An alert (docs/events.md "Alerts"), on `isthmus.evt.alert.<origin|_>.<destination|_>` in the
 * EVENTS stream, next to the status events (so replay, SSE and subject filters work alike).
 */
export const AlertEventSchema = z.object({
  v: z.literal(1),
  status: z.literal('alert'),
  alert: z.enum(ALERT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  /** Route the alert is about, when there is one. */
  origin: domain.optional(),
  destination: domain.optional(),
  /** Chain the alert is about (RPC disagreement, signer balance, reorg). */
  chain: z
    .string()
    .regex(/^(evm|substrate|fabric):\S+$/)
    .optional(),
  /** Message the alert is about. */
  id: hexBytes(32).optional(),
  /** Committee member address (member silent). */
  signer: hexBytes(20).optional(),
  /** The measured value and the configured threshold it crossed (decimal strings). */
  value: z.string().max(80).optional(),
  threshold: z.string().max(80).optional(),
  /** One line, no secrets. */
  detail: z.string().max(1024),
  at: z.iso.datetime(),
  /** Who raised it: a relayer member id, `audit` or `monitor`. */
  relayer: relayerName.optional(),
})
export type AlertEvent = z.output<typeof AlertEventSchema>

/**
 * Parse an alert event.
 * @throws WireFormatError
 */
export const parseAlertEvent = (data: Uint8Array): AlertEvent => parseWire('alert event', AlertEventSchema, data)

/** `isthmus.evt.alert.<origin|_>.<destination|_>`. */
export const alertSubject = (a: Pick<AlertEvent, 'origin' | 'destination'>): string =>
  `${SUBJECTS.events}.alert.${a.origin ?? ANY_DOMAIN}.${a.destination ?? ANY_DOMAIN}`

const ENC = new TextEncoder()

/** Build an alert document with its kind's severity and a bounded detail line. */
export const createAlert = (
  a: Omit<AlertEvent, 'v' | 'status' | 'severity' | 'at'> & { at: Date | string },
): AlertEvent => ({
  ...a,
  v: 1,
  status: 'alert',
  severity: ALERT_SEVERITY[a.alert],
  detail: a.detail.slice(0, 1024),
  at: typeof a.at === 'string' ? a.at : a.at.toISOString(),
})

/**
 * Publish an alert. `key` names the condition (e.g. the message id, or `<chain>:<hour>`):
 * `Nats-Msg-Id = evt:alert:<kind>:<key>`, so the same condition raised by several relayers within
 * the duplicate window is stored once.
 * @throws RelayError from `publishDedup`
 */
export const publishAlert = (js: JetStreamClient, a: AlertEvent, key: string): Promise<PublishDedupResult> =>
  publishDedup(js, alertSubject(a), ENC.encode(JSON.stringify(a)), `evt:alert:${a.alert}:${key}`, { attempts: 3 })
