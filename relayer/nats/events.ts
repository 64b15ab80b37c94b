import type { JetStreamClient } from '@nats-io/jetstream'
import { z } from 'zod'
import { type PublishDedupResult, publishDedup } from './publishDedup.js'
import { eventSubject } from './subjects.js'
import { domain, hexBytes, parseWire, relayerName, uintString } from './wire.js'

/** Statuses of a message, in pipeline order (retracted and failed can follow any of them). */
export const EVENT_STATUSES = [
  'observed',
  'verified',
  'attested',
  'certified',
  'submitted',
  'delivered',
  'failed',
  'retracted',
] as const
export type EventStatus = (typeof EVENT_STATUSES)[number]

/** Why a message failed; stable codes dashboards and alerts key on (docs/events.md). */
export const FAILURE_REASONS = [
  'PROOF_INVALID',
  'CERTIFICATE_INVALID',
  'RECIPIENT_REVERTED',
  'RATE_LIMITED',
  'DESTINATION_PAUSED',
  'QUEUED_LARGE_TRANSFER',
  'DELIVERY_REVERTED',
  'MAX_ATTEMPTS',
  'MALFORMED',
  'UNKNOWN',
] as const

export const RETRACTION_REASONS = ['REORG', 'EQUIVOCATION', 'OPERATOR'] as const

const chainRef = z.string().regex(/^(evm|substrate|fabric):\S+$/, 'expected a ChainRef like evm:1')
const hash32 = hexBytes(32)
const common = {
  v: z.literal(1),
  id: hash32,
  origin: domain,
  destination: domain,
  nonce: uintString(64),
  /** When the emitting relayer saw the change (ISO 8601, UTC). */
  at: z.iso.datetime(),
  relayer: relayerName.optional(),
}

/** The public status event schema, v1 (docs/events.md): JSON on `isthmus.evt.<status>.<origin>.<dest>`. */
export const StatusEventSchema = z.discriminatedUnion('status', [
  z.object({
    ...common,
    status: z.literal('observed'),
    source: z.object({
      chain: chainRef,
      blockNumber: uintString(64),
      blockHash: hash32,
      txHash: hash32,
      logIndex: z.number().int().min(0),
    }),
  }),
  z.object({ ...common, status: z.literal('verified'), proofKind: z.string().min(1).max(64) }),
  z.object({
    ...common,
    status: z.literal('attested'),
    epoch: uintString(64),
    count: z.number().int().min(1).max(255),
    threshold: z.number().int().min(1).max(255),
    signer: hexBytes(20),
  }),
  z.object({
    ...common,
    status: z.literal('certified'),
    epoch: uintString(64),
    threshold: z.number().int().min(1).max(255),
    signers: z.array(hexBytes(20)).min(1).max(255),
  }),
  z.object({ ...common, status: z.literal('submitted'), chain: chainRef, txHash: hash32 }),
  z.object({ ...common, status: z.literal('delivered'), chain: chainRef, txHash: hash32, blockNumber: uintString(64) }),
  z.object({
    ...common,
    status: z.literal('failed'),
    reason: z.enum(FAILURE_REASONS),
    /** The RelayError code behind it, when there is one (docs/errors.md). */
    code: z
      .string()
      .regex(/^[A-Z_]+$/)
      .optional(),
    detail: z.string().max(1024).optional(),
    retryable: z.boolean(),
  }),
  z.object({
    ...common,
    status: z.literal('retracted'),
    reason: z.enum(RETRACTION_REASONS),
    detail: z.string().max(1024).optional(),
  }),
])

/** A status event as the code handles it: uint64 fields as bigint. */
export type StatusEvent = z.output<typeof StatusEventSchema>

/**
 * Parse a status event from its JSON bytes.
 * @throws WireFormatError
 */
export const parseStatusEvent = (data: Uint8Array): StatusEvent => parseWire('status event', StatusEventSchema, data)

const ENC = new TextEncoder()
/** Serialize a status event (bigints as decimal strings). */
export const encodeStatusEvent = (e: StatusEvent): Uint8Array =>
  ENC.encode(JSON.stringify(e, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))

/**
 * `Nats-Msg-Id` of an event: one per (status, id), one per signature count for `attested`,
 * one per transaction for `submitted` (a replacement is announced too), and one per occurrence
 * for `failed` (a message can fail, be retried and fail again).
 */
export const eventMsgId = (e: StatusEvent): string => {
  if (e.status === 'attested') return `evt:attested:${e.id}:${e.count}`
  if (e.status === 'submitted') return `evt:submitted:${e.id}:${e.txHash}`
  if (e.status === 'failed') return `evt:failed:${e.id}:${e.at}`
  return `evt:${e.status}:${e.id}`
}

/**
 * Publish a status event on `isthmus.evt.<status>.<origin>.<dest>` (deduplicated).
 * @throws RelayError from `publishDedup`
 */
export const publishStatusEvent = (js: JetStreamClient, e: StatusEvent): Promise<PublishDedupResult> =>
  publishDedup(js, eventSubject(e.status, e.origin, e.destination), encodeStatusEvent(e), eventMsgId(e))
