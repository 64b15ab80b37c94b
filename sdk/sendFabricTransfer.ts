// Node only: the caller passes its own connected fabric-gateway `Gateway` (gRPC). Types only are
// imported here, so the browser bundle of the SDK pulls no Fabric code.
import type { ChaincodeEvent, Gateway } from '@hyperledger/fabric-gateway'
import { hexlify } from 'ethers'
import { TransferFailedError, TransferMismatchError } from '../errors.js'
import {
  decodeMessage,
  encodeAppBody,
  encodeTokenTransferBody,
  fabricIdentityOf,
  messageId,
} from '../protocol/index.js'
import { recipientBytes32 } from './sendEvmTransfer.js'
import type { ChainInfo, FabricTransferRequest, Hex, TransferRequest } from './types.js'

/** Who signs on a Fabric source: a connected fabric-gateway `Gateway` (its identity and signer). Node only. */
export interface FabricSigner {
  kind: 'fabric'
  gateway: Gateway
}

export interface SendFabricTransferOptions {
  signer: FabricSigner
  request: TransferRequest
  built: FabricTransferRequest
  source: ChainInfo
  destination: ChainInfo
  /** How long to wait for the Dispatch chaincode event after the commit (default 30 s). */
  eventTimeoutMs?: number
  onTx?: (p: { index: number; count: number; description: string; txHash: Hex }) => void
}

const text = (b: Uint8Array) => new TextDecoder().decode(b)

/** The account of a gateway identity: sha256(utf8(mspId) ‖ certificate PEM). */
export const fabricAccountOf = (gateway: Gateway): Hex => {
  const id = gateway.getIdentity()
  return fabricIdentityOf(id.mspId, id.credentials)
}

/**
 * Endorse and submit the API-built chaincode proposal with the caller's gateway identity, wait for the
 * commit (`VALID`), then read the transaction's `Dispatch` chaincode event and check it: its id is
 * keccak256 of the emitted message and the chaincode's result, and origin, destination, sender (this
 * identity), recipient and body are the ones asked for.
 * @throws TransferFailedError (endorsement refused, commit not VALID, no Dispatch event in time),
 *   TransferMismatchError (the proposal or the Dispatch event is not what was asked for)
 */
export const sendFabricTransfer = async (
  o: SendFabricTransferOptions,
): Promise<{ id: Hex; txHash: Hex; blockNumber: bigint; nonce: bigint }> => {
  const chain = o.source.ref
  const recipient = recipientBytes32(o.request.recipient)
  const mismatch = (txHash: string, field: string, expected: unknown, actual: unknown) => {
    if (String(expected).toLowerCase() !== String(actual).toLowerCase())
      throw new TransferMismatchError({ txHash, field, expected: String(expected), actual: String(actual) })
  }
  const r = o.request
  const expectedFn = r.kind === 'token' ? 'sendToken' : 'dispatch'
  mismatch('(not sent)', 'function', expectedFn, o.built.function)
  const expectedArgs =
    r.kind === 'token'
      ? [String(o.destination.domain), r.assetId, BigInt(r.amount).toString(), recipient ?? '']
      : [String(o.destination.domain), recipient ?? '', r.payload]
  mismatch('(not sent)', 'args', expectedArgs.join(','), o.built.args.join(','))
  const network = o.signer.gateway.getNetwork(o.built.channel)
  const contract = network.getContract(o.built.chaincode, o.built.contract)
  let submitted: Awaited<ReturnType<typeof contract.submitAsync>>
  try {
    submitted = await contract.submitAsync(o.built.function, { arguments: o.built.args })
  } catch (cause) {
    throw new TransferFailedError({ chain, step: o.built.description, detail: detailOf(cause), cause })
  }
  const txId = submitted.getTransactionId()
  const txHash = `0x${txId}` as Hex
  const status = await submitted.getStatus().catch((cause: unknown) => {
    throw new TransferFailedError({ chain, step: 'commit status', detail: detailOf(cause), txHash, cause })
  })
  if (!status.successful)
    throw new TransferFailedError({ chain, step: o.built.description, detail: `commit status ${status.code}`, txHash })
  const resultId = text(submitted.getResult()).toLowerCase()
  o.onTx?.({ index: 0, count: 1, description: o.built.description, txHash })
  const event = await dispatchEventOf(network, o.built.chaincode, status.blockNumber, txId, o.eventTimeoutMs ?? 30_000)
  if (!event)
    throw new TransferFailedError({
      chain,
      step: 'Dispatch event',
      detail: 'no Dispatch event of the transaction',
      txHash,
    })
  const encoded = hexlify(event.payload) as Hex
  const m = decodeMessage(encoded)
  const id = messageId(m)
  mismatch(txHash, 'id', id, resultId)
  mismatch(txHash, 'origin', o.source.domain, m.origin)
  mismatch(txHash, 'destination', o.destination.domain, m.destination)
  mismatch(txHash, 'sender', fabricAccountOf(o.signer.gateway), m.sender)
  mismatch(txHash, 'recipient', recipient, m.recipient)
  const body =
    r.kind === 'token'
      ? encodeTokenTransferBody({ asset: r.assetId, amount: BigInt(r.amount), beneficiary: recipient! })
      : encodeAppBody(r.payload)
  mismatch(txHash, 'body', body, m.body)
  return { id, txHash, blockNumber: status.blockNumber, nonce: m.nonce }
}

const dispatchEventOf = async (
  network: ReturnType<Gateway['getNetwork']>,
  chaincode: string,
  startBlock: bigint,
  txId: string,
  timeoutMs: number,
): Promise<ChaincodeEvent | undefined> => {
  const events = await network.getChaincodeEvents(chaincode, { startBlock })
  const timer = setTimeout(() => events.close(), timeoutMs)
  try {
    for await (const e of events) {
      if (e.transactionId === txId && e.eventName === 'Dispatch') return e
      if (e.blockNumber > startBlock) return undefined
    }
    return undefined
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
    events.close()
  }
}

const detailOf = (e: unknown): string => {
  const x = e as { details?: { message?: string }[]; message?: string }
  const d = x?.details?.map((d) => d.message).join('; ')
  return (d || (typeof x?.message === 'string' ? x.message : String(e))).slice(0, 300)
}
