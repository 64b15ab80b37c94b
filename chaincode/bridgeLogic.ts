/**
 * The bridge chaincode's decisions as pure functions (no ledger, no shim): what a `deliver` does
 * with a message and its certificate, how a token transfer moves balances, how an outbound
 * message is built. `bridgeContract.ts` reads the world state, calls these, and writes the result.
 */
import { keccak256, solidityPacked } from 'ethers'
import { ChaincodeRejectedError, MessageInvalidError } from '../errors.js'
import { verifyQuorumCertificate } from '../proofs/index.js'
import {
  attestationDigest,
  bytesToHex,
  decodeBody,
  decodeMessage,
  encodeAppBody,
  encodeMessage,
  encodeTokenTransferBody,
  fabricBridgeRef,
  MESSAGE_VERSION,
  messageId,
} from '../protocol/index.js'
import type { Certificate, DecodedBody, Hex, Message } from '../types.js'

/** The committee as the chaincode stores it (decimal epoch, lower-case signer addresses). */
export interface StoredCommittee {
  epoch: string
  signers: Hex[]
  threshold: number
}

/** A registered asset: `home` = this ledger's own token (locked/unlocked), `wrapped` = minted/burned here. */
export interface AssetEntry {
  assetId: Hex
  kind: 'home' | 'wrapped'
  symbol: string
}

/** What `initialize` stores. */
export interface BridgeConfig {
  domain: number
  chaincode: string
  committee: StoredCommittee
}

export type DeliveryDecision =
  | { kind: 'execute'; id: Hex; message: Message; body: DecodedBody }
  | { kind: 'already-executed'; id: Hex }
  | { kind: 'equivocation'; id: Hex; firstId: Hex; origin: number; nonce: bigint }

const HEX32 = /^0x[0-9a-f]{64}$/

export const reject = (reason: string, detail: string) => new ChaincodeRejectedError({ reason, detail })

/** A bytes32 argument, lower-cased. @throws ChaincodeRejectedError (BAD_ARGUMENT) */
export const toBytes32 = (v: string, field: string): Hex => {
  const s = v.toLowerCase()
  if (!HEX32.test(s)) throw reject('BAD_ARGUMENT', `${field} must be 0x-prefixed bytes32 hex`)
  return s as Hex
}

/** A positive integer amount in base units. @throws ChaincodeRejectedError (BAD_ARGUMENT) */
export const toAmount = (v: string, field = 'amount'): bigint => {
  if (!/^[0-9]{1,78}$/.test(v)) throw reject('BAD_ARGUMENT', `${field} must be a decimal integer`)
  const a = BigInt(v)
  if (a <= 0n || a >= 2n ** 256n) throw reject('BAD_ARGUMENT', `${field} must be in [1, 2^256)`)
  return a
}

/** Asset id = keccak256("ISTHMUS/asset" ‖ uint32 homeDomain ‖ bytes32 homeToken) (docs/bridge-evm.md). */
export const assetIdOf = (homeDomain: number, homeToken: Hex): Hex =>
  keccak256(solidityPacked(['string', 'uint32', 'bytes32'], ['ISTHMUS/asset', homeDomain, homeToken])) as Hex

/** The bytes32 home token of a Fabric-native asset: keccak256(utf8(symbol)). */
export const fabricHomeTokenOf = (symbol: string): Hex => keccak256(new TextEncoder().encode(symbol)) as Hex

/**
 * Decide a delivery: the message is for this domain, the certificate is a quorum of the stored
 * committee over the digest bound to (channel, chaincode); then replay (`already-executed`, no
 * write) and equivocation (another id already used this `(origin, nonce)`) come before execution.
 * @throws MessageInvalidError, CertificateInvalidError, InvalidProofError, ChaincodeRejectedError
 */
export const decideDelivery = (p: {
  encoded: Hex | Uint8Array
  certificate: Certificate
  config: BridgeConfig
  channel: string
  executed: boolean
  idAtNonce: Hex | undefined
}): DeliveryDecision => {
  const message = decodeMessage(p.encoded)
  const id = messageId(message)
  if (message.destination !== p.config.domain)
    throw reject('WRONG_DESTINATION', `message ${id} is for domain ${message.destination}, this is ${p.config.domain}`)
  const c = p.config.committee
  const digest = attestationDigest({
    epoch: p.certificate.epoch,
    destination: p.config.domain,
    destinationBridge: fabricBridgeRef(p.channel, p.config.chaincode),
    id,
  })
  verifyQuorumCertificate({
    certificate: p.certificate,
    committee: { epoch: BigInt(c.epoch), signers: c.signers, threshold: c.threshold },
    digest,
  })
  const body = decodeBody(message.body)
  if (p.executed) return { kind: 'already-executed', id }
  if (p.idAtNonce !== undefined && p.idAtNonce !== id)
    return { kind: 'equivocation', id, firstId: p.idAtNonce, origin: message.origin, nonce: message.nonce }
  return { kind: 'execute', id, message, body }
}

/** Parse the certificate arguments of `deliver`: decimal epoch and concatenated 65-byte signatures. */
export const toCertificate = (epoch: string, signatures: string): Certificate => {
  if (!/^[0-9]{1,20}$/.test(epoch)) throw reject('BAD_ARGUMENT', 'epoch must be a decimal integer')
  const s = signatures.toLowerCase()
  if (!/^0x([0-9a-f]{130})*$/.test(s))
    throw reject('BAD_ARGUMENT', 'signatures must be 0x-prefixed concatenated 65-byte signatures')
  const sigs: Hex[] = []
  for (let i = 2; i < s.length; i += 130) sigs.push(`0x${s.slice(i, i + 130)}` as Hex)
  return { epoch: BigInt(epoch), signatures: sigs }
}

