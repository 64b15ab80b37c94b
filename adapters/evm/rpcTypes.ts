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

/** A block as eth_getBlockByNumber(n, false) returns it: header fields plus transaction hashes. */
export interface RpcBlock {
  number: Hex
  hash: Hex
  parentHash: Hex
  sha3Uncles: Hex
  miner: Hex
  stateRoot: Hex
  transactionsRoot: Hex
  receiptsRoot: Hex
  logsBloom: Hex
  difficulty: Hex
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
