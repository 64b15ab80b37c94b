import { readFileSync } from 'node:fs'
import type { EvmRpcHeader, EvmRpcReceipt } from '../../../proofs/index.js'
import type { Hex } from '../../../types.js'

const read = <T>(path: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/ethereum/${path}`, import.meta.url), 'utf8')) as T

/** Ethereum mainnet block 11408438: 15-field header, 130 legacy receipts. */
export const mainnet = {
  header: read<EvmRpcHeader & { hash: Hex }>('mainnet-11408438/header.json'),
  receipts: read<EvmRpcReceipt[]>('mainnet-11408438/receipts.json'),
}

interface SepoliaFile {
  execution: { block: EvmRpcHeader & { hash: Hex } }
  dependentRequests: {
    response: {
      result: { address: Hex; accountProof: Hex[]; nonce: Hex; balance: Hex; storageHash: Hex; codeHash: Hex }
    }
  }[]
}
const sepoliaFile = read<SepoliaFile>('sepolia-3445383/eth_getBalance_contract.json')

/** Sepolia block 3445383 (Shanghai) and one eth_getProof account proof against its stateRoot. */
export const sepolia = {
  header: sepoliaFile.execution.block,
  account: sepoliaFile.dependentRequests[0]!.response.result,
}

/** A Prague block mined by EDR: receipts of types 0x0, 0x1, 0x2 (transfer), 0x2, 0x2 (reverted), 0x4. */
export const edr = read<{
  emitter: Hex
  delegated: Hex
  header: EvmRpcHeader & { hash: Hex }
  receipts: (EvmRpcReceipt & { logs: { address: Hex; topics: Hex[]; data: Hex }[] })[]
}>('edr-prague/block.json')
