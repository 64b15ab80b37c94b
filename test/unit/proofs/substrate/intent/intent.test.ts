import { assetIdOf as contractsAssetIdOf } from '../../../../../contracts/deploy.js'
import { type InvalidProofError, MessageInvalidError } from '../../../../../errors.js'
import {
  assetIdOf,
  INTENT_PREFIX,
  SUBSTRATE_NATIVE_HOME_TOKEN,
  substrateNativeAssetId,
  substratePalletAssetId,
} from '../../../../../proofs/substrate/intent/constants.js'
import { decodeIntent, encodeIntent, isIntentRemark } from '../../../../../proofs/substrate/intent/decodeIntent.js'
import { deriveSubstrateMessage } from '../../../../../proofs/substrate/intent/deriveSubstrateMessage.js'
import { metadataHash, registryOf } from '../../../../../proofs/substrate/intent/metadataRegistry.js'
import { bytesToHex, encodeAppBody, encodeTokenTransferBody, hexToBytes } from '../../../../../protocol/index.js'
import type { Hex } from '../../../../../types.js'
import { thrown } from '../../../../harness/thrown.js'

const RECIPIENT: Hex = `0x${'00'.repeat(12)}${'ab'.repeat(20)}`

describe('Substrate outbound intents (pure)', () => {
  it('encodes utf8 "ISTHMUS/v1:intent" ‖ uint32 destination ‖ bytes32 recipient ‖ body, and decodes it back', () => {
    const body = encodeAppBody('0xc0ffee')
    const intent = encodeIntent({ destination: 0x01020304, recipient: RECIPIENT, body })
    const bytes = hexToBytes(intent, 'intent')
    expect(new TextDecoder().decode(bytes.subarray(0, 17))).toBe('ISTHMUS/v1:intent')
    expect(INTENT_PREFIX).toHaveLength(17)
    expect(bytesToHex(bytes.subarray(17, 21))).toBe('0x01020304')
    expect(bytesToHex(bytes.subarray(21, 53))).toBe(RECIPIENT)
    expect(isIntentRemark(bytes)).toBe(true)
    expect(decodeIntent(bytes)).toEqual({
      destination: 0x01020304,
      recipient: RECIPIENT,
      body,
      decodedBody: { kind: 'app', payload: '0xc0ffee' },
    })
  })

  it('refuses remarks that are not intents or carry a non-canonical body', () => {
    expect(isIntentRemark(new TextEncoder().encode('hello'))).toBe(false)
    const reasonOf = (b: Uint8Array) => (thrown(() => decodeIntent(b)) as InvalidProofError).reason
    expect(reasonOf(new TextEncoder().encode('ISTHMUS/v1:intent'))).toBe('MALFORMED_ENCODING')
    const token = hexToBytes(
      encodeIntent({
        destination: 1,
        recipient: RECIPIENT,
        body: encodeTokenTransferBody({ asset: `0x${'11'.repeat(32)}`, amount: 5n, beneficiary: RECIPIENT }),
      }),
      'intent',
    )
    expect(decodeIntent(token).decodedBody.kind).toBe('tokenTransfer')
    expect(reasonOf(token.subarray(0, token.length - 1))).toBe('MALFORMED_ENCODING') // 96-byte token body
    const unknownKind = Uint8Array.from(token)
    unknownKind[53] = 7
    expect(reasonOf(unknownKind)).toBe('MALFORMED_ENCODING')
    expect(thrown(() => encodeIntent({ destination: 1, recipient: RECIPIENT, body: '0x07' }))).toBeInstanceOf(
      MessageInvalidError,
    )
  })

  it('asset ids follow the EVM bridge rule (native = keccak256("ISTHMUS/substrate-native"), pallet asset = uint256 id)', () => {
    expect(assetIdOf(3, SUBSTRATE_NATIVE_HOME_TOKEN)).toBe(
      contractsAssetIdOf(3, SUBSTRATE_NATIVE_HOME_TOKEN).toLowerCase(),
    )
    expect(substrateNativeAssetId(3)).toBe(assetIdOf(3, SUBSTRATE_NATIVE_HOME_TOKEN))
    expect(substratePalletAssetId(3, 1984n)).toBe(
      contractsAssetIdOf(3, `0x${(1984).toString(16).padStart(64, '0')}`).toLowerCase(),
    )
    expect(substratePalletAssetId(3, 1984n)).not.toBe(substratePalletAssetId(4, 1984n))
  })

  it('refuses a message derivation without trusted metadata, and undecodable metadata', () => {
    const input = {
      specVersion: 900,
      blockNumber: 1n,
      extrinsicIndex: 0,
      extrinsic: '0x00' as Hex,
      events: '0x00' as Hex,
    }
    const trust = { domain: 3, committeeAccount: `0x${'22'.repeat(32)}` as Hex, metadata: {} }
    const e = thrown(() => deriveSubstrateMessage(input, trust)) as InvalidProofError
    expect(e.reason).toBe('MALFORMED_ENCODING')
    expect(e.message).toContain('no trusted metadata for spec version 900')
    const big = thrown(() =>
      deriveSubstrateMessage({ ...input, blockNumber: 2n ** 32n }, { ...trust, metadata: { 900: '0x00' } }),
    )
    expect((big as InvalidProofError).reason).toBe('MALFORMED_ENCODING')
    expect((thrown(() => registryOf('0x6d657461') /* "meta" only */) as InvalidProofError).reason).toBe(
      'MALFORMED_ENCODING',
    )
    expect(metadataHash('0x00')).toMatch(/^0x[0-9a-f]{64}$/)
  })
})
