import { BundleInvalidError } from '../../errors.js'
import { blake2_256, concatBytes, hexToBytes, toHex } from './bytes.js'
import { encodeCompact } from './scale.js'
import type { SubstrateRpcHeader } from './types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/

const field = (v: unknown, name: string, bytes?: number): Uint8Array => {
  if (typeof v !== 'string' || !HEX_RE.test(v) || (bytes !== undefined && v.length !== 2 + 2 * bytes)) {
    throw new BundleInvalidError({ field: name, expected: bytes === undefined ? '0x hex' : `0x hex of ${bytes} bytes` })
  }
  return hexToBytes(v)
}

const blockNumber = (v: unknown): number => {
  const n =
    typeof v === 'string' && /^(?:0x[0-9a-fA-F]+|[0-9]+)$/.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new BundleInvalidError({ field: 'number', expected: 'a u32 block number' })
  }
  return n
}

/**
 * SCALE encoding of a header from its JSON-RPC fields (`chain_getHeader`; digest logs are SCALE hex).
 * @throws BundleInvalidError naming the malformed field
 */
export const encodeSubstrateHeader = (h: SubstrateRpcHeader): Uint8Array => {
  const logs = h.digest?.logs
  if (!Array.isArray(logs)) throw new BundleInvalidError({ field: 'digest.logs', expected: 'an array of 0x hex' })
  return concatBytes([
    field(h.parentHash, 'parentHash', 32),
    encodeCompact(blockNumber(h.number)),
    field(h.stateRoot, 'stateRoot', 32),
    field(h.extrinsicsRoot, 'extrinsicsRoot', 32),
    encodeCompact(logs.length),
    ...logs.map((l, i) => field(l, `digest.logs[${i}]`)),
  ])
}

/**
 * The block hash of a header given as JSON-RPC fields: blake2-256 of its SCALE encoding.
 * @throws BundleInvalidError naming the malformed field
 */
export const hashSubstrateHeader = (h: SubstrateRpcHeader | Uint8Array): `0x${string}` =>
  toHex(blake2_256(h instanceof Uint8Array ? h : encodeSubstrateHeader(h)))
