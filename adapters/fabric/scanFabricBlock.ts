import { decodeEndorserTransaction, decodeFabricBlock, fabricBlockHash } from '../../proofs/index.js'
import { decodeMessage, messageIdOfEncoded } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import type { ObservedMessage } from '../types.js'

/** `common.BlockMetadataIndex.TRANSACTIONS_FILTER`; code 0 is `peer.TxValidationCode.VALID`. */
const TRANSACTIONS_FILTER = 2
const VALID = 0
const ENDORSER_TRANSACTION = 3
/** The bridge chaincode's event carrying the canonical message (chaincode/README.md). */
export const DISPATCH_EVENT_NAME = 'Dispatch'

export interface FabricScanContext {
  chain: ChainRef
  channel: string
  chaincode: string
  /** Copied into every bundle for self-contained re-verification; verifiers take theirs from config. */
  mspRoots: Record<string, string[]>
  ordererMspIds: string[]
  endorsementPolicy: { signedBy: string[]; rule: 'AND' | { outOf: number } }
}

export interface ScannedFabricBlock {
  number: bigint
  hash: Hex
  messages: ObservedMessage[]
  /** Transactions skipped because they were not VALID yet carried a Dispatch event of the bridge. */
  invalidDispatches: { txId: string; code: number }[]
}

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`

/**
 * The bridge's messages in one committed block, each with its `fabric-block` proof bundle. Only
 * transactions whose TRANSACTIONS_FILTER code is VALID count: an MVCC-conflicted or endorsement-
 * failed transaction keeps its event in the block and is skipped here. Pure.
 * @throws InvalidProofError when the block does not decode
 */
export const scanFabricBlock = (blockBytes: Uint8Array, ctx: FabricScanContext): ScannedFabricBlock => {
  const block = decodeFabricBlock(blockBytes)
  const hash = hex(fabricBlockHash(block))
  const filter = block.metadata[TRANSACTIONS_FILTER] ?? new Uint8Array(0)
  const messages: ObservedMessage[] = []
  const invalidDispatches: ScannedFabricBlock['invalidDispatches'] = []
  let base64: string | undefined
  block.data.forEach((envelope, txIndex) => {
    let tx: ReturnType<typeof decodeEndorserTransaction>
    try {
      tx = decodeEndorserTransaction(envelope)
    } catch {
      return // config and other non-endorser envelopes
    }
    if (tx.type !== ENDORSER_TRANSACTION || tx.channelId !== ctx.channel) return
    const ev = tx.event
    if (
      !ev ||
      tx.chaincodeName !== ctx.chaincode ||
      ev.chaincodeId !== ctx.chaincode ||
      ev.name !== DISPATCH_EVENT_NAME
    )
      return
    const code = filter[txIndex] ?? -1
    if (code !== VALID) {
      invalidDispatches.push({ txId: tx.txId, code })
      return
    }
    const message = decodeMessage(ev.payload)
    const id = messageIdOfEncoded(ev.payload)
    base64 ??= Buffer.from(blockBytes).toString('base64')
    messages.push({
      id,
      message,
      encoded: hex(ev.payload),
      source: {
        chain: ctx.chain,
        blockNumber: block.number,
        blockHash: hash,
        txHash: `0x${tx.txId}` as Hex,
        logIndex: 0,
      },
      bundle: {
        version: 1,
        kind: 'fabric-block',
        chain: ctx.chain,
        channel: ctx.channel,
        chaincode: ctx.chaincode,
        blockNumber: block.number.toString(),
        block: base64,
        txIndex,
        eventIndex: 0,
        mspRoots: ctx.mspRoots,
        ordererMspIds: ctx.ordererMspIds,
        endorsementPolicy: ctx.endorsementPolicy,
        message: hex(ev.payload),
        id,
      },
    })
  })
  return { number: block.number, hash, messages, invalidDispatches }
}
