import { id as eventTopic } from 'ethers'
import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'

/** topic0 of `event Dispatch(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message)`. */
export const DISPATCH_TOPIC = eventTopic('Dispatch(bytes32,uint32,uint64,bytes)') as Hex

const malformed = (detail: string) =>
  new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `Dispatch data: ${detail}` })

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0)

/**
 * The `bytes message` of a Dispatch log's data, strictly ABI-decoded: offset 0x20, a length word,
 * the bytes, zero padding to a 32-byte boundary, nothing after.
 * @throws InvalidProofError MALFORMED_ENCODING
 */
export const decodeDispatchData = (data: Uint8Array): Uint8Array => {
  if (data.length < 64 || data.length % 32 !== 0)
    throw malformed(`${data.length} bytes is not a whole number of words ≥ 2`)
  if (!isZero(data.subarray(0, 31)) || data[31] !== 0x20) throw malformed('offset word is not 0x20')
  if (!isZero(data.subarray(32, 60))) throw malformed('length word is too large')
  const len = Buffer.from(data.buffer, data.byteOffset + 60, 4).readUInt32BE(0)
  const padded = Math.ceil(len / 32) * 32
  if (data.length !== 64 + padded) throw malformed(`length ${len} does not match ${data.length - 64} bytes of content`)
  if (!isZero(data.subarray(64 + len))) throw malformed('non-zero padding')
  return data.subarray(64, 64 + len)
}
