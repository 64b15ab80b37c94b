import type { JetStreamClient } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { CommitteeMismatchError, RouteUnknownError } from '../../errors.js'
import { signAttestation } from '../../proofs/index.js'
import { attestationDigest } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { type Failpoints, NO_FAILPOINTS } from '../failpoints.js'
import { publishDedup } from '../nats/publishDedup.js'
import { attestationSubject, proofSubject } from '../nats/subjects.js'
import { encodeAttestation, finalityOfBundle } from '../nats/wire.js'
import type { RouteInfoCache } from '../route/createRouteInfoCache.js'
import { publishEventBestEffort } from '../stream/publishEventBestEffort.js'
import type { VerifiedMessage } from '../verify/verifyObserved.js'
import { recordSigning } from './recordSigning.js'

export interface AttestContext {
  js: JetStreamClient
  /** The honest-signer bucket (`openSignerRecords`). */
  signerRecords: KV
  routes: RouteInfoCache
  memberId: string
  /** Address of `key` (lower-case). */
  signer: Hex
  key: Hex
  chain: ChainRef
  log: Logger
  now: () => Date
  /** Crash point `attest.afterSign` (crash tests). */
  failpoints?: Failpoints
}

export interface AttestResult {
  id: Hex
  epoch: bigint
  /** Stream sequence of the attestation and whether JetStream already held it (a replay). */
  seq: number
  duplicate: boolean
}

const ENC = new TextEncoder()
const json = (v: unknown) => ENC.encode(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x)))

/**
 * Attest one verified message (DESIGN.md "Trust model" 2): claim its (origin, nonce) in the
 * honest-signer record, sign the digest for the destination's current committee epoch and bridge,
 * publish the verified proof bundle (for audit) and then the attestation, both with
 * `Nats-Msg-Id = <member>:<id>`. Idempotent: a replay after a crash re-derives the same
 * deterministic signature and JetStream stores it once (F-19).
 * @throws EquivocationError, CommitteeMismatchError (halt the route); NATS / RPC RelayErrors (retry)
 */
export const attestMessage = async (v: VerifiedMessage, c: AttestContext): Promise<AttestResult> => {
  const { id, message } = v
  const info = await c.routes.routeFor(message.destination)
  if (!info) {
    throw new RouteUnknownError({
      origin: message.origin,
      destination: message.destination,
      detail: 'no destination adapter',
    })
  }
  if (!info.committee.signers.includes(c.signer)) {
    throw new CommitteeMismatchError({
      chain: `domain ${message.destination}`,
      detail: `attestation key ${c.signer} is not in committee epoch ${info.committee.epoch}`,
    })
  }
  const epoch = info.committee.epoch
  const digest = attestationDigest({
    epoch,
    destination: message.destination,
    destinationBridge: info.destinationBridge,
    id,
  })
  await recordSigning(c.signerRecords, {
    signer: c.signer,
    id,
    origin: message.origin,
    nonce: message.nonce,
    destination: message.destination,
    epoch,
    at: c.now(),
  })
  const signature = signAttestation(digest, c.key)
  // F-19: signed, nothing published yet; a restart re-derives the same signature.
  await (c.failpoints ?? NO_FAILPOINTS).hit('attest.afterSign', { msgId: id, signer: c.signer })
  const finality = finalityOfBundle(v.observed.bundle)
  const msgId = `${c.memberId}:${id}`
  await publishDedup(c.js, proofSubject(message.origin, id), json(v.observed.bundle), msgId)
  await publishEventBestEffort(c.js, c.log, {
    v: 1,
    status: 'verified',
    id,
    origin: message.origin,
    destination: message.destination,
    nonce: message.nonce,
    at: c.now().toISOString(),
    relayer: c.memberId,
    proofKind: v.proofKind,
  })
  const att = encodeAttestation({
    id,
    epoch,
    destination: message.destination,
    destinationBridge: info.destinationBridge,
    signer: c.signer,
    signature,
    relayer: c.memberId,
    message: v.encoded,
    signedAt: c.now(),
    sourceBlockNumber: v.observed.source.blockNumber,
    ...(finality ? { finality } : {}),
  })
  const pub = await publishDedup(c.js, attestationSubject(message.destination, id, c.memberId), att, msgId)
  c.log.debug(
    {
      msgId: id,
      epoch,
      seq: pub.seq,
      duplicate: pub.duplicate,
      nonce: message.nonce,
      sourceBlockNumber: v.observed.source.blockNumber,
      observedHeadNumber: finality?.observedHeadNumber,
      observedHeadHash: finality?.observedHeadHash,
    },
    'message attested',
  )
  return { id, epoch, seq: pub.seq, duplicate: pub.duplicate }
}
