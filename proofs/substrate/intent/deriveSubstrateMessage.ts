import { blake2b } from '@noble/hashes/blake2.js'
import type { Call, EventRecord, Extrinsic } from '@polkadot/types/interfaces'
import type { Codec } from '@polkadot/types/types'
import { InvalidProofError } from '../../../errors.js'
import { bytesToHex } from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { substrateNativeAssetId, substratePalletAssetId } from './constants.js'
import { decodeIntent, isIntentRemark } from './decodeIntent.js'
import { registryOf } from './metadataRegistry.js'
import type { DerivedSubstrateMessage, DeriveSubstrateMessageInput, SubstrateIntentTrust } from './types.js'

const NATIVE_TRANSFERS = new Set(['transfer', 'transferKeepAlive', 'transferAllowDeath'])
const ASSET_TRANSFERS = new Set(['transfer', 'transferKeepAlive'])
const MAX_BLOCK_NUMBER = 2n ** 32n

const refuse = (reason: 'MALFORMED_ENCODING' | 'MESSAGE_MISMATCH' | 'TX_FAILED' | 'LOG_NOT_FOUND', detail: string) =>
  new InvalidProofError({ reason, detail })

/**
 * The AccountId32 of an address: a MultiAddress::Id (SCALE variant 0 ‖ 32 bytes) or a bare AccountId32;
 * any other variant (Index, Raw, Address20...) is refused.
 */
const accountOf = (a: Codec, what: string): Hex => {
  const raw = a.toU8a()
  if (raw.length === 33 && raw[0] === 0) return bytesToHex(raw.subarray(1))
  if (raw.length === 32) return bytesToHex(raw)
  throw refuse('MESSAGE_MISMATCH', `${what} is not an AccountId32`)
}

const bigOf = (c: Codec): bigint => BigInt(c.toString())

interface Movement {
  pallet: 'balances' | 'assets'
  to: Hex
  amount: bigint
  palletAssetId?: bigint
}

/** A transfer call inside the batch, or undefined for anything else. */
const movementOf = (c: Call): Movement | undefined => {
  if (c.section === 'balances' && NATIVE_TRANSFERS.has(c.method)) {
    return { pallet: 'balances', to: accountOf(c.args[0]!, 'the transfer destination'), amount: bigOf(c.args[1]!) }
  }
  if (c.section === 'assets' && ASSET_TRANSFERS.has(c.method)) {
    return {
      pallet: 'assets',
      palletAssetId: bigOf(c.args[0]!),
      to: accountOf(c.args[1]!, 'the transfer destination'),
      amount: bigOf(c.args[2]!),
    }
  }
  return undefined
}

const eventKey = (r: EventRecord) => `${r.event.section}.${r.event.method}`
const hexOf = (c: Codec | undefined): Hex => bytesToHex(c ? c.toU8a() : new Uint8Array())

/**
 * Derive the Isthmus message an outbound extrinsic carries and check it against the block's events
 * (the Qubit rules): the extrinsic is signed and is `utility.batchAll` of exactly one
 * `system.remarkWithEvent(intent)` plus — for a token transfer — exactly one asset movement to the
 * committee account whose asset and amount are the body's (an app message allows at most one native
 * fee payment to the committee account and nothing else); the extrinsic's events show
 * `utility.BatchCompleted` and `system.ExtrinsicSuccess`, no `BatchInterrupted`, the `Remarked`
 * event by the signer with the remark's hash and the movement's transfer event by the signer with the
 * same amount. nonce = (blockNumber << 32) | extrinsicIndex; sender = the signer. Pure.
 * @throws InvalidProofError MALFORMED_ENCODING (undecodable), LOG_NOT_FOUND (no intent remark),
 *   TX_FAILED (the batch did not fully succeed), MESSAGE_MISMATCH (a rule is broken)
 */
