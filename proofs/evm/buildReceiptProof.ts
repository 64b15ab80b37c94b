import { BundleInvalidError } from '../../errors.js'
import { buildMptProof } from './buildMptProof.js'
import { buildMptTrie } from './buildMptTrie.js'
import { encodeReceipt } from './encodeReceipt.js'
import { receiptKey } from './receiptKey.js'
import type { BuildMptProofResult, EvmRpcReceipt, ReceiptTrie } from './types.js'

/**
 * Build the receipts trie of a block from all its JSON-RPC receipts (in transaction order) and
 * the proof of receipt `txIndex`. The caller compares `root` with the header's `receiptsRoot`.
 * @throws BundleInvalidError for a malformed receipt, one out of order, or an index past the end
 */
export const buildReceiptProof = (receipts: readonly EvmRpcReceipt[], txIndex: number): BuildMptProofResult => {
  checkTxIndex(receipts, txIndex)
  return buildMptProof(receiptEntries(receipts), receiptKey(txIndex))
}

/**
 * The receipts trie of a block built once, for the proofs of several receipts of the same block.
 * @throws BundleInvalidError for a malformed receipt or one out of order
 */
export const buildReceiptTrie = (receipts: readonly EvmRpcReceipt[]): ReceiptTrie => {
  const trie = buildMptTrie(receiptEntries(receipts))
  return {
    root: trie.root,
    proofOf: (txIndex) => {
      checkTxIndex(receipts, txIndex)
      return trie.proofOf(receiptKey(txIndex))
    },
  }
}

const checkTxIndex = (receipts: readonly EvmRpcReceipt[], txIndex: number) => {
  if (!Number.isSafeInteger(txIndex) || txIndex < 0 || txIndex >= receipts.length) {
    throw new BundleInvalidError({
      field: 'txIndex',
      expected: `an index below the block's ${receipts.length} receipts`,
    })
  }
}

const receiptEntries = (receipts: readonly EvmRpcReceipt[]) =>
  receipts.map((r, i) => {
    const field = `receipts[${i}]`
    if (
      r.transactionIndex !== undefined &&
      r.transactionIndex !== null &&
      r.transactionIndex !== `0x${i.toString(16)}`
    ) {
      throw new BundleInvalidError({
        field: `${field}.transactionIndex`,
        expected: `0x${i.toString(16)} (receipts in block order)`,
      })
    }
    return { key: receiptKey(i), value: encodeReceipt(r, field) }
  })
