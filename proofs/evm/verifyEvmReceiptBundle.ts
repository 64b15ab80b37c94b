import { InvalidProofError } from '../../errors.js'
import { decodeMessage } from '../../protocol/index.js'
import type { Message } from '../../types.js'
import { keccakHex, toBytes, toHex } from './bytes.js'
import { DISPATCH_TOPIC, decodeDispatchData } from './decodeDispatchData.js'
import { decodeHeader } from './decodeHeader.js'
import { decodeReceipt } from './decodeReceipt.js'
import { parseEvmReceiptBundle } from './parseEvmReceiptBundle.js'
import { receiptKey } from './receiptKey.js'
import type {
  DecodedHeader,
  EvmLog,
  EvmReceiptBundle,
  VerifyEvmReceiptBundleOptions,
  VerifyEvmReceiptBundleResult,
} from './types.js'
import { verifyMptProof } from './verifyMptProof.js'

const reject = (reason: InvalidProofError['reason'], detail: string, cause?: unknown) =>
  new InvalidProofError({ reason, detail: `evm-receipt: ${detail}`, cause })

const checkExpectations = (b: EvmReceiptBundle, opts: VerifyEvmReceiptBundleOptions): void => {
  if (opts.chainId !== undefined && BigInt(b.chainId) !== opts.chainId) {
    throw reject('CHAIN_MISMATCH', `bundle is for chain id ${b.chainId}, expected ${opts.chainId}`)
  }
  if (opts.bridge !== undefined && b.bridge !== opts.bridge.toLowerCase()) {
    throw reject('EMITTER_NOT_BRIDGE', `bundle names bridge ${b.bridge}, expected ${opts.bridge.toLowerCase()}`)
  }
}

const checkHeader = (b: EvmReceiptBundle, opts: VerifyEvmReceiptBundleOptions): DecodedHeader => {
  const rlp = toBytes(b.header, 'header')
  if (keccakHex(rlp) !== b.blockHash) throw reject('HEADER_MISMATCH', 'keccak256(header) is not blockHash')
  if (opts.trustedBlockHash !== undefined && b.blockHash !== opts.trustedBlockHash.toLowerCase()) {
    throw reject(
      'HEADER_MISMATCH',
      `block ${b.blockHash} is not the trusted block ${opts.trustedBlockHash.toLowerCase()}`,
    )
  }
  const header = decodeHeader(rlp)
  if (header.number !== BigInt(b.blockNumber)) {
    throw reject('HEADER_MISMATCH', `header number ${header.number} is not blockNumber ${b.blockNumber}`)
  }
  return header
}

/** The recorded finality evidence must be self-consistent (it is evidence, not a proof: see docs/proofs.md). */
const checkFinality = (b: EvmReceiptBundle): void => {
  const block = BigInt(b.blockNumber)
  const head = BigInt(b.finality.observedHeadNumber)
  if (head < block) throw reject('NOT_FINAL', `observed head ${head} is below block ${block}`)
  if (head === block && b.finality.observedHeadHash !== b.blockHash) {
    throw reject('NOT_FINAL', 'the observed head at this height is a different block')
  }
  const depth = head - block + 1n
  if (b.finality.mode === 'confirmations' && depth < BigInt(b.finality.confirmations ?? 0)) {
    throw reject('NOT_FINAL', `${depth} confirmations observed, ${b.finality.confirmations} required`)
  }
}

const dispatchLog = (logs: EvmLog[], b: EvmReceiptBundle): EvmLog => {
  const log = logs[b.logIndex]
  if (log === undefined) throw reject('LOG_NOT_FOUND', `the receipt has ${logs.length} logs, no index ${b.logIndex}`)
  if (log.topics[0] !== DISPATCH_TOPIC || log.topics.length !== 4) {
    throw reject('LOG_NOT_FOUND', `log ${b.logIndex} is not a Dispatch event`)
  }
  if (log.address !== b.bridge)
    throw reject('EMITTER_NOT_BRIDGE', `log ${b.logIndex} was emitted by ${log.address}, not ${b.bridge}`)
  return log
}

const word = (v: bigint | number): string => `0x${BigInt(v).toString(16).padStart(64, '0')}`

const checkMessage = (log: EvmLog, b: EvmReceiptBundle): Message => {
  const encoded = decodeDispatchData(toBytes(log.data, 'log data'))
  if (toHex(encoded) !== b.message) throw reject('MESSAGE_MISMATCH', 'the bundle message is not the one in the log')
  let message: Message
  try {
    message = decodeMessage(encoded)
  } catch (e) {
    throw reject('MESSAGE_MISMATCH', 'the logged message is not a canonical message', e)
  }
  const id = keccakHex(encoded)
  if (log.topics[1] !== id || b.id !== id)
    throw reject('MESSAGE_MISMATCH', 'keccak256(message), the log id topic and the bundle id differ')
  if (log.topics[2] !== word(message.destination))
    throw reject('MESSAGE_MISMATCH', 'the destination topic differs from the message')
  if (log.topics[3] !== word(message.nonce))
    throw reject('MESSAGE_MISMATCH', 'the nonce topic differs from the message')
  return message
}

/**
 * Verify an `evm-receipt` proof bundle offline: header hash, receipt MPT proof against the header's
 * receiptsRoot, successful status, a Dispatch log from the bridge, and the message it carries.
 * Every check and its reason code is listed in docs/proofs.md.
 * @throws BundleInvalidError for a malformed document; InvalidProofError (with `reason`) for a failed check
 */
export const verifyEvmReceiptBundle = (
  doc: unknown,
  opts: VerifyEvmReceiptBundleOptions = {},
): VerifyEvmReceiptBundleResult => {
  const b = parseEvmReceiptBundle(doc)
  checkExpectations(b, opts)
  const header = checkHeader(b, opts)
  checkFinality(b)
  const value = verifyMptProof({ root: header.receiptsRoot, key: receiptKey(b.txIndex), proof: b.receiptProof })
  const receipt = decodeReceipt(value)
  if (receipt.status !== 1) {
    throw reject(
      'TX_FAILED',
      receipt.status === 0 ? 'the transaction reverted' : 'a pre-Byzantium receipt does not show success',
    )
  }
  const message = checkMessage(dispatchLog(receipt.logs, b), b)
  return {
    id: b.id,
    message,
    chain: b.chain,
    chainId: BigInt(b.chainId),
    blockNumber: BigInt(b.blockNumber),
    blockHash: b.blockHash,
    bridge: b.bridge,
    txIndex: b.txIndex,
    logIndex: b.logIndex,
  }
}
