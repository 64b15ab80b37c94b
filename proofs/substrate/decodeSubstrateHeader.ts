import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { blake2_256, toHex } from './bytes.js'
import { createScaleReader, type ScaleReader } from './scale.js'
import type { SubstrateDigestItem, SubstrateHeader } from './types.js'

const U32_MAX = 0xffffffff

const digestItem = (r: ScaleReader, what: string): SubstrateDigestItem => {
  const kind = r.u8()
  switch (kind) {
    case 4: // Consensus
    case 5: // Seal
    case 6: // PreRuntime
      return { kind, engine: toHex(r.bytes(4)), data: toHex(r.vecU8()) }
    case 0: // Other
      return { kind, engine: null, data: toHex(r.vecU8()) }
    case 8: // RuntimeEnvironmentUpdated
      return { kind, engine: null, data: '0x' }
    default:
      throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${what}: unknown digest item ${kind}` })
  }
}

/**
 * Read one SCALE header (`Header<u32, BlakeTwo256>`) at the reader's position; its hash is the
 * blake2-256 of exactly the bytes read.
 */
export const readSubstrateHeader = (r: ScaleReader, source: Uint8Array, what: string): SubstrateHeader => {
  const start = r.offset
  const parentHash = toHex(r.bytes(32))
  const number = r.compact()
  if (number > U32_MAX) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `${what}: block number ${number} exceeds u32` })
  }
  const stateRoot = toHex(r.bytes(32))
  const extrinsicsRoot = toHex(r.bytes(32))
  const n = r.vecLength(1)
  const digest: SubstrateDigestItem[] = []
  for (let i = 0; i < n; i++) digest.push(digestItem(r, what))
  const hash: Hex = toHex(blake2_256(source.subarray(start, r.offset)))
  return { hash, parentHash, number: BigInt(number), stateRoot, extrinsicsRoot, digest }
}

/**
 * Decode a SCALE-encoded Substrate header and hash it (blake2-256 of the encoding = the block hash).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeSubstrateHeader = (header: Uint8Array, what = 'header'): SubstrateHeader => {
  const r = createScaleReader(header, what)
  const h = readSubstrateHeader(r, header, what)
  r.end()
  return h
}
