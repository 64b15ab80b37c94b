import { BundleInvalidError, InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { buildReceiptProof } from './buildReceiptProof.js'
import { keccakHex, toHex } from './bytes.js'
import { decodeDispatchData } from './decodeDispatchData.js'
import { encodeHeader } from './encodeHeader.js'
import { rpcData } from './rpcFields.js'
import type { BuildEvmReceiptBundleOptions, EvmReceiptBundle } from './types.js'

/**
 * Assemble an `evm-receipt` bundle from what JSON-RPC returns: the block header fields, every receipt
 * of the block, the transaction index and the Dispatch log's index within its receipt. Pure; it
 * checks that the fields hash to `header.hash` (when given) and the receipts to `receiptsRoot`, and
 * leaves every other check to `verifyEvmReceiptBundle`.
 * @throws BundleInvalidError for malformed inputs; InvalidProofError HEADER_MISMATCH or ROOT_MISMATCH
 */
export const buildEvmReceiptBundle = (o: BuildEvmReceiptBundleOptions): EvmReceiptBundle => {
  const header = encodeHeader(o.header)
  const blockHash = keccakHex(header)
  if (o.header.hash && o.header.hash.toLowerCase() !== blockHash) {
    throw new InvalidProofError({
      reason: 'HEADER_MISMATCH',
      detail: `header fields hash to ${blockHash}, not ${o.header.hash}`,
    })
  }
  const { root, proof } = o.receiptsTrie
    ? { root: o.receiptsTrie.root, proof: o.receiptsTrie.proofOf(o.txIndex) }
    : buildReceiptProof(o.receipts, o.txIndex)
  if (root !== o.header.receiptsRoot.toLowerCase()) {
    throw new InvalidProofError({
      reason: 'ROOT_MISMATCH',
      detail: `the block's receipts build root ${root}, not the header's`,
    })
  }
  const log = o.receipts[o.txIndex]!.logs[o.logIndex]
  if (!Number.isSafeInteger(o.logIndex) || log === undefined) {
    throw new BundleInvalidError({ field: 'logIndex', expected: `a log of receipt ${o.txIndex}` })
  }
  const message = decodeDispatchData(rpcData(log.data, `receipts[${o.txIndex}].logs[${o.logIndex}].data`))
  return {
    version: 1,
    kind: 'evm-receipt',
    chain: o.chain,
    chainId: o.chainId.toString(),
    bridge: o.bridge.toLowerCase() as Hex,
    blockNumber: BigInt(o.header.number).toString(),
    blockHash,
    header: toHex(header),
    txIndex: o.txIndex,
    receiptProof: proof,
    logIndex: o.logIndex,
    id: keccakHex(message),
    message: toHex(message),
    finality: { ...o.finality },
  }
}