/** The outbound message of `sendToken` / `dispatch` (nonce assigned by the caller from the ledger). */
export const buildOutbound = (p: {
  nonce: bigint
  origin: number
  sender: Hex
  destination: number
  recipient: Hex
  body: Hex
}): { message: Message; encoded: Hex; id: Hex } => {
  if (p.destination === p.origin) throw reject('BAD_ARGUMENT', 'destination must be another domain')
  const message: Message = { version: MESSAGE_VERSION, ...p }
  const encoded = encodeMessage(message)
  return { message, encoded: bytesToHex(encoded), id: messageId(message) }
}

export const tokenBody = (asset: Hex, amount: bigint, beneficiary: Hex): Hex =>
  encodeTokenTransferBody({ asset, amount, beneficiary })

export const appBody = (payload: string): Hex => {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(payload))
    throw new MessageInvalidError({ field: 'payload', expected: '0x-prefixed hex bytes', got: payload.slice(0, 20) })
  return encodeAppBody(payload as Hex)
}

/**
 * Balance changes of an inbound token transfer: a home asset is unlocked from escrow, a wrapped
 * one minted. @returns the new locked total of a home asset (unchanged for wrapped)
 * @throws ChaincodeRejectedError (INSUFFICIENT_LOCKED)
 */
export const creditInbound = (asset: AssetEntry, amount: bigint, locked: bigint): bigint => {
  if (asset.kind === 'wrapped') return locked
  if (locked < amount) throw reject('INSUFFICIENT_LOCKED', `${amount} to unlock, ${locked} locked for ${asset.symbol}`)
  return locked - amount
}

/**
 * Balance changes of an outbound token transfer: the sender pays `amount`; a home asset is locked
 * in escrow, a wrapped one burned. @returns the new sender balance and locked total
 * @throws ChaincodeRejectedError (INSUFFICIENT_BALANCE)
 */
export const debitOutbound = (
  asset: AssetEntry,
  amount: bigint,
  balance: bigint,
  locked: bigint,
): { balance: bigint; locked: bigint } => {
  if (balance < amount) throw reject('INSUFFICIENT_BALANCE', `${amount} to send, balance ${balance} of ${asset.symbol}`)
  return { balance: balance - amount, locked: asset.kind === 'home' ? locked + amount : locked }
}

/** Validate and normalise `initialize`'s JSON argument. */
export const parseInitialize = (
  json: string,
): { domain: number; chaincode: string; committee: StoredCommittee; assets: AssetEntry[] } => {
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    throw reject('BAD_ARGUMENT', 'initialize takes a JSON object')
  }
  const o = v as {
    domain?: unknown
    chaincode?: unknown
    committee?: { epoch?: unknown; signers?: unknown; threshold?: unknown }
    assets?: unknown
  }
  if (typeof o.domain !== 'number' || !Number.isInteger(o.domain) || o.domain < 0 || o.domain > 0xffffffff)
    throw reject('BAD_ARGUMENT', 'domain must be a uint32')
  if (typeof o.chaincode !== 'string' || o.chaincode.length === 0)
    throw reject('BAD_ARGUMENT', 'chaincode must be the chaincode name')
  const c = o.committee
  if (!c || typeof c.epoch !== 'string' || !/^[1-9][0-9]{0,19}$/.test(c.epoch))
    throw reject('BAD_ARGUMENT', 'committee.epoch must be a decimal string ≥ 1')
  if (!Array.isArray(c.signers) || !c.signers.every((s) => typeof s === 'string' && /^0x[0-9a-fA-F]{40}$/.test(s)))
    throw reject('BAD_ARGUMENT', 'committee.signers must be addresses')
  if (typeof c.threshold !== 'number' || !Number.isInteger(c.threshold))
    throw reject('BAD_ARGUMENT', 'committee.threshold must be an integer')
  const committee: StoredCommittee = {
    epoch: c.epoch,
    signers: (c.signers as string[]).map((s) => s.toLowerCase() as Hex),
    threshold: c.threshold,
  }
  // The same rules a certificate check applies (distinct non-zero members, 1 ≤ t ≤ n), now.
  verifyCommitteeShape(committee)
  const assets = Array.isArray(o.assets) ? o.assets.map(parseAsset) : []
  return { domain: o.domain, chaincode: o.chaincode, committee, assets }
}

const verifyCommitteeShape = (c: StoredCommittee) => {
  const set = new Set(c.signers)
  if (set.size !== c.signers.length || c.signers.some((s) => /^0x0{40}$/.test(s)))
    throw reject('BAD_ARGUMENT', 'committee signers must be distinct non-zero addresses')
  if (c.threshold < 1 || c.threshold > c.signers.length)
    throw reject('BAD_ARGUMENT', `threshold ${c.threshold} is outside 1..${c.signers.length}`)
}

export const parseAsset = (v: unknown): AssetEntry => {
  const a = v as { assetId?: unknown; kind?: unknown; symbol?: unknown }
  if (typeof a?.assetId !== 'string') throw reject('BAD_ARGUMENT', 'asset.assetId must be bytes32 hex')
  if (a.kind !== 'home' && a.kind !== 'wrapped') throw reject('BAD_ARGUMENT', 'asset.kind must be home or wrapped')
  if (typeof a.symbol !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(a.symbol))
    throw reject('BAD_ARGUMENT', 'asset.symbol must be 1..32 characters [A-Za-z0-9._-]')
  return { assetId: toBytes32(a.assetId, 'asset.assetId'), kind: a.kind, symbol: a.symbol }
}
