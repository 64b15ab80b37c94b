import { MessageInvalidError } from '../errors.js'
import type { Hex } from '../types.js'
import { fixedHex } from './bytes.js'

/** An EVM address left-padded to bytes32 (DESIGN.md sender/recipient convention). */
export const addressToBytes32 = (address: string): Hex => {
  const a = fixedHex(address.toLowerCase(), 'address', 20)
  return `0x${'00'.repeat(12)}${Buffer.from(a).toString('hex')}` as Hex
}

/**
 * The EVM address inside a bytes32; the upper 12 bytes must be zero.
 * @throws MessageInvalidError
 */
export const bytes32ToAddress = (value: Hex, field = 'address'): Hex => {
  const b = fixedHex(value, field, 32)
  if (b.subarray(0, 12).some((x) => x !== 0)) {
    throw new MessageInvalidError({ field, expected: 'an EVM address left-padded with 12 zero bytes', got: value })
  }
  return `0x${Buffer.from(b.subarray(12)).toString('hex')}` as Hex
}
