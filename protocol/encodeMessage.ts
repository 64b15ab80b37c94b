import { keccak256 } from 'ethers'
import { BodyTooLargeError, MessageInvalidError, UnsupportedVersionError } from '../errors.js'
import type { Hex, Message } from '../types.js'
import { bytesToHex, checkUint, fixedHex, hexToBytes, readUint, writeUint } from './bytes.js'

/** The only message version this code speaks. */
export const MESSAGE_VERSION = 1
/** Maximum body length (DESIGN.md: at most 64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024
/** version(1) nonce(8) origin(4) sender(32) destination(4) recipient(32). */
export const MESSAGE_HEADER_BYTES = 81

/**
 * Canonical packed encoding of a message (`abi.encodePacked` of its fields in order).
 * @throws MessageInvalidError, BodyTooLargeError, UnsupportedVersionError
 */
export const encodeMessage = (m: Message): Uint8Array => {
  const version = Number(checkUint(m.version, 'version', 8))
  if (version !== MESSAGE_VERSION) throw new UnsupportedVersionError({ version, supported: [MESSAGE_VERSION] })
  const nonce = checkUint(m.nonce, 'nonce', 64)
  const origin = checkUint(m.origin, 'origin', 32)
  const destination = checkUint(m.destination, 'destination', 32)
  const sender = fixedHex(m.sender, 'sender', 32)
  const recipient = fixedHex(m.recipient, 'recipient', 32)
  const body = hexToBytes(m.body, 'body')
  if (body.length > MAX_BODY_BYTES) throw new BodyTooLargeError({ sizeBytes: body.length, maxBytes: MAX_BODY_BYTES })
  const out = new Uint8Array(MESSAGE_HEADER_BYTES + body.length)
  out[0] = version
  writeUint(out, 1, 8, nonce)
  writeUint(out, 9, 4, origin)
  out.set(sender, 13)
  writeUint(out, 45, 4, destination)
  out.set(recipient, 49)
  out.set(body, MESSAGE_HEADER_BYTES)
  return out
}

/**
 * Strict inverse of `encodeMessage`: any byte string it accepts re-encodes to itself.
 * @throws MessageInvalidError, BodyTooLargeError, UnsupportedVersionError
 */
export const decodeMessage = (encoded: Uint8Array | Hex): Message => {
  const b = typeof encoded === 'string' ? hexToBytes(encoded, 'message') : encoded
  if (b.length < MESSAGE_HEADER_BYTES) {
    throw new MessageInvalidError({
      field: 'message',
      expected: `at least ${MESSAGE_HEADER_BYTES} bytes`,
      got: `${b.length} bytes`,
    })
  }
  if (b[0] !== MESSAGE_VERSION) throw new UnsupportedVersionError({ version: b[0]!, supported: [MESSAGE_VERSION] })
  const bodyLen = b.length - MESSAGE_HEADER_BYTES
  if (bodyLen > MAX_BODY_BYTES) throw new BodyTooLargeError({ sizeBytes: bodyLen, maxBytes: MAX_BODY_BYTES })
  return {
    version: b[0]!,
    nonce: readUint(b, 1, 8),
    origin: Number(readUint(b, 9, 4)),
    sender: bytesToHex(b.subarray(13, 45)),
    destination: Number(readUint(b, 45, 4)),
    recipient: bytesToHex(b.subarray(49, 81)),
    body: bytesToHex(b.subarray(MESSAGE_HEADER_BYTES)),
  }
}

/** `keccak256(encodeMessage(m))`, the message id every side agrees on. */
export const messageId = (m: Message): Hex => keccak256(encodeMessage(m)) as Hex

/** Id of an already-encoded message. */
export const messageIdOfEncoded = (encoded: Uint8Array): Hex => keccak256(encoded) as Hex
