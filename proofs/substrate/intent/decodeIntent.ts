import { InvalidProofError } from '../../../errors.js'
import { bytesToHex, decodeBody } from '../../../protocol/index.js'
import type { DecodedBody, Hex } from '../../../types.js'
import { INTENT_PREFIX } from './constants.js'

export interface DecodedIntent {
  destination: number
  recipient: Hex
  body: Hex
  decodedBody: DecodedBody
}

const HEAD = INTENT_PREFIX.length + 4 + 32

/** Whether a remark starts with the intent prefix (other remarks are not Isthmus messages). */
export const isIntentRemark = (remark: Uint8Array): boolean =>
  remark.length >= INTENT_PREFIX.length && INTENT_PREFIX.every((b, i) => remark[i] === b)

/**
 * Encode an intent remark: utf8 "ISTHMUS/v1:intent" ‖ uint32 destination (BE) ‖ bytes32 recipient ‖ body.
 * @throws MessageInvalidError for a malformed body
 */
export const encodeIntent = (p: { destination: number; recipient: Hex; body: Hex }): Hex => {
  decodeBody(p.body)
  const recipient = p.recipient.slice(2).padStart(64, '0')
  const dest = p.destination.toString(16).padStart(8, '0')
  return `${bytesToHex(INTENT_PREFIX)}${dest}${recipient}${p.body.slice(2)}` as Hex
}

/**
 * Decode an intent remark (the canonical body is checked: kind byte, token body length).
 * @throws InvalidProofError MALFORMED_ENCODING
 */
export const decodeIntent = (remark: Uint8Array): DecodedIntent => {
  if (!isIntentRemark(remark) || remark.length <= HEAD) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: 'not an Isthmus intent remark' })
  }
  const destination = new DataView(remark.buffer, remark.byteOffset).getUint32(INTENT_PREFIX.length)
  const recipient = bytesToHex(remark.subarray(INTENT_PREFIX.length + 4, HEAD))
  const body = bytesToHex(remark.subarray(HEAD))
  let decodedBody: DecodedBody
  try {
    decodedBody = decodeBody(body)
  } catch (cause) {
    throw new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: 'the intent body is not canonical', cause })
  }
  return { destination, recipient, body, decodedBody }
}
