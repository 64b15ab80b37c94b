import type { JetStreamClient } from '@nats-io/jetstream'
import { computeAddress } from 'ethers'
import { signAttestation } from '../../../proofs/quorum/signAttestation.js'
import type { Committee } from '../../../proofs/quorum/types.js'
import {
  addressToBytes32,
  attestationDigest,
  bytesToHex,
  encodeAppBody,
  encodeMessage,
  evmBridgeRef,
  messageId,
} from '../../../protocol/index.js'
import type { RouteInfo } from '../../../relayer/aggregate/aggregateAttestations.js'
import { publishDedup } from '../../../relayer/nats/publishDedup.js'
import { attestationSubject } from '../../../relayer/nats/subjects.js'
import { encodeAttestation } from '../../../relayer/nats/wire.js'
import type { Hex, Message } from '../../../types.js'

export const ORIGIN = 1
export const DEST = 2
export const EPOCH = 3n
/** Test-only keys (never funded anywhere). */
export const KEYS = [1, 2, 3, 4].map((i) => `0x${(i * 0x1111).toString(16).padStart(64, '0')}` as Hex)
export const addressOf = (k: Hex) => computeAddress(k).toLowerCase() as Hex
export const [K0, K1, K2, OUTSIDER] = KEYS as [Hex, Hex, Hex, Hex]
export const COMMITTEE: Committee = { epoch: EPOCH, signers: [K0, K1, K2].map(addressOf), threshold: 2 }
export const BRIDGE = evmBridgeRef(31337n, `0x${'b'.repeat(40)}`)
export const ROUTE: RouteInfo = { committee: COMMITTEE, destinationBridge: BRIDGE }
export const routeFor = async (d: number) => (d === DEST ? ROUTE : undefined)

export const makeMessage = (nonce: bigint, destination = DEST): { message: Message; encoded: Hex; id: Hex } => {
  const message: Message = {
    version: 1,
    nonce,
    origin: ORIGIN,
    sender: addressToBytes32(`0x${'a'.repeat(40)}`),
    destination,
    recipient: addressToBytes32(`0x${'c'.repeat(40)}`),
    body: encodeAppBody(`0x${nonce.toString(16).padStart(8, '0')}` as Hex),
  }
  return { message, encoded: bytesToHex(encodeMessage(message)), id: messageId(message) }
}

export const digestFor = (id: Hex, epoch = EPOCH, destination = DEST) =>
  attestationDigest({ epoch, destination, destinationBridge: BRIDGE, id })

export interface AttestOverrides {
  epoch?: bigint
  digest?: Hex
  signer?: Hex
  signature?: Hex
  relayer?: string
}

/** Publish one attestation as a relayer would (subject, Msg-Id `<relayer>:<id>`). */
export const publishAttestation = async (
  js: JetStreamClient,
  key: Hex,
  m: ReturnType<typeof makeMessage>,
  o: AttestOverrides = {},
) => {
  const epoch = o.epoch ?? EPOCH
  const relayer = o.relayer ?? `relayer-${addressOf(key).slice(2, 8)}`
  const digest = o.digest ?? digestFor(m.id, epoch, m.message.destination)
  const data = encodeAttestation({
    id: m.id,
    epoch,
    destination: m.message.destination,
    destinationBridge: BRIDGE,
    signer: o.signer ?? addressOf(key),
    signature: o.signature ?? signAttestation(digest, key),
    relayer,
    message: m.encoded,
    signedAt: new Date(),
  })
  return publishDedup(js, attestationSubject(m.message.destination, m.id, relayer), data, `${relayer}:${m.id}`)
}
