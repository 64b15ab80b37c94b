import type { EvmRpcHeader } from '../../proofs/index.js'
import type { Hex } from '../../types.js'

/** A log as eth_getLogs / receipts return it. */
export interface RpcLog {
  address: Hex
  topics: Hex[]
  data: Hex
  blockNumber: Hex
  blockHash: Hex
  transactionHash: Hex
  transactionIndex: Hex
  logIndex: Hex
  removed?: boolean
}

/**
 * A block as eth_getBlockByNumber(n, false) returns it: the header fields `proofs/` hashes, a
 * hash that is always present here, and the transaction hashes.
 */
export interface RpcBlock extends EvmRpcHeader {
  hash: Hex
  transactions: Hex[]
}

/** A receipt as eth_getTransactionReceipt / eth_getBlockReceipts return it. */
export interface RpcReceipt {
  type?: Hex | null
  status?: Hex | null
  root?: Hex | null
  cumulativeGasUsed: Hex
  gasUsed: Hex
  logsBloom: Hex
  logs: RpcLog[]
  transactionHash: Hex
  transactionIndex: Hex
  blockHash: Hex
  blockNumber: Hex
  from?: Hex
  to?: Hex | null
  effectiveGasPrice?: Hex
}

/** A transaction as eth_getTransactionByHash returns it (fields the adapter reads). */
export interface RpcTransaction {
  hash: Hex
  nonce: Hex
  blockNumber: Hex | null
  blockHash: Hex | null
}

export const toQuantity = (n: bigint | number): Hex => `0x${BigInt(n).toString(16)}`
