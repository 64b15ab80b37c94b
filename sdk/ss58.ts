import { blake2b } from '@noble/hashes/blake2.js'
import { decodeBase58, getBytes, hexlify, toBeHex } from 'ethers'
import type { Hex } from './types.js'

const SS58_PREFIX = new TextEncoder().encode('SS58PRE')

/**
 * The AccountId32 of an SS58 address (any network prefix), checksum verified; undefined when `address`
 * is not one. Browser-safe (base58 from ethers, blake2b from @noble/hashes).
 */
export const ss58ToAccountId = (address: string): Hex | undefined => {
  if (!/^[1-9A-HJ-NP-Za-km-z]{40,52}$/.test(address)) return undefined
  let bytes: Uint8Array
  try {
    const n = decodeBase58(address)
    const leadingZeros = address.match(/^1*/)![0].length
    bytes = new Uint8Array([...new Uint8Array(leadingZeros), ...(n === 0n ? [] : getBytes(toBeHex(n)))])
  } catch {
    return undefined
  }
  const prefixLen = bytes.length > 0 && (bytes[0]! & 0x40) !== 0 ? 2 : 1
  if (bytes.length !== prefixLen + 32 + 2) return undefined
  const body = bytes.subarray(0, prefixLen + 32)
  const sum = blake2b(new Uint8Array([...SS58_PREFIX, ...body]), { dkLen: 64 })
  if (sum[0] !== bytes[prefixLen + 32] || sum[1] !== bytes[prefixLen + 33]) return undefined
  return hexlify(body.subarray(prefixLen)) as Hex
}
