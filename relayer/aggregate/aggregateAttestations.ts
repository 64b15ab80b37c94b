import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { from, mergeMap, type Observable, type OperatorFunction } from 'rxjs'
import { InvalidProofError, type RelayError, WireFormatError } from '../../errors.js'
import { type Committee, verifyAttestation } from '../../proofs/index.js'
import { attestationDigest } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import { publishStatusEvent, type StatusEvent } from '../nats/events.js'
import { updateWithCas } from '../nats/kvCas.js'
import { publishDedup } from '../nats/publishDedup.js'
import { type SettleContext, settle } from '../nats/settle.js'
import { deliverySubject, memberDeliverySubject, SUBJECTS } from '../nats/subjects.js'
import { type AttestationDoc, encodeCertificate, parseAttestation } from '../nats/wire.js'
import {
  addAttestation,
  attestationCount,
  decodeMessageRecord,
  encodeMessageRecord,
  type MessageRecord,
  markDispatched,
} from './messageRecord.js'

/** What the destination stores for a domain: its committee and its bridge identity (the digest binds both). */
export interface RouteInfo {
  committee: Committee
  destinationBridge: Hex
  /** Every member must act on the certificate (multisig destination): publish it to MEMBER_DELIVERIES. */
  everyMember?: boolean
}

export interface AggregateOptions {
  js: JetStreamClient
  /** The `isthmus-messages` bucket. */
  messages: KV
  log: Logger
  /** Committee and bridge of a destination domain (from its DestinationAdapter); undefined = not a route we serve. */
  routeFor(destination: number): Promise<RouteInfo | undefined>
  /** MaxDeliver of the consumer the attestations come from. */
  maxDeliver: number
  retryDelaysMs?: readonly number[]
  /** Attestations handled at once (each is a few KV round trips). */
  concurrency?: number
  /** Publish `attested` / `certified` status events (docs/events.md). */
  publishEvents?: boolean
  now?: () => Date
}

/** What happened to one attestation; a stream of these feeds metrics and tests. */
export type AggregateOutcome =
  | { kind: 'recorded'; id: Hex; signer: Hex; count: number; threshold: number }
  | { kind: 'duplicate'; id: Hex; signer: Hex }
  | { kind: 'certified'; id: Hex; seq: number; duplicate: boolean; signers: Hex[] }
  | { kind: 'rejected'; id: Hex; signer: Hex; check: string }
  | { kind: 'retry'; err: RelayError }
  | { kind: 'dead-lettered'; err: RelayError }

// `isthmus.att.<dest>.<id>.<relayer>` must agree with the document it carries.
const checkSubject = (subject: string, a: AttestationDoc) => {
  const want = `${SUBJECTS.attestations}.${a.destination}.${a.id}.${a.relayer}`
  if (subject.toLowerCase() !== want.toLowerCase()) {
    throw new WireFormatError({
      kind: 'attestation',
      issues: [`subject ${subject} does not match its document (${want})`],
    })
  }
}

// Status events are for observers: a failure to publish one is logged, never fails the step.
const publishEvent = async (o: AggregateOptions, log: Logger, e: StatusEvent) => {
  try {
    await publishStatusEvent(o.js, e)
  } catch (err) {
    log.warn({ err, id: e.id, status: e.status }, 'status event not published')
  }
}

const handle = async (m: JsMsg, o: AggregateOptions, log: Logger): Promise<AggregateOutcome> => {
  const now = o.now ?? (() => new Date())
  const a = parseAttestation(m.data)
  checkSubject(m.subject, a)
  const route = await o.routeFor(a.destination)
  const ctx = { id: a.id, signer: a.signer, relayer: a.relayer, destination: a.destination }
  if (!route) {
    log.warn(ctx, 'attestation for a destination this relay does not serve, dropped')
    return { kind: 'rejected', id: a.id, signer: a.signer, check: 'UNKNOWN_DESTINATION' }
  }
  const { committee } = route
  const digest = attestationDigest({
    epoch: committee.epoch,
    destination: a.destination,
    destinationBridge: route.destinationBridge,
    id: a.id,
  })
  try {
    verifyAttestation({
      attestation: { id: a.id, epoch: a.epoch, signer: a.signer, signature: a.signature },
      committee,
      digest,
    })
  } catch (e) {
    if (!(e instanceof InvalidProofError)) throw e
    const check = String(e.meta.check ?? e.reason)
    // F-31: a byzantine or misconfigured signer. Never counted; an operator must look.
    log.error({ ...ctx, check, err: e }, 'ALERT invalid attestation dropped')
    return { kind: 'rejected', id: a.id, signer: a.signer, check }
  }
  const verified = { ...a, origin: a.decoded.origin, nonce: a.decoded.nonce }
  const r = await updateWithCas<MessageRecord>(
    o.messages,
    a.id,
    (cur) => addAttestation(cur, verified, committee, digest, now()),
    {
      decode: decodeMessageRecord,
      encode: encodeMessageRecord,
      bucket: 'isthmus-messages',
    },
  )
  const rec = r.value!
  if (r.changed && o.publishEvents) {
    await publishEvent(o, log, {
      v: 1,
      status: 'attested',
      id: a.id,
      origin: rec.origin,
      destination: rec.destination,
      nonce: rec.nonce,
      at: now().toISOString(),
      epoch: rec.epoch,
      count: attestationCount(rec),
      threshold: rec.threshold,
      signer: a.signer,
    })
  }
  if (rec.certificate && !rec.dispatched) return dispatch(rec, o, log)
  if (!r.changed) return { kind: 'duplicate', id: a.id, signer: a.signer }
  log.debug({ ...ctx, count: attestationCount(rec), threshold: rec.threshold }, 'attestation recorded')
  return { kind: 'recorded', id: a.id, signer: a.signer, count: attestationCount(rec), threshold: rec.threshold }
}

