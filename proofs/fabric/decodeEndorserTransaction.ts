import { InvalidProofError } from '../../errors.js'
import { bytesOf, int32Of, listOf, readProto, stringOf, varintOf } from './readProto.js'
import type { FabricIdentity } from './types.js'

const B = { kind: 'bytes' } as const
const V = { kind: 'varint' } as const
const R = { kind: 'bytes', repeated: true } as const

const ENVELOPE = { 1: B, 2: B }
const PAYLOAD = { 1: B, 2: B }
const HEADER = { 1: B, 2: B }
const CHANNEL_HEADER = { 1: V, 2: V, 3: B, 4: B, 5: B, 6: V, 7: B, 8: B }
const TIMESTAMP = { 1: V, 2: V }
const SIGNATURE_HEADER = { 1: B, 2: B }
const IDENTITY = { 1: B, 2: B }
const TRANSACTION = { 1: R }
const TRANSACTION_ACTION = { 1: B, 2: B }
const CC_ACTION_PAYLOAD = { 1: B, 2: B }
const CC_ENDORSED_ACTION = { 1: B, 2: R }
const ENDORSEMENT = { 1: B, 2: B }
const PROPOSAL_RESPONSE_PAYLOAD = { 1: B, 2: B }
const CC_ACTION = { 1: B, 2: B, 3: B, 4: B }
const RESPONSE = { 1: V, 2: B, 3: B }
const CHAINCODE_ID = { 1: B, 2: B, 3: B }
const CC_EVENT = { 1: B, 2: B, 3: B, 4: B }

/** `common.HeaderType.ENDORSER_TRANSACTION`. */
export const ENDORSER_TRANSACTION = 3

/** The parts of an endorser transaction the verifier checks, with the exact bytes that were signed. */
export interface EndorserTransaction {
  /** The Envelope's payload (signed by the creator) and its signature. */
  payload: Uint8Array
  signature: Uint8Array
  type: number
  channelId: string
  txId: string
  timestampMs: number
  channelHeader: Uint8Array
  signatureHeader: Uint8Array
  creator: FabricIdentity
  nonce: Uint8Array
  actionCount: number
  /** The single action's SignatureHeader bytes, ChaincodeProposalPayload bytes and ProposalResponsePayload bytes. */
  actionHeader: Uint8Array
  chaincodeProposalPayload: Uint8Array
  proposalResponsePayload: Uint8Array
  proposalHash: Uint8Array
  endorsements: Array<{ endorser: FabricIdentity; signature: Uint8Array }>
  chaincodeName: string
  responseStatus: number
  event?: { chaincodeId: string; txId: string; name: string; payload: Uint8Array }
}

const malformed = (where: string, detail: string) =>
  new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `fabric-block: ${where}: ${detail}` })

