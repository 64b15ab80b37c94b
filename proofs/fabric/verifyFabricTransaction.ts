import { createHash } from 'node:crypto'
import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { fabricBlockHash, fabricDataHash } from './blockHeaderBytes.js'
import type { MspTrust } from './createMspTrust.js'
import {
  decodeEndorserTransaction,
  ENDORSER_TRANSACTION,
  type EndorserTransaction,
} from './decodeEndorserTransaction.js'
import { decodeFabricBlock } from './decodeFabricBlock.js'
import type { FabricBlock, FabricEndorsementPolicy } from './types.js'
import { verifyEndorsements } from './verifyEndorsements.js'
import { verifyOrdererSignatures } from './verifyOrdererSignatures.js'
import { verifyP256Signature } from './verifyP256Signature.js'

/** `common.BlockMetadataIndex.TRANSACTIONS_FILTER`; code 0 is `peer.TxValidationCode.VALID`. */
const TRANSACTIONS_FILTER_INDEX = 2

export interface VerifyFabricTransactionOptions {
  /** The `common.Block` protobuf. */
  block: Uint8Array
  txIndex: number
  channel: string
  chaincode: string
  /** The block number the caller expects, when it has one. */
  blockNumber?: bigint
  trustedBlockHash?: Hex
  trust: MspTrust
  ordererMspIds: readonly string[]
  endorsementPolicy: FabricEndorsementPolicy
  /** Distinct valid orderer signatures required (default 1). */
  minOrdererSignatures?: number
}

export interface VerifyFabricTransactionResult {
  block: FabricBlock
  blockHash: Hex
  tx: EndorserTransaction
  endorsingMspIds: string[]
  ordererSigners: number
}

const reject = (reason: InvalidProofError['reason'], detail: string, cause?: unknown) =>
  new InvalidProofError({ reason, detail: `fabric-block: ${detail}`, cause })

const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

const checkBlock = (block: FabricBlock, o: VerifyFabricTransactionOptions): Hex => {
  if (o.blockNumber !== undefined && block.number !== o.blockNumber) {
    throw reject('HEADER_MISMATCH', `header number ${block.number} is not blockNumber ${o.blockNumber}`)
  }
  const hash = toHex(fabricBlockHash(block))
  if (o.trustedBlockHash !== undefined && hash !== o.trustedBlockHash.toLowerCase()) {
    throw reject('HEADER_MISMATCH', `block ${hash} is not the trusted block ${o.trustedBlockHash.toLowerCase()}`)
  }
  if (!fabricDataHash(block.data).equals(block.dataHash)) {
    throw reject('HASH_MISMATCH', 'SHA-256 of the block data is not the header data_hash')
  }
  return hash
}

const targetTransaction = (b: VerifyFabricTransactionOptions, block: FabricBlock): EndorserTransaction => {
  const envelope = block.data[b.txIndex]
  if (envelope === undefined) {
    throw reject('VALUE_ABSENT', `the block has ${block.data.length} transaction(s), no index ${b.txIndex}`)
  }
  const filter = block.metadata[TRANSACTIONS_FILTER_INDEX] ?? new Uint8Array(0)
  if (filter.length !== block.data.length) {
    throw reject(
      'MALFORMED_ENCODING',
      `TRANSACTIONS_FILTER has ${filter.length} codes for ${block.data.length} transactions`,
    )
  }
  if (filter[b.txIndex] !== 0) {
    throw new InvalidProofError({
      reason: 'VALIDATION_CODE',
      detail: `fabric-block: transaction ${b.txIndex} has validation code ${filter[b.txIndex]}, not VALID (0)`,
      meta: { validationCode: filter[b.txIndex] },
    })
  }
  const tx = decodeEndorserTransaction(envelope)
  if (tx.type !== ENDORSER_TRANSACTION) {
    throw reject('LOG_NOT_FOUND', `transaction ${b.txIndex} has type ${tx.type}, not an endorser transaction`)
  }
  if (tx.actionCount !== 1)
    throw reject('MALFORMED_ENCODING', `transaction has ${tx.actionCount} actions, Fabric allows 1`)
  return tx
}

/** Fabric's `ValidateTransaction` for an endorser transaction, plus the endorsement policy (VSCC). */
const checkTransaction = (b: VerifyFabricTransactionOptions, tx: EndorserTransaction): string[] => {
  if (tx.channelId !== b.channel) {
    throw reject(
      'CHAIN_MISMATCH',
      `transaction is on channel ${JSON.stringify(tx.channelId)}, not ${JSON.stringify(b.channel)}`,
    )
  }
  if (tx.nonce.length === 0) throw reject('MALFORMED_ENCODING', 'the signature header has no nonce')
  if (tx.txId !== sha256(tx.nonce, tx.creator.raw).toString('hex')) {
    throw reject('HASH_MISMATCH', 'tx_id is not sha256(nonce ‖ creator)')
  }
  const creatorKey = b.trust.signingKey(tx.creator.mspId, tx.creator.idBytes, tx.timestampMs, 'creator')
  verifyP256Signature(creatorKey, tx.payload, tx.signature, 'creator')
  if (!sha256(tx.channelHeader, tx.actionHeader, tx.chaincodeProposalPayload).equals(tx.proposalHash)) {
    throw reject('HASH_MISMATCH', 'the endorsed proposal hash is not the hash of this transaction’s proposal')
  }
  if (tx.chaincodeName !== b.chaincode) {
    throw reject(
      'EMITTER_NOT_BRIDGE',
      `transaction invoked chaincode ${JSON.stringify(tx.chaincodeName)}, not ${JSON.stringify(b.chaincode)}`,
    )
  }
  // The shim's ERRORTHRESHOLD: peers do not endorse a response at or above 400.
  if (tx.responseStatus >= 400) throw reject('TX_FAILED', `chaincode response status ${tx.responseStatus}`)
  return verifyEndorsements(tx, b.trust, b.endorsementPolicy)
}

/**
 * Verify one transaction of a Fabric block and the block around it, in this order: strict protobuf
 * (block, every envelope), header number and trusted hash, data hash, the transaction's presence and
 * VALID code, orderer signatures, then Fabric's endorser-transaction validation (channel, tx id,
 * creator signature, proposal hash binding, chaincode, response status) and the endorsement policy.
 * @throws InvalidProofError with the reason of the first failed check (docs/proofs.md)
 */
export const verifyFabricTransaction = (o: VerifyFabricTransactionOptions): VerifyFabricTransactionResult => {
  const block = decodeFabricBlock(o.block)
  const blockHash = checkBlock(block, o)
  const tx = targetTransaction(o, block)
  // The block carries no time of its own: orderer certificates must be valid at the transaction's.
  const ordererSigners = verifyOrdererSignatures(block, {
    trust: o.trust,
    ordererMspIds: o.ordererMspIds,
    minSigners: o.minOrdererSignatures ?? 1,
    atMs: tx.timestampMs,
  })
  const endorsingMspIds = checkTransaction(o, tx)
  return { block, blockHash, tx, endorsingMspIds, ordererSigners }
}
