import { z } from 'zod'
import { isRelayError, WireFormatError } from '../../errors.js'
import { decodeMessage, hexToBytes, messageIdOfEncoded } from '../../protocol/index.js'
import type { Certificate, Hex, Message } from '../../types.js'

// Wire documents are JSON; every integer that may exceed 2^53 is a decimal string, bytes are 0x-hex.
export const hexBytes = (n: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${n * 2}}$`), `expected ${n} bytes of 0x-hex`)
    .transform((s) => s.toLowerCase() as Hex)
// A canonical message is at most 81 header bytes + 64 KiB of body.
const MAX_MESSAGE_HEX = 2 + 2 * (81 + 64 * 1024)
export const hexAny = z
  .string()
  .max(MAX_MESSAGE_HEX)
  .regex(/^0x([0-9a-fA-F]{2})*$/, 'expected 0x-hex bytes')
  .transform((s) => s.toLowerCase() as Hex)
export const uintString = (bits: number) =>
  z
    .string()
    .regex(/^(0|[1-9]\d{0,77})$/, 'expected a decimal string')
    .transform((s) => BigInt(s))
    .refine((v) => v < 2n ** BigInt(bits), `expected a uint${bits}`)
export const domain = z.number().int().min(0).max(0xffff_ffff)
export const relayerName = z.string().regex(/^[-_a-zA-Z0-9]{1,64}$/, 'expected 1-64 of [-_a-zA-Z0-9]')
const isoTime = z.iso.datetime()

const AttestationFinalityWire = z.object({
  mode: z.string().min(1).max(32),
  confirmations: z.number().int().min(1).optional(),
  observedHeadNumber: uintString(64),
  observedHeadHash: hexBytes(32),
})

/** The finality evidence an attestation carries: the rule and the head the signer observed. */
export type AttestationFinality = z.output<typeof AttestationFinalityWire>

const AttestationWire = z.object({
  v: z.literal(1),
  id: hexBytes(32),
  epoch: uintString(64),
  destination: domain,
  destinationBridge: hexBytes(32),
  signer: hexBytes(20),
  signature: hexBytes(65),
  relayer: relayerName,
  /** The full canonical message encoding: lets any aggregator build the delivery without a chain read. */
  message: hexAny,
  signedAt: isoTime,
  /** Source block of the message (audit: oracle I4). */
  sourceBlockNumber: uintString(64).optional(),
  /** The finality rule and the head the signer saw when it judged the block final (oracle I4). */
  finality: AttestationFinalityWire.optional(),
})

/** `isthmus.att.<dest>.<id>.<relayer>` payload, parsed. */
export type AttestationDoc = z.output<typeof AttestationWire> & { decoded: Message }

const CertificateWire = z.object({
  v: z.literal(1),
  id: hexBytes(32),
  origin: domain,
  destination: domain,
  nonce: uintString(64),
  message: hexAny,
  epoch: uintString(64),
  threshold: z.number().int().min(1).max(255),
  signers: z.array(hexBytes(20)).min(1).max(255),
  signatures: z.array(hexBytes(65)).min(1).max(255),
  certifiedAt: isoTime,
})

/** `isthmus.dlv.<dest>` payload (Nats-Msg-Id = id), parsed. */
export type CertificateDoc = z.output<typeof CertificateWire> & { decoded: Message }

const ENC = new TextEncoder()
const DEC = new TextDecoder('utf-8', { fatal: true })

const issuesOf = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)

/** Bytes → JSON → zod; every failure is a WireFormatError (never retryable). */
export const parseWire = <S extends z.ZodType>(kind: string, schema: S, data: Uint8Array): z.output<S> => {
  let json: unknown
  try {
    json = JSON.parse(DEC.decode(data))
  } catch (e) {
    throw new WireFormatError({ kind, issues: ['not UTF-8 JSON'], cause: e })
  }
  const r = schema.safeParse(json)
  if (!r.success) throw new WireFormatError({ kind, issues: issuesOf(r.error) })
  return r.data
}

// The carried message must hash to the id and agree with the routing fields.
const checkMessage = (
  kind: string,
  id: Hex,
  message: Hex,
  route: { origin?: number; destination: number; nonce?: bigint },
) => {
  let decoded: Message
  try {
    decoded = decodeMessage(message)
  } catch (e) {
    throw new WireFormatError({
      kind,
      issues: [`message: ${isRelayError(e) ? e.message.split('\n')[0] : 'undecodable'}`],
      cause: e,
    })
  }
  const issues: string[] = []
  if (messageIdOfEncoded(hexToBytes(message, 'message')) !== id) issues.push('message does not hash to id')
  if (decoded.destination !== route.destination) issues.push('destination differs from the message')
  if (route.origin !== undefined && decoded.origin !== route.origin) issues.push('origin differs from the message')
  if (route.nonce !== undefined && decoded.nonce !== route.nonce) issues.push('nonce differs from the message')
  if (issues.length > 0) throw new WireFormatError({ kind, issues })
  return decoded
}

/**
 * Parse an attestation received from ATTESTATIONS.
 * @throws WireFormatError when it is not a v1 attestation or its message does not match its id
 */
export const parseAttestation = (data: Uint8Array): AttestationDoc => {
  const a = parseWire('attestation', AttestationWire, data)
  return { ...a, decoded: checkMessage('attestation', a.id, a.message, a) }
}

/**
 * Parse a certificate received from DELIVERIES.
 * @throws WireFormatError when it is not a v1 certificate, its message does not match its id,
 *   or signers and signatures differ in number
 */
export const parseCertificate = (data: Uint8Array): CertificateDoc => {
  const c = parseWire('certificate', CertificateWire, data)
  if (c.signers.length !== c.signatures.length) {
    throw new WireFormatError({ kind: 'certificate', issues: ['signers and signatures differ in number'] })
  }
  return { ...c, decoded: checkMessage('certificate', c.id, c.message, c) }
}

export interface AttestationInput {
  id: Hex
  epoch: bigint
  destination: number
  destinationBridge: Hex
  signer: Hex
  signature: Hex
  relayer: string
  message: Hex
  signedAt: Date
  sourceBlockNumber?: bigint
  finality?: AttestationFinality
}

/** Serialize an attestation (v1). */
export const encodeAttestation = (a: AttestationInput): Uint8Array =>
  ENC.encode(
    JSON.stringify({
      v: 1,
      id: a.id,
      epoch: a.epoch.toString(),
      destination: a.destination,
      destinationBridge: a.destinationBridge,
      signer: a.signer.toLowerCase(),
      signature: a.signature,
      relayer: a.relayer,
      message: a.message,
      signedAt: a.signedAt.toISOString(),
      ...(a.sourceBlockNumber === undefined ? {} : { sourceBlockNumber: a.sourceBlockNumber.toString() }),
      ...(a.finality
        ? { finality: { ...a.finality, observedHeadNumber: a.finality.observedHeadNumber.toString() } }
        : {}),
    }),
  )

/**
 * The finality evidence of a proof bundle (`bundle.finality` of an EVM receipt bundle), if it has
 * one in the expected shape; other bundle kinds answer undefined.
 */
export const finalityOfBundle = (bundle: { [field: string]: unknown }): AttestationFinality | undefined => {
  const r = AttestationFinalityWire.safeParse(bundle['finality'])
  return r.success ? r.data : undefined
}

export interface CertificateInput {
  id: Hex
  origin: number
  destination: number
  nonce: bigint
  /** The canonical message encoding. */
  message: Hex
  certificate: Certificate
  signers: Hex[]
  threshold: number
  certifiedAt: Date
}

/** Serialize a certificate (v1) for `isthmus.dlv.<dest>`. */
export const encodeCertificate = (c: CertificateInput): Uint8Array =>
  ENC.encode(
    JSON.stringify({
      v: 1,
      id: c.id,
      origin: c.origin,
      destination: c.destination,
      nonce: c.nonce.toString(),
      message: c.message,
      epoch: c.certificate.epoch.toString(),
      threshold: c.threshold,
      signers: c.signers,
      signatures: c.certificate.signatures,
      certifiedAt: c.certifiedAt.toISOString(),
    }),
  )
