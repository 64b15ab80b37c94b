/**
 * The wire protocol every side shares: message codec, body kinds, attestation digest.
 * Pure functions, no I/O.
 */
export { addressToBytes32, bytes32ToAddress } from './addressing.js'
export { ATTESTATION_TAG, attestationDigest, evmBridgeRef } from './attestationDigest.js'
export { bytesToHex, hexToBytes } from './bytes.js'
export {
  decodeMessage,
  encodeMessage,
  MAX_BODY_BYTES,
  MESSAGE_HEADER_BYTES,
  MESSAGE_VERSION,
  messageId,
  messageIdOfEncoded,
} from './encodeMessage.js'
export { fabricBridgeRef, fabricIdentityOf } from './fabricBridgeRef.js'
export { decodeBody, encodeAppBody, encodeTokenTransferBody, TOKEN_TRANSFER_BODY_BYTES } from './messageBody.js'
export { substrateBridgeRef } from './substrateBridgeRef.js'