/**
 * Decode a `msp.SerializedIdentity`.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeIdentity = (raw: Uint8Array, where: string): FabricIdentity => {
  const f = readProto(raw, IDENTITY, where)
  return { mspId: stringOf(f, 1, where), idBytes: bytesOf(f, 2), raw }
}

const decodeTimestampMs = (raw: Uint8Array, where: string): number => {
  if (raw.length === 0) throw malformed(where, 'the channel header has no timestamp')
  const f = readProto(raw, TIMESTAMP, where)
  const seconds = BigInt.asIntN(64, varintOf(f, 1))
  const nanos = int32Of(f, 2)
  if (nanos < 0 || nanos > 999_999_999) throw malformed(where, 'timestamp nanos out of range')
  return Number(seconds) * 1000 + Math.floor(nanos / 1e6)
}

const decodeEvent = (raw: Uint8Array): EndorserTransaction['event'] => {
  if (raw.length === 0) return undefined
  const w = 'ChaincodeEvent'
  const f = readProto(raw, CC_EVENT, w)
  return { chaincodeId: stringOf(f, 1, w), txId: stringOf(f, 2, w), name: stringOf(f, 3, w), payload: bytesOf(f, 4) }
}

/**
 * Decode an Envelope holding an endorser transaction (Payload → Header → ChannelHeader, SignatureHeader;
 * Transaction → its action → ChaincodeActionPayload → endorsed action, ProposalResponsePayload →
 * ChaincodeAction → response, chaincode id, event), strictly. Other transaction types decode as far
 * as the channel header; the caller refuses them by `type`.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeEndorserTransaction = (envelope: Uint8Array): EndorserTransaction => {
  const env = readProto(envelope, ENVELOPE, 'Envelope')
  const payload = bytesOf(env, 1)
  const pl = readProto(payload, PAYLOAD, 'Payload')
  const hdr = readProto(bytesOf(pl, 1), HEADER, 'Payload.header')
  const channelHeader = bytesOf(hdr, 1)
  const signatureHeader = bytesOf(hdr, 2)
  const ch = readProto(channelHeader, CHANNEL_HEADER, 'ChannelHeader')
  const sh = readProto(signatureHeader, SIGNATURE_HEADER, 'SignatureHeader')
  const base = {
    payload,
    signature: bytesOf(env, 2),
    type: int32Of(ch, 1),
    channelId: stringOf(ch, 4, 'ChannelHeader'),
    txId: stringOf(ch, 5, 'ChannelHeader'),
    timestampMs: decodeTimestampMs(bytesOf(ch, 3), 'ChannelHeader.timestamp'),
    channelHeader,
    signatureHeader,
    creator: decodeIdentity(bytesOf(sh, 1), 'SignatureHeader.creator'),
    nonce: bytesOf(sh, 2),
  }
  const actions = listOf(readProto(bytesOf(pl, 2), TRANSACTION, 'Transaction'), 1)
  if (base.type !== ENDORSER_TRANSACTION || actions.length !== 1) {
    return { ...base, actionCount: actions.length, ...NO_ACTION }
  }
  const action = readProto(actions[0]!, TRANSACTION_ACTION, 'TransactionAction')
  const cap = readProto(bytesOf(action, 2), CC_ACTION_PAYLOAD, 'ChaincodeActionPayload')
  const endorsed = readProto(bytesOf(cap, 2), CC_ENDORSED_ACTION, 'ChaincodeEndorsedAction')
  const proposalResponsePayload = bytesOf(endorsed, 1)
  const prp = readProto(proposalResponsePayload, PROPOSAL_RESPONSE_PAYLOAD, 'ProposalResponsePayload')
  const cca = readProto(bytesOf(prp, 2), CC_ACTION, 'ChaincodeAction')
  const response = readProto(bytesOf(cca, 3), RESPONSE, 'ChaincodeAction.response')
  const ccid = readProto(bytesOf(cca, 4), CHAINCODE_ID, 'ChaincodeAction.chaincode_id')
  return {
    ...base,
    actionCount: 1,
    actionHeader: bytesOf(action, 1),
    chaincodeProposalPayload: bytesOf(cap, 1),
    proposalResponsePayload,
    proposalHash: bytesOf(prp, 1),
    endorsements: listOf(endorsed, 2).map((e, i) => {
      const where = `Endorsement[${i}]`
      const f = readProto(e, ENDORSEMENT, where)
      return { endorser: decodeIdentity(bytesOf(f, 1), `${where}.endorser`), signature: bytesOf(f, 2) }
    }),
    chaincodeName: stringOf(ccid, 2, 'ChaincodeID'),
    responseStatus: int32Of(response, 1),
    event: decodeEvent(bytesOf(cca, 2)),
  }
}

const EMPTY = new Uint8Array(0)
const NO_ACTION = {
  actionHeader: EMPTY,
  chaincodeProposalPayload: EMPTY,
  proposalResponsePayload: EMPTY,
  proposalHash: EMPTY,
  endorsements: [],
  chaincodeName: '',
  responseStatus: 0,
  event: undefined,
}
