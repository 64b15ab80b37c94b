import type { ChainRef, Hex, Message } from '../../types.js'

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[]

/** Bytes given either raw or as `0x` hex (JSON-RPC style). */
export type BytesLike = Uint8Array | Hex

/** What `verifyMptProof` / `verifyMptAbsence` check: `proof` is the root-to-leaf list of hash-referenced nodes. */
export interface MptProofInput {
  root: BytesLike
  key: BytesLike
  proof: readonly BytesLike[]
}

export interface VerifyMptProofOptions {
  /**
   * Maximum number of proof nodes. The effective limit is also capped at `2 * key.length + 1`
   * (one node per key nibble plus the terminal node), so the default never binds for short keys.
   */
  maxDepth?: number
  /**
   * Accept a value stored in a branch node (keys that are prefixes of other keys). Off by default:
   * receipt, transaction and secure (hashed-key) tries never have one, so a branch value there is forged.
   */
  allowBranchValues?: boolean
}

/** A trie entry for `buildMptProof`. */
export interface MptEntry {
  key: Uint8Array
  value: Uint8Array
}

export interface BuildMptProofResult {
  root: Hex
  /** Root-to-leaf hash-referenced nodes (embedded nodes are inside their parent, as in `eth_getProof`). */
  proof: Hex[]
}

/** One log as `eth_getTransactionReceipt` returns it (extra fields are ignored). */
export interface EvmRpcLog {
  address: Hex
  topics: Hex[]
  data: Hex
}

/**
 * A receipt as `eth_getTransactionReceipt` / `eth_getBlockReceipts` return it. Only the consensus
 * fields are read; pre-Byzantium receipts carry `root` instead of `status`.
 */
export interface EvmRpcReceipt {
  type?: Hex | null
  status?: Hex | null
  root?: Hex | null
  cumulativeGasUsed: Hex
  logsBloom: Hex
  logs: EvmRpcLog[]
  transactionIndex?: Hex | null
}

/** A log decoded from a proven receipt. */
export interface EvmLog {
  address: Hex
  topics: Hex[]
  data: Hex
}

/** A receipt decoded from its consensus encoding (the value stored in the receipts trie). */
export interface DecodedReceipt {
  /** EIP-2718 type: 0 for legacy receipts. */
  type: number
  /** 1 success, 0 failure, `null` for a pre-Byzantium receipt (which carries `postStateRoot` instead). */
  status: 0 | 1 | null
  postStateRoot: Hex | null
  cumulativeGasUsed: bigint
  logsBloom: Hex
  logs: EvmLog[]
}

/**
 * A block header as `eth_getBlockByNumber` returns it. Fork fields are present from their fork on:
 * London `baseFeePerGas`, Shanghai `withdrawalsRoot`, Cancun `blobGasUsed` / `excessBlobGas` /
 * `parentBeaconBlockRoot`, Prague `requestsHash`.
 */
export interface EvmRpcHeader {
  parentHash: Hex
  sha3Uncles: Hex
  miner: Hex
  stateRoot: Hex
  transactionsRoot: Hex
  receiptsRoot: Hex
  logsBloom: Hex
  difficulty: Hex
  number: Hex
  gasLimit: Hex
  gasUsed: Hex
  timestamp: Hex
  extraData: Hex
  mixHash: Hex
  nonce: Hex
  baseFeePerGas?: Hex | null
  withdrawalsRoot?: Hex | null
  blobGasUsed?: Hex | null
  excessBlobGas?: Hex | null
  parentBeaconBlockRoot?: Hex | null
  requestsHash?: Hex | null
  /** When present, `encodeHeader` callers can compare it with `hashHeader`. */
  hash?: Hex | null
}

/** The header fields the verifiers need, decoded from the header RLP. */
export interface DecodedHeader {
  parentHash: Hex
  stateRoot: Hex
  transactionsRoot: Hex
  receiptsRoot: Hex
  number: bigint
  timestamp: bigint
  /** Number of RLP fields: 15 (pre-London) … 21 (Prague). */
  fieldCount: number
}

/** How the relayer decided the block was final. Recorded evidence, not a proof by itself. */
export interface EvmFinalityEvidence {
  /** `finalized-tag`: the block was at or below the `finalized` head; `confirmations`: depth below `latest`. */
  mode: 'finalized-tag' | 'confirmations'
  /** Required depth in `confirmations` mode (1 = the head block itself). */
  confirmations?: number
  /** Number of the head (`finalized` or `latest`) observed when the bundle was made, decimal string. */
  observedHeadNumber: string
  observedHeadHash: Hex
}

/** Version 1 of the `evm-receipt` proof bundle (docs/proofs.md). Big numbers are decimal strings. */
export interface EvmReceiptBundle {
  version: 1
  kind: 'evm-receipt'
  chain: ChainRef
  /** EIP-155 chain id, decimal string. */
  chainId: string
  /** The origin bridge contract that emitted `Dispatch`. */
  bridge: Hex
  /** Decimal string. */
  blockNumber: string
  blockHash: Hex
  /** The RLP-encoded block header. */
  header: Hex
  txIndex: number
  /** MPT proof of the receipt at key `rlp(txIndex)` against the header's `receiptsRoot`. */
  receiptProof: Hex[]
  /** Index of the Dispatch log within the receipt's logs (not the block-wide log index). */
  logIndex: number
  /** keccak256(message): the message id. */
  id: Hex
  /** The canonical message encoding. */
  message: Hex
  finality: EvmFinalityEvidence
}

export interface BuildEvmReceiptBundleOptions {
  chain: ChainRef
  chainId: bigint
  bridge: Hex
  header: EvmRpcHeader
  /** Every receipt of the block, in transaction order. */
  receipts: readonly EvmRpcReceipt[]
  txIndex: number
  /** Index of the Dispatch log within the receipt. */
  logIndex: number
  finality: EvmFinalityEvidence
  /** The block's receipts trie from `buildReceiptTrie(receipts)`, when several bundles of one block are built. */
  receiptsTrie?: ReceiptTrie
}

/** A block's receipts trie built once: its root and the proof of any transaction index. */
export interface ReceiptTrie {
  root: Hex
  proofOf(txIndex: number): Hex[]
}

export interface VerifyEvmReceiptBundleOptions {
  /** The bridge address the caller trusts for this chain; the bundle's must equal it. */
  bridge?: Hex
  chainId?: bigint
  /** A block hash the caller saw finalized itself; the bundle's block must be exactly this one. */
  trustedBlockHash?: Hex
}

/** What a valid `evm-receipt` bundle proves. */
export interface VerifyEvmReceiptBundleResult {
  id: Hex
  message: Message
  chain: ChainRef
  chainId: bigint
  blockNumber: bigint
  blockHash: Hex
  bridge: Hex
  txIndex: number
  logIndex: number
}
