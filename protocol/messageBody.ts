import { MessageInvalidError } from '../errors.js'
import { BODY_KIND, type DecodedBody, type Hex } from '../types.js'
import { bytesToHex, checkUint, fixedHex, hexToBytes, readUint, writeUint } from './bytes.js'
import { MAX_BODY_BYTES } from './encodeMessage.js'

/** kind(1) asset(32) amount(32) beneficiary(32). */
export const TOKEN_TRANSFER_BODY_BYTES = 97

/** Body of kind 1 (token transfer). */
export const encodeTokenTransferBody = (p: { asset: Hex; amount: bigint; beneficiary: Hex }): Hex => {
  const out = new Uint8Array(TOKEN_TRANSFER_BODY_BYTES)
  out[0] = BODY_KIND.tokenTransfer
  out.set(fixedHex(p.asset, 'body.asset', 32), 1)
  writeUint(out, 33, 32, checkUint(p.amount, 'body.amount', 256))
  out.set(fixedHex(p.beneficiary, 'body.beneficiary', 32), 65)
  return bytesToHex(out)
}

/** Body of kind 0 (application message): the kind byte then the payload. */
export const encodeAppBody = (payload: Hex): Hex => {
  const p = hexToBytes(payload, 'body.payload')
  if (p.length + 1 > MAX_BODY_BYTES) {
    throw new MessageInvalidError({
      field: 'body.payload',
      expected: `at most ${MAX_BODY_BYTES - 1} bytes`,
      got: `${p.length} bytes`,
    })
  }
  const out = new Uint8Array(p.length + 1)
  out[0] = BODY_KIND.app
  out.set(p, 1)
  return bytesToHex(out)
}

/**
 * Interpret a body by its kind byte; unknown kinds and wrong lengths are refused (BI-43).
 * @throws MessageInvalidError
 */
export const decodeBody = (body: Hex): DecodedBody => {
  const b = hexToBytes(body, 'body')
  if (b.length === 0) throw new MessageInvalidError({ field: 'body', expected: 'a kind byte', got: 'an empty body' })
  if (b[0] === BODY_KIND.app) return { kind: 'app', payload: bytesToHex(b.subarray(1)) }
  if (b[0] === BODY_KIND.tokenTransfer) {
    if (b.length !== TOKEN_TRANSFER_BODY_BYTES) {
      throw new MessageInvalidError({
        field: 'body',
        expected: `${TOKEN_TRANSFER_BODY_BYTES} bytes for a token transfer`,
        got: `${b.length} bytes`,
      })
    }
    return {
      kind: 'tokenTransfer',
      asset: bytesToHex(b.subarray(1, 33)),
      amount: readUint(b, 33, 32),
      beneficiary: bytesToHex(b.subarray(65, 97)),
    }
  }
  throw new MessageInvalidError({
    field: 'body[0]',
    expected: 'body kind 0 (app) or 1 (token transfer)',
    got: String(b[0]),
  })
}
