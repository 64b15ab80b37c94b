import { z } from 'zod'
import type { Committee } from '../../proofs/index.js'
import type { Hex } from '../../types.js'
import { domain, hexAny, hexBytes, parseWire, relayerName, uintString } from '../nats/wire.js'

/**
 * Record statuses in pipeline order; a record never moves back from `delivered`. `queued` (a large
 * transfer waiting for its release time), `failed` and `retracted` are side states.
 */
export const RECORD_STATUSES = [
  'attested',
  'certified',
  'submitted',
  'delivered',
  'queued',
  'failed',
  'retracted',
] as const
export type RecordStatus = (typeof RECORD_STATUSES)[number]

const iso = z.iso.datetime()

const MessageRecordSchema = z.object({
  v: z.literal(1),
  id: hexBytes(32),
  origin: domain,
  destination: domain,
  nonce: uintString(64),
  message: hexAny,
  status: z.enum(RECORD_STATUSES),
  /** Committee epoch and threshold the attestations were checked against. */
  epoch: uintString(64),
  threshold: z.number().int().min(1).max(255),
  /** One entry per signer (lower-case address), in arrival order. */
  attestations: z.record(
    hexBytes(20),
    z.object({ epoch: uintString(64), signature: hexBytes(65), relayer: relayerName, at: iso }),
  ),
  certificate: z
    .object({ epoch: uintString(64), signers: z.array(hexBytes(20)), signatures: z.array(hexBytes(65)) })
    .optional(),
  /** Set once the certificate is in DELIVERIES. */
  dispatched: z.object({ seq: z.number().int().min(1), at: iso }).optional(),
  /** The last destination outcome a deliverer recorded (relayer/deliver). */
  delivery: z
    .object({
      chain: z.string().min(1).max(128),
      relayer: relayerName,
      txHash: hexBytes(32).optional(),
      blockNumber: uintString(64).optional(),
      detail: z.string().max(1024).optional(),
      /** For `queued`: the destination's release time (chain time, unix seconds). */
      releaseAt: uintString(64).optional(),
    })
    .optional(),
  /** The last delivery transaction a deliverer broadcast for it (replacements overwrite it). */
  submission: z
    .object({
      chain: z.string().min(1).max(128),
      relayer: relayerName,
      txHash: hexBytes(32),
      nonce: uintString(64),
      at: iso,
    })
    .optional(),
  /** Why the message is `failed` (a docs/events.md failure reason), when it is. */
  failure: z
    .object({
      reason: z.string().min(1).max(64),
      code: z.string().max(64).optional(),
      detail: z.string().max(1024).optional(),
      retryable: z.boolean(),
      at: iso,
    })
    .optional(),
  /** When each stage was first reached. */
  stages: z.partialRecord(
    z.enum(['attested', 'certified', 'dispatched', 'submitted', 'delivered', 'queued', 'failed']),
    iso,
  ),
  updatedAt: iso,
})

/** The `isthmus-messages` value for one message id (the API reads it). */
export type MessageRecord = z.output<typeof MessageRecordSchema>

/**
 * Parse a stored record.
 * @throws WireFormatError
 */
export const decodeMessageRecord = (raw: Uint8Array): MessageRecord =>
  parseWire('message record', MessageRecordSchema, raw)

const ENC = new TextEncoder()
/** Serialize a record (bigints as decimal strings). */
export const encodeMessageRecord = (r: MessageRecord): Uint8Array =>
  ENC.encode(JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))

/** A verified attestation, ready to be recorded. */
export interface VerifiedAttestation {
  id: Hex
  origin: number
  destination: number
  nonce: bigint
  message: Hex
  epoch: bigint
  signer: Hex
  signature: Hex
  relayer: string
}

/**
 * The certificate of a record whose attestations were each verified (signature recovered to its
 * signer, over this route's digest) before they were written: the first `threshold` members of the
 * committee's epoch in arrival order, ordered by signer as the destination requires. No signature is
 * recovered again here — that was most of the aggregator's CPU on a burst, and the destination
 * verifies every signature itself anyway.
 */
const certificateOfVerified = (r: MessageRecord, committee: Committee): MessageRecord['certificate'] => {
  const members = new Set(committee.signers.map((s) => s.toLowerCase()))
  const chosen = Object.entries(r.attestations)
    .filter(([signer, a]) => a.epoch === committee.epoch && members.has(signer.toLowerCase()))
    .slice(0, committee.threshold)
  if (chosen.length < committee.threshold) return undefined
  chosen.sort(([x], [y]) => (x < y ? -1 : 1))
  return {
    epoch: committee.epoch,
    signers: chosen.map(([signer]) => signer.toLowerCase() as Hex),
    signatures: chosen.map(([, a]) => a.signature.toLowerCase() as Hex),
  }
}

/**
 * Pure CAS step: add `a` to the record (creating it) and, the first time `threshold` valid
 * signatures of the committee's epoch are present, freeze the certificate and move to `certified`.
 * Returns `undefined` when nothing changes (the signer is already recorded), so replays and
 * redeliveries are no-ops (F-16, F-27). A frozen certificate never changes: every instance that
 * publishes it publishes the same bytes.
 */
export const addAttestation = (
  cur: MessageRecord | undefined,
  a: VerifiedAttestation,
  committee: Committee,
  /** The route's digest `a` was verified against (kept for callers; the record holds verified entries only). */
  _digest: Hex,
  now: Date,
): MessageRecord | undefined => {
  const at = now.toISOString()
  const signer = a.signer.toLowerCase() as Hex
  const prior = cur?.attestations[signer]
  if (prior && prior.epoch === a.epoch) return undefined
  const rec: MessageRecord = cur
    ? { ...cur, attestations: { ...cur.attestations }, stages: { ...cur.stages } }
    : {
        v: 1,
        id: a.id,
        origin: a.origin,
        destination: a.destination,
        nonce: a.nonce,
        message: a.message,
        status: 'attested',
        epoch: committee.epoch,
        threshold: committee.threshold,
        attestations: {},
        stages: { attested: at },
        updatedAt: at,
      }
  rec.attestations[signer] = { epoch: a.epoch, signature: a.signature, relayer: a.relayer, at }
  rec.updatedAt = at
  if (!rec.certificate) {
    rec.epoch = committee.epoch
    rec.threshold = committee.threshold
    const built = certificateOfVerified(rec, committee)
    if (built) {
      rec.certificate = built
      if (rec.status === 'attested') rec.status = 'certified'
      rec.stages.certified ??= at
    }
  }
  return rec
}

/** Pure CAS step: note that the certificate is in DELIVERIES (first writer wins). */
export const markDispatched = (cur: MessageRecord | undefined, seq: number, now: Date): MessageRecord | undefined => {
  if (!cur || cur.dispatched) return undefined
  const at = now.toISOString()
  return { ...cur, dispatched: { seq, at }, stages: { ...cur.stages, dispatched: at }, updatedAt: at }
}

/** Count of recorded signatures for the committee's epoch. */
export const attestationCount = (r: MessageRecord): number =>
  Object.values(r.attestations).filter((a) => a.epoch === r.epoch).length