// Publish the frozen certificate with Nats-Msg-Id = id: racing instances (or a redelivery after a
// crash) publish the same bytes under the same id and JetStream stores one copy; the KV mark stops
// republishing after the duplicate window.
const dispatch = async (rec: MessageRecord, o: AggregateOptions, log: Logger): Promise<AggregateOutcome> => {
  const now = o.now ?? (() => new Date())
  const cert = rec.certificate!
  const certifiedAt = new Date(rec.stages.certified ?? rec.updatedAt)
  const body = encodeCertificate({
    id: rec.id,
    origin: rec.origin,
    destination: rec.destination,
    nonce: rec.nonce,
    message: rec.message,
    certificate: { epoch: cert.epoch, signatures: cert.signatures },
    signers: cert.signers,
    threshold: rec.threshold,
    certifiedAt,
  })
  const everyMember = (await o.routeFor(rec.destination))?.everyMember === true
  const subject = everyMember ? memberDeliverySubject(rec.destination) : deliverySubject(rec.destination)
  const pub = await publishDedup(o.js, subject, body, rec.id)
  await updateWithCas<MessageRecord>(o.messages, rec.id, (cur) => markDispatched(cur, pub.seq, now()), {
    decode: decodeMessageRecord,
    encode: encodeMessageRecord,
    bucket: 'isthmus-messages',
  })
  if (o.publishEvents) {
    await publishEvent(o, log, {
      v: 1,
      status: 'certified',
      id: rec.id,
      origin: rec.origin,
      destination: rec.destination,
      nonce: rec.nonce,
      at: certifiedAt.toISOString(),
      epoch: cert.epoch,
      threshold: rec.threshold,
      signers: cert.signers,
    })
  }
  log.info(
    { id: rec.id, destination: rec.destination, seq: pub.seq, duplicate: pub.duplicate },
    'certificate dispatched',
  )
  return { kind: 'certified', id: rec.id, seq: pub.seq, duplicate: pub.duplicate, signers: cert.signers }
}

/**
 * The aggregation step as an RxJS operator over attestations from ATTESTATIONS (DESIGN.md
 * "Pipeline"): verify each against the destination's committee, record it in `isthmus-messages`
 * with compare-and-set, and once `threshold` valid signatures are there publish one certificate
 * to `isthmus.dlv.<dest>`. Every message is settled here (ack after the effect; nak retryable
 * failures; dead-letter malformed ones at once), so one bad attestation never ends the stream.
 * @example
 * fromConsumer$(consumer).pipe(aggregateAttestations({ js, messages, log, routeFor, maxDeliver: 5 }))
 */
export const aggregateAttestations =
  (o: AggregateOptions): OperatorFunction<JsMsg, AggregateOutcome> =>
  (msgs$: Observable<JsMsg>) => {
    const log = o.log.child({ module: 'aggregate' })
    const settleCtx: SettleContext = {
      js: o.js,
      log,
      maxDeliver: o.maxDeliver,
      ...(o.retryDelaysMs ? { retryDelaysMs: o.retryDelaysMs } : {}),
    }
    const one = async (m: JsMsg): Promise<AggregateOutcome> => {
      const { outcome, value } = await settle(m, () => handle(m, o, log), settleCtx)
      if (outcome.kind === 'acked') return value!
      return outcome.kind === 'nakked'
        ? { kind: 'retry', err: outcome.err }
        : { kind: 'dead-lettered', err: outcome.err }
    }
    return msgs$.pipe(mergeMap((m) => from(one(m)), o.concurrency ?? 16))
  }
