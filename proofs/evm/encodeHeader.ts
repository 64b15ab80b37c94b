import { BundleInvalidError } from '../../errors.js'
import { encodeRlp } from './encodeRlp.js'
import { rpcData, rpcQuantity } from './rpcFields.js'
import type { EvmRpcHeader } from './types.js'

type Kind = 'hash' | 'address' | 'bloom' | 'quantity' | 'data' | 'nonce'

/** The header fields in RLP order (Yellow Paper §4.3, then one or more per fork). */
const BASE: readonly (readonly [keyof EvmRpcHeader, Kind])[] = [
  ['parentHash', 'hash'],
  ['sha3Uncles', 'hash'],
  ['miner', 'address'],
  ['stateRoot', 'hash'],
  ['transactionsRoot', 'hash'],
  ['receiptsRoot', 'hash'],
  ['logsBloom', 'bloom'],
  ['difficulty', 'quantity'],
  ['number', 'quantity'],
  ['gasLimit', 'quantity'],
  ['gasUsed', 'quantity'],
  ['timestamp', 'quantity'],
  ['extraData', 'data'],
  ['mixHash', 'hash'],
  ['nonce', 'nonce'],
]

/** London (EIP-1559), Shanghai (EIP-4895), Cancun (EIP-4844, EIP-4788), Prague (EIP-7685). */
const FORK_FIELDS: readonly (readonly [keyof EvmRpcHeader, Kind])[] = [
  ['baseFeePerGas', 'quantity'],
  ['withdrawalsRoot', 'hash'],
  ['blobGasUsed', 'quantity'],
  ['excessBlobGas', 'quantity'],
  ['parentBeaconBlockRoot', 'hash'],
  ['requestsHash', 'hash'],
]

const SIZES: Record<Exclude<Kind, 'quantity' | 'data'>, number> = { hash: 32, address: 20, bloom: 256, nonce: 8 }

const encodeField = (h: EvmRpcHeader, name: keyof EvmRpcHeader, kind: Kind): Uint8Array => {
  const field = `header.${name}`
  if (kind === 'quantity') return rpcQuantity(h[name], field)
  return rpcData(h[name], field, kind === 'data' ? undefined : SIZES[kind])
}

/**
 * RLP of a block header from its JSON-RPC fields, for every fork from Frontier to Prague: fork
 * fields are included while present and must be present without gaps (a later one implies the
 * earlier ones).
 * @throws BundleInvalidError naming the missing or malformed field
 */
export const encodeHeader = (h: EvmRpcHeader): Uint8Array => {
  if (typeof h !== 'object' || h === null)
    throw new BundleInvalidError({ field: 'header', expected: 'a header object' })
  const fields = BASE.map(([name, kind]) => encodeField(h, name, kind))
  const present = FORK_FIELDS.map(([name]) => h[name] !== undefined && h[name] !== null)
  const count = present.lastIndexOf(true) + 1
  for (let i = 0; i < count; i++) {
    const [name, kind] = FORK_FIELDS[i]!
    if (!present[i])
      throw new BundleInvalidError({ field: `header.${name}`, expected: 'present, since a later fork field is' })
    fields.push(encodeField(h, name, kind))
  }
  return encodeRlp(fields)
}
