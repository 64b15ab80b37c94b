import type { JetStreamClient } from '@nats-io/jetstream'
import { StorageType } from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import { EquivocationError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { updateWithCas } from '../nats/kvCas.js'
import { toRelayError } from '../nats/toRelayError.js'
import {
  claimNonce,
  decodeSignerRecord,
  encodeSignerRecord,
  SIGNER_RECORDS_BUCKET,
  type SignerRecord,
  signerRecordKey,
  signingVerdict,
} from './signerRecord.js'

/**
 * Open (creating it if needed) the honest-signer bucket: file storage, one revision per key.
 * @throws NatsApiError / NatsUnavailableError
 */
export const openSignerRecords = async (js: JetStreamClient, replicas = 1): Promise<KV> => {
  try {
    return await new Kvm(js).create(SIGNER_RECORDS_BUCKET, {
      history: 1,
      replicas,
      storage: StorageType.File,
      description: 'Isthmus honest-signer records: the one id each attestation key signed per (origin, nonce)',
    })
  } catch (e) {
    throw toRelayError(e, `kv create ${SIGNER_RECORDS_BUCKET}`)
  }
}

export interface RecordSigningInput {
  signer: Hex
  id: Hex
  origin: number
  nonce: bigint
  destination: number
  epoch: bigint
  at: Date
}

/**
 * Claim (origin, nonce) for `id` before signing it (compare-and-set on a key that is never
 * overwritten). Returns the stored record when the claim is this id.
 * @throws EquivocationError when the signer already claimed the nonce for another id (never sign)
 * @throws KvConflictError / NatsUnavailableError / NatsTimeoutError (retryable)
 */
export const recordSigning = async (kv: KV, p: RecordSigningInput): Promise<SignerRecord> => {
  const want: SignerRecord = {
    v: 1,
    id: p.id.toLowerCase() as Hex,
    origin: p.origin,
    nonce: p.nonce,
    destination: p.destination,
    epoch: p.epoch,
    at: p.at.toISOString(),
  }
  const r = await updateWithCas<SignerRecord>(
    kv,
    signerRecordKey(p.signer, p.origin, p.nonce),
    (cur) => claimNonce(cur, want),
    {
      decode: decodeSignerRecord,
      encode: encodeSignerRecord,
      bucket: SIGNER_RECORDS_BUCKET,
    },
  )
  const stored = r.value!
  if (signingVerdict(stored, p.id) === 'equivocation') {
    throw new EquivocationError({
      origin: p.origin,
      nonce: p.nonce,
      signedId: stored.id,
      conflictingId: p.id,
      signer: p.signer,
    })
  }
  return stored
}
