import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { MessageInvalidError } from '../errors.js'
import type { Hex } from '../types.js'
import { bytesToHex } from './bytes.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

/**
 * The bytes32 identity of a Fabric bridge chaincode: `keccak256(utf8(channel) ‖ 0x00 ‖ utf8(chaincode))`.
 * The zero byte cannot occur in either name, so no two (channel, chaincode) pairs share a ref.
 * @throws MessageInvalidError for an empty name or one containing a zero byte
 */
export const fabricBridgeRef = (channel: string, chaincode: string): Hex => {
  for (const [field, v] of [
    ['channel', channel],
    ['chaincode', chaincode],
  ] as const) {
    if (v.length === 0 || v.includes('\0'))
      throw new MessageInvalidError({ field, expected: 'a non-empty name without NUL', got: JSON.stringify(v) })
  }
  const c = utf8(channel)
  const n = utf8(chaincode)
  const out = new Uint8Array(c.length + 1 + n.length)
  out.set(c, 0)
  out.set(n, c.length + 1)
  return bytesToHex(keccak_256(out))
}

/**
 * The bytes32 sender/recipient of a Fabric client identity: `sha256(utf8(mspId) ‖ certPEM bytes)`.
 * The PEM is taken byte for byte as the identity presents it (the creator's `id_bytes`).
 */
export const fabricIdentityOf = (mspId: string, certPem: string | Uint8Array): Hex => {
  const m = utf8(mspId)
  const c = typeof certPem === 'string' ? utf8(certPem) : certPem
  const out = new Uint8Array(m.length + c.length)
  out.set(m, 0)
  out.set(c, m.length)
  return bytesToHex(sha256(out))
}
