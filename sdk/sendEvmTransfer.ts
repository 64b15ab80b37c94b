import { getAddress, Interface, type Signer, type TransactionReceipt } from 'ethers'
import { TransferFailedError, TransferMismatchError } from '../errors.js'
import { addressToBytes32, decodeBody, decodeMessage, messageId } from '../protocol/index.js'
import { ss58ToAccountId } from './ss58.js'
import type { ChainInfo, EvmTxRequest, Hex, TransferRequest } from './types.js'

const DISPATCH = new Interface([
  'event Dispatch(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message)',
])
const DISPATCH_TOPIC = DISPATCH.getEvent('Dispatch')!.topicHash

export interface SendEvmTransferOptions {
  signer: Signer
  request: TransferRequest
  txs: EvmTxRequest[]
  source: ChainInfo
  destination: ChainInfo
  /** Called after each transaction is mined (progress for UIs and the CLI). */
  onTx?: (p: { index: number; count: number; description: string; txHash: Hex }) => void
}

export interface SendEvmTransferResult {
  id: Hex
  txHash: Hex
  blockNumber: bigint
  nonce: bigint
}

/**
 * A recipient as bytes32: an EVM address left-padded, a 32-byte account as is, an SS58 address as its
 * AccountId32 (checksum verified); undefined otherwise.
 */
export const recipientBytes32 = (recipient: string): Hex | undefined => {
  if (/^0x[0-9a-fA-F]{40}$/.test(recipient)) return addressToBytes32(recipient)
  if (/^0x[0-9a-fA-F]{64}$/.test(recipient)) return recipient.toLowerCase() as Hex
  return ss58ToAccountId(recipient)
}

const mismatch = (txHash: string, field: string, expected: unknown, actual: unknown) => {
  if (String(expected).toLowerCase() !== String(actual).toLowerCase())
    throw new TransferMismatchError({ txHash, field, expected: String(expected), actual: String(actual) })
}

/**
 * Check that the receipt's `Dispatch` (from the source bridge) carries exactly the message asked
 * for: its id is keccak256 of the emitted bytes, and origin, destination, sender, recipient and body match.
 * @throws TransferMismatchError
 */
export const checkDispatch = (
  receipt: Pick<TransactionReceipt, 'hash' | 'logs'>,
  o: { bridge: string; sender: string; request: TransferRequest; origin: number; destination: number },
): { id: Hex; nonce: bigint } => {
  const logs = receipt.logs.filter(
    (l) => l.topics[0] === DISPATCH_TOPIC && l.address.toLowerCase() === o.bridge.toLowerCase(),
  )
  if (logs.length !== 1) mismatch(receipt.hash, 'Dispatch event count', 1, logs.length)
  const parsed = DISPATCH.parseLog(logs[0]!)!
  const m = decodeMessage(parsed.args.getValue('message') as Hex)
  const id = parsed.args.getValue('id') as Hex
  mismatch(receipt.hash, 'id', messageId(m), id)
  mismatch(receipt.hash, 'origin', o.origin, m.origin)
  mismatch(receipt.hash, 'destination', o.destination, m.destination)
  mismatch(receipt.hash, 'sender', addressToBytes32(o.sender), m.sender)
  const recipient = recipientBytes32(o.request.recipient)
  if (recipient) mismatch(receipt.hash, 'recipient', recipient, m.recipient)
  const body = decodeBody(m.body)
  if (o.request.kind === 'token') {
    if (body.kind !== 'tokenTransfer') return mismatch(receipt.hash, 'body kind', 'token transfer', body.kind) as never
    mismatch(receipt.hash, 'assetId', o.request.assetId, body.asset)
    // A home token that charges a transfer fee is credited the measured delta; never more than asked.
    if (body.amount > BigInt(o.request.amount) || body.amount === 0n)
      mismatch(receipt.hash, 'amount', BigInt(o.request.amount), body.amount)
    if (recipient) mismatch(receipt.hash, 'beneficiary', recipient, body.beneficiary)
  } else {
    if (body.kind !== 'app') return mismatch(receipt.hash, 'body kind', 'app message', body.kind) as never
    mismatch(receipt.hash, 'payload', o.request.payload, body.payload)
  }
  return { id: id.toLowerCase() as Hex, nonce: m.nonce }
}

/**
 * Sign and send the API-built transactions in order with an ethers Signer, each mined before the
 * next (an approve must land before sendToken is estimated), then take the message id from the
 * bridge's Dispatch log and check it against the request.
 * @throws TransferFailedError (wrong chain, refused or reverted transaction), TransferMismatchError
 */
export const sendEvmTransfer = async (o: SendEvmTransferOptions): Promise<SendEvmTransferResult> => {
  const chain = o.source.ref
  const sender = getAddress(await o.signer.getAddress())
  const last = o.txs.at(-1)
  if (!last) throw new TransferFailedError({ chain, step: 'build', detail: 'the API returned no transactions' })
  if (last.to.toLowerCase() !== o.source.bridge.toLowerCase())
    throw new TransferMismatchError({
      txHash: '(not sent)',
      field: 'bridge',
      expected: o.source.bridge,
      actual: last.to,
    })
  const network = await o.signer.provider?.getNetwork().catch((cause: unknown) => {
    throw new TransferFailedError({ chain, step: 'chain check', detail: 'the signer provider did not answer', cause })
  })
  for (const tx of o.txs) {
    if (network && network.chainId !== BigInt(tx.chainId))
      throw new TransferFailedError({
        chain,
        step: 'chain check',
        detail: `the signer is on chain id ${network.chainId}, the transaction is for ${tx.chainId}`,
      })
  }
  let receipt: TransactionReceipt | null = null
  // Each next transaction takes the nonce after the previous one: a provider may answer the account's
  // transaction count from a short cache that predates the previous transaction.
  let nextNonce: number | undefined
  for (const [index, tx] of o.txs.entries()) {
    let hash: string | undefined
    try {
      const sent = await o.signer.sendTransaction({
        to: tx.to,
        data: tx.data,
        value: BigInt(tx.value),
        chainId: BigInt(tx.chainId),
        ...(nextNonce === undefined ? {} : { nonce: nextNonce }),
      })
      hash = sent.hash
      nextNonce = sent.nonce + 1
      receipt = await sent.wait(1)
    } catch (cause) {
      throw new TransferFailedError({
        chain,
        step: tx.description,
        detail: shortReason(cause),
        ...(hash ? { txHash: hash } : {}),
        cause,
      })
    }
    if (receipt?.status !== 1)
      throw new TransferFailedError({
        chain,
        step: tx.description,
        detail: 'reverted',
        ...(hash ? { txHash: hash } : {}),
      })
    o.onTx?.({ index, count: o.txs.length, description: tx.description, txHash: receipt.hash as Hex })
  }
  const r = receipt!
  const { id, nonce } = checkDispatch(r, {
    bridge: o.source.bridge,
    sender,
    request: o.request,
    origin: o.source.domain,
    destination: o.destination.domain,
  })
  return { id, txHash: r.hash as Hex, blockNumber: BigInt(r.blockNumber), nonce }
}

const shortReason = (e: unknown): string => {
  const x = e as { shortMessage?: unknown; code?: unknown; message?: unknown }
  const s =
    typeof x?.shortMessage === 'string' ? x.shortMessage : typeof x?.message === 'string' ? x.message : String(e)
  return (s.split('\n')[0] ?? s).slice(0, 200)
}
