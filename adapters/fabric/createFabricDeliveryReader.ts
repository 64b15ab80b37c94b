import type { Network } from '@hyperledger/fabric-gateway'
import { common, peer } from '@hyperledger/fabric-protos'
import { decodeEndorserTransaction, decodeFabricBlock, fabricBlockHash } from '../../proofs/index.js'
import { decodeMessage, hexToBytes, messageIdOfEncoded } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { toRelayError } from './toRelayError.js'

/** `common.BlockMetadataIndex.TRANSACTIONS_FILTER`; code 0 is `peer.TxValidationCode.VALID`. */
const TRANSACTIONS_FILTER = 2
const VALID = 0
const ENDORSER_TRANSACTION = 3
/** The bridge chaincode's event of an executed delivery; payload = the 32-byte id (chaincode/README.md). */
export const DELIVERED_EVENT_NAME = 'Delivered'

/** One executed delivery of the bridge chaincode (a VALID transaction's `Delivered` event). */
export interface FabricDeliveredRecord {
  chain: ChainRef
  id: Hex
  /** From the delivered message, when the transaction's `deliver` argument is the message of `id`. */
  origin?: number
  nonce?: bigint
  /** `0x` + the Fabric transaction id. */
  txHash: Hex
  blockNumber: bigint
  /** The `deliver` transaction's message argument (canonical encoding) when its keccak256 is `id`. */
  message?: Hex
}

export interface FabricDeliveryReaderOptions {
  chain: ChainRef
  channel: string
  chaincode: string
  /** A gateway network of the channel; only `qscc` is evaluated (nothing is submitted). */
  network: Network
}

/** Keyless-in-effect read access to a Fabric channel for the audit: blocks through `qscc`. */
export interface FabricDeliveryReader {
  readonly chain: ChainRef
  /** The newest block number (height - 1). */
  head(): Promise<bigint>
  /** Every executed delivery of the bridge chaincode in blocks [fromBlock, toBlock], in block order. */
  deliveries(fromBlock: bigint, toBlock: bigint): Promise<FabricDeliveredRecord[]>
  /** SHA-256 of the header of block `number`, undefined beyond the head. */
  blockHashAt(number: bigint): Promise<Hex | undefined>
}

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`

/** The `deliver(messageHex, …)` argument of a transaction's chaincode proposal, when it is one. */
const deliverArgOf = (proposalPayload: Uint8Array): string | undefined => {
  try {
    const cpp = peer.ChaincodeProposalPayload.deserializeBinary(proposalPayload)
    const args = peer.ChaincodeInvocationSpec.deserializeBinary(cpp.getInput_asU8())
      .getChaincodeSpec()
      ?.getInput()
      ?.getArgsList_asU8()
    if (!args || args.length < 2) return undefined
    const fn = Buffer.from(args[0]!).toString('utf8')
    if (fn !== 'deliver' && !fn.endsWith(':deliver')) return undefined
    return Buffer.from(args[1]!).toString('utf8')
  } catch {
    return undefined
  }
}

/** The delivered message and its origin and nonce, when `arg` is the canonical message of `id`. */
const messageOf = (arg: string | undefined, id: Hex): Pick<FabricDeliveredRecord, 'message' | 'origin' | 'nonce'> => {
  if (arg === undefined || !/^0x[0-9a-fA-F]*$/.test(arg)) return {}
  try {
    const bytes = hexToBytes(arg as Hex, 'message')
    if (messageIdOfEncoded(bytes).toLowerCase() !== id) return {}
    const m = decodeMessage(bytes)
    return { message: hex(bytes), origin: m.origin, nonce: m.nonce }
  } catch {
    return {}
  }
}

/**
 * The bridge chaincode's executed deliveries read from the channel's committed blocks (`qscc
 * GetBlockByNumber`): a `Delivered` event of the configured chaincode in a transaction whose
 * TRANSACTIONS_FILTER code is VALID (an MVCC-conflicted delivery keeps its event and is skipped),
 * with the message taken from the transaction's `deliver` argument.
 * @throws RelayError (RpcError / RpcTimeoutError) when the peer cannot be read; InvalidProofError for an undecodable block
 */
export const createFabricDeliveryReader = (o: FabricDeliveryReaderOptions): FabricDeliveryReader => {
  const qscc = o.network.getContract('qscc')
  const system = async (fn: string, ...args: string[]): Promise<Uint8Array> => {
    try {
      return await qscc.evaluateTransaction(fn, o.channel, ...args)
    } catch (e) {
      throw toRelayError(e, o.chain, `qscc ${fn}`)
    }
  }
  const height = async (): Promise<bigint> =>
    BigInt(common.BlockchainInfo.deserializeBinary(await system('GetChainInfo')).getHeight())
  const blockAt = async (n: bigint) => decodeFabricBlock(await system('GetBlockByNumber', n.toString()))
  const deliveries = async (fromBlock: bigint, toBlock: bigint): Promise<FabricDeliveredRecord[]> => {
    const out: FabricDeliveredRecord[] = []
    for (let n = fromBlock; n <= toBlock; n++) {
      const block = await blockAt(n)
      const filter = block.metadata[TRANSACTIONS_FILTER] ?? new Uint8Array(0)
      block.data.forEach((envelope, txIndex) => {
        let tx: ReturnType<typeof decodeEndorserTransaction>
        try {
          tx = decodeEndorserTransaction(envelope)
        } catch {
          return // config and other non-endorser envelopes
        }
        const ev = tx.event
        if (tx.type !== ENDORSER_TRANSACTION || tx.channelId !== o.channel || tx.chaincodeName !== o.chaincode) return
        if (!ev || ev.chaincodeId !== o.chaincode || ev.name !== DELIVERED_EVENT_NAME || ev.payload.length !== 32)
          return
        if ((filter[txIndex] ?? -1) !== VALID) return
        const id = hex(ev.payload)
        out.push({
          chain: o.chain,
          id,
          txHash: `0x${tx.txId}` as Hex,
          blockNumber: block.number,
          ...messageOf(deliverArgOf(tx.chaincodeProposalPayload), id),
        })
      })
    }
    return out
  }
  return {
    chain: o.chain,
    head: async () => (await height()) - 1n,
    deliveries,
    blockHashAt: async (n) => {
      if (n < 0n || n >= (await height())) return undefined
      return hex(fabricBlockHash(await blockAt(n)))
    },
  }
}
