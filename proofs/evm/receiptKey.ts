import { uintToBytes } from './bytes.js'
import { encodeRlp } from './encodeRlp.js'

/** The receipts (and transactions) trie key of a transaction index: `rlp(index)`. */
export const receiptKey = (txIndex: number): Uint8Array => encodeRlp(uintToBytes(txIndex))
