import { AbiCoder, getAddress } from 'ethers'
import {
  buildEvmReceiptBundle,
  buildReceiptProof,
  DISPATCH_TOPIC,
  type EvmReceiptBundle,
  type EvmRpcHeader,
  type EvmRpcLog,
  type EvmRpcReceipt,
} from '../../../proofs/index.js'
import { encodeMessage, messageId } from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { edr } from './fixtures.js'

export const BRIDGE = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
export const OTHER = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' as Hex
export const CHAIN_ID = 31337n
const BLOOM = `0x${'00'.repeat(256)}` as Hex

export const word = (v: bigint | number): Hex => `0x${BigInt(v).toString(16).padStart(64, '0')}`

export const MESSAGE: Message = {
  version: 1,
  nonce: 7n,
  origin: 31337,
  sender: word(BigInt(getAddress('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'))),
  destination: 2,
  recipient: word(BigInt('0x70997970c51812dc3a010c7d01b50e0d17dc79c8')),
  body: '0x00c0ffee',
}

/** A log shaped exactly like the bridge's `Dispatch(id, destination, nonce, message)`. */
export const dispatchLog = (m: Message = MESSAGE, address: Hex = BRIDGE): EvmRpcLog => ({
  address,
  topics: [DISPATCH_TOPIC, messageId(m), word(m.destination), word(m.nonce)],
  data: AbiCoder.defaultAbiCoder().encode(['bytes'], [encodeMessage(m)]) as Hex,
})

export const otherLog: EvmRpcLog = { address: OTHER, topics: [word(1)], data: '0x' }

export const receipt = (logs: EvmRpcLog[], over: Partial<EvmRpcReceipt> = {}, gas = 21000): EvmRpcReceipt => ({
  type: '0x2',
  status: '0x1',
  cumulativeGasUsed: `0x${gas.toString(16)}`,
  logsBloom: BLOOM,
  logs,
  ...over,
})

/** A Prague-shaped header (from the EDR block) whose receiptsRoot commits to `receipts`. */
export const blockOf = (receipts: EvmRpcReceipt[]): { header: EvmRpcHeader; receipts: EvmRpcReceipt[] } => {
  const { hash: _, ...fields } = edr.header
  return { header: { ...fields, receiptsRoot: buildReceiptProof(receipts, 0).root }, receipts }
}

/** A block of three receipts: a transfer, then the Dispatch transaction (`target`), then another. */
export const syntheticBundle = (
  target: EvmRpcReceipt = receipt([otherLog, dispatchLog()], {}, 60000),
  logIndex = 1,
): EvmReceiptBundle => {
  const { header, receipts } = blockOf([receipt([]), target, receipt([otherLog], {}, 90000)])
  return buildEvmReceiptBundle({
    chain: 'evm:31337',
    chainId: CHAIN_ID,
    bridge: BRIDGE,
    header,
    receipts,
    txIndex: 1,
    logIndex,
    finality: {
      mode: 'confirmations',
      confirmations: 3,
      observedHeadNumber: (BigInt(header.number) + 2n).toString(),
      observedHeadHash: word(99),
    },
  })
}