export const deriveSubstrateMessage = (
  input: DeriveSubstrateMessageInput,
  trust: SubstrateIntentTrust,
): DerivedSubstrateMessage => {
  const metadata = trust.metadata[String(input.specVersion)]
  if (!metadata) throw refuse('MALFORMED_ENCODING', `no trusted metadata for spec version ${input.specVersion}`)
  if (input.blockNumber < 0n || input.blockNumber >= MAX_BLOCK_NUMBER) {
    throw refuse('MALFORMED_ENCODING', 'block number does not fit 32 bits')
  }
  if (!Number.isInteger(input.extrinsicIndex) || input.extrinsicIndex < 0 || input.extrinsicIndex > 0xffffffff) {
    throw refuse('MALFORMED_ENCODING', 'extrinsic index does not fit 32 bits')
  }
  const { registry } = registryOf(metadata)
  let ext: Extrinsic
  let records: EventRecord[]
  try {
    ext = registry.createType('Extrinsic', input.extrinsic) as unknown as Extrinsic
    records = [...(registry.createType('Vec<EventRecord>', input.events) as unknown as Iterable<EventRecord>)]
  } catch (cause) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: 'extrinsic or events do not decode', cause })
  }
  if (bytesToHex(ext.toU8a()) !== input.extrinsic.toLowerCase()) {
    throw refuse('MALFORMED_ENCODING', 'the extrinsic has trailing or non-canonical bytes')
  }
  if (!ext.isSigned) throw refuse('LOG_NOT_FOUND', 'the extrinsic is not signed')
  const signer = accountOf(ext.signer, 'the signer')
  const call = ext.method as unknown as Call
  if (call.section !== 'utility' || call.method !== 'batchAll') {
    throw refuse('LOG_NOT_FOUND', `the extrinsic is ${call.section}.${call.method}, not utility.batchAll`)
  }
  const inner = [...(call.args[0] as unknown as Iterable<Call>)]
  const remarks = inner.filter((c) => c.section === 'system' && c.method === 'remarkWithEvent')
  const intents = remarks.filter((c) =>
    isIntentRemark((c.args[0] as Codec & { toU8a(bare?: boolean): Uint8Array }).toU8a(true)),
  )
  if (intents.length === 0) throw refuse('LOG_NOT_FOUND', 'the batch has no intent remark')
  if (intents.length > 1) throw refuse('MESSAGE_MISMATCH', 'the batch has more than one intent remark')
  const remarkBytes = (intents[0]!.args[0] as Codec & { toU8a(bare?: boolean): Uint8Array }).toU8a(true)
  const intent = decodeIntent(remarkBytes)
  const others = inner.filter((c) => c !== intents[0])
  const movements = others.map((c) => {
    const m = movementOf(c)
    if (!m) throw refuse('MESSAGE_MISMATCH', `the batch also calls ${c.section}.${c.method}`)
    if (m.to !== trust.committeeAccount.toLowerCase()) {
      throw refuse('MESSAGE_MISMATCH', 'an asset movement in the batch does not pay the committee account')
    }
    return m
  })
  if (movements.length > 1) throw refuse('MESSAGE_MISMATCH', 'the batch moves assets more than once')
  const movement = movements[0]

  // Events of this extrinsic only.
  const mine = records.filter(
    (r) => r.phase.isApplyExtrinsic && r.phase.asApplyExtrinsic.toNumber() === input.extrinsicIndex,
  )
  const keys = mine.map(eventKey)
  if (!keys.includes('system.ExtrinsicSuccess')) throw refuse('TX_FAILED', 'the extrinsic did not succeed')
  if (!keys.includes('utility.BatchCompleted') || keys.includes('utility.BatchInterrupted')) {
    throw refuse('TX_FAILED', 'the batch did not complete')
  }
  const remarkHash = bytesToHex(blake2b(remarkBytes, { dkLen: 32 }))
  const remarked = mine.some(
    (r) =>
      eventKey(r) === 'system.Remarked' && hexOf(r.event.data[0]) === signer && hexOf(r.event.data[1]) === remarkHash,
  )
  if (!remarked) throw refuse('MESSAGE_MISMATCH', 'no Remarked event by the signer for the intent')

  let derivedMovement: DerivedSubstrateMessage['movement']
  if (movement) {
    const moved = mine.some((r) => {
      const d = r.event.data
      if (movement.pallet === 'balances') {
        return (
          eventKey(r) === 'balances.Transfer' &&
          hexOf(d[0]) === signer &&
          hexOf(d[1]) === movement.to &&
          bigOf(d[2]!) === movement.amount
        )
      }
      return (
        eventKey(r) === 'assets.Transferred' &&
        bigOf(d[0]!) === movement.palletAssetId &&
        hexOf(d[1]) === signer &&
        hexOf(d[2]) === movement.to &&
        bigOf(d[3]!) === movement.amount
      )
    })
    if (!moved) throw refuse('MESSAGE_MISMATCH', 'no transfer event by the signer for the asset movement')
    const assetId =
      movement.pallet === 'balances'
        ? substrateNativeAssetId(trust.domain)
        : ((trust.wrappedAssets?.[String(movement.palletAssetId)]?.toLowerCase() as Hex | undefined) ??
          substratePalletAssetId(trust.domain, movement.palletAssetId!))
    derivedMovement = {
      assetId,
      amount: movement.amount,
      pallet: movement.pallet,
      ...(movement.palletAssetId === undefined ? {} : { palletAssetId: movement.palletAssetId }),
    }
  }
  const body = intent.decodedBody
  if (body.kind === 'tokenTransfer') {
    if (!derivedMovement) throw refuse('MESSAGE_MISMATCH', 'a token transfer intent without an asset movement')
    if (derivedMovement.assetId !== body.asset.toLowerCase()) {
      throw refuse('MESSAGE_MISMATCH', 'the moved asset is not the intent asset')
    }
    if (derivedMovement.amount !== body.amount)
      throw refuse('MESSAGE_MISMATCH', 'the moved amount is not the intent amount')
    if (body.beneficiary.toLowerCase() !== intent.recipient.toLowerCase()) {
      throw refuse('MESSAGE_MISMATCH', 'the token beneficiary is not the intent recipient')
    }
  } else if (derivedMovement && derivedMovement.pallet !== 'balances') {
    throw refuse('MESSAGE_MISMATCH', 'an app message may only pay a native fee')
  }
  const message: Message = {
    version: 1,
    nonce: (input.blockNumber << 32n) | BigInt(input.extrinsicIndex),
    origin: trust.domain,
    sender: signer,
    destination: intent.destination,
    recipient: intent.recipient,
    body: intent.body,
  }
  return { message, signer, ...(derivedMovement ? { movement: derivedMovement } : {}) }
}
