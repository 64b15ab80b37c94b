import { z } from 'zod'
import type { Hex } from '../../types.js'
import { domain, hexBytes, parseWire, uintString } from '../nats/wire.js'

/** KV bucket of the honest-signer records: one key per (signer, origin, nonce), never overwritten. */
export const SIGNER_RECORDS_BUCKET = 'isthmus-signer-records'

const SignerRecordSchema = z.object({
  v: z.literal(1),
  id: hexBytes(32),
  origin: domain,
  nonce: uintString(64),
  destination: domain,
  /** Committee epoch of the first signature (a later epoch may re-sign the same id). */
  epoch: uintString(64),
  at: z.iso.datetime(),
})

/** What a signer committed to for one origin nonce (RELIABILITY.md S3, oracle I5). */
export type SignerRecord = z.output<typeof SignerRecordSchema>

/** `<signer>.<origin>.<nonce>`: keyed by the signing key, so every instance of a member shares it. */
export const signerRecordKey = (signer: Hex, origin: number, nonce: bigint): string =>
  `${signer.toLowerCase()}.${origin}.${nonce}`

/**
 * Parse a stored record.
 * @throws WireFormatError
 */
export const decodeSignerRecord = (raw: Uint8Array): SignerRecord => parseWire('signer record', SignerRecordSchema, raw)

const ENC = new TextEncoder()
export const encodeSignerRecord = (r: SignerRecord): Uint8Array =>
  ENC.encode(JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))

/** Pure CAS step: the first id signed for an (origin, nonce) is kept forever. */
export const claimNonce = (cur: SignerRecord | undefined, want: SignerRecord): SignerRecord | undefined =>
  cur ? undefined : want

/**
 * May the signer sign `id` given what is stored? `same` = this id was already claimed (a replay,
 * a restart, another instance of the member: sign again, the signature is deterministic, F-19);
 * `equivocation` = another id holds the nonce: never sign.
 */
export const signingVerdict = (stored: SignerRecord, id: Hex): 'same' | 'equivocation' =>
  stored.id === id.toLowerCase() ? 'same' : 'equivocation'
