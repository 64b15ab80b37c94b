import { InvalidProofError } from '../../errors.js'
import { blockHeaderBytes } from './blockHeaderBytes.js'
import type { MspTrust } from './createMspTrust.js'
import { decodeIdentity } from './decodeEndorserTransaction.js'
import { bytesOf, listOf, readProto } from './readProto.js'
import type { FabricBlock } from './types.js'
import { verifyP256Signature } from './verifyP256Signature.js'

const METADATA = { 1: { kind: 'bytes' }, 2: { kind: 'bytes', repeated: true } } as const
const METADATA_SIGNATURE = { 1: { kind: 'bytes' }, 2: { kind: 'bytes' }, 3: { kind: 'bytes' } } as const
const SIGNATURE_HEADER = { 1: { kind: 'bytes' }, 2: { kind: 'bytes' } } as const

/** `common.BlockMetadataIndex.SIGNATURES`. */
export const SIGNATURES_INDEX = 0

export interface VerifyOrdererSignaturesOptions {
  trust: MspTrust
  ordererMspIds: readonly string[]
  /** Distinct valid signers required. */
  minSigners: number
  /** The time the signer certificates must be valid at. */
  atMs: number
}

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts)

/**
 * Verify the orderer signatures in block metadata SIGNATURES (`protoutil.BlockSignatureVerifier`):
 * each `MetadataSignature` is ECDSA over `Metadata.value ‖ signature_header ‖ blockHeaderBytes`, by the
 * creator certificate in its `SignatureHeader`, which must belong to an orderer MSP and chain to its
 * roots. Every signature present must verify; at least `minSigners` distinct certificates must sign.
 * A BFT signature that names its consenter by `identifier_header` instead of a signature header needs
 * the channel's consenter set, which a bundle does not carry: it is refused (UNKNOWN_AUTHORITY).
 * @returns the number of distinct valid signers
 * @throws InvalidProofError QUORUM_NOT_MET, SIGNATURE_INVALID, UNKNOWN_AUTHORITY, CERT_CHAIN_INVALID,
 *   MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const verifyOrdererSignatures = (block: FabricBlock, o: VerifyOrdererSignaturesOptions): number => {
  const raw = block.metadata[SIGNATURES_INDEX]
  const md = readProto(raw ?? new Uint8Array(0), METADATA, 'BlockMetadata[SIGNATURES]')
  const value = bytesOf(md, 1)
  const header = blockHeaderBytes(block)
  const signers = new Set<string>()
  listOf(md, 2).forEach((entry, i) => {
    const who = `orderer signature ${i}`
    const ms = readProto(entry, METADATA_SIGNATURE, `MetadataSignature[${i}]`)
    const sigHeader = bytesOf(ms, 1)
    if (sigHeader.length === 0) {
      throw new InvalidProofError({
        reason: 'UNKNOWN_AUTHORITY',
        detail: `fabric-block: ${who} names its signer by consenter id (BFT), which needs the consenter set`,
      })
    }
    const sh = readProto(sigHeader, SIGNATURE_HEADER, `MetadataSignature[${i}].signature_header`)
    const creator = decodeIdentity(bytesOf(sh, 1), `MetadataSignature[${i}].creator`)
    if (!o.ordererMspIds.includes(creator.mspId)) {
      throw new InvalidProofError({
        reason: 'UNKNOWN_AUTHORITY',
        detail: `fabric-block: ${who} is by MSP ${JSON.stringify(creator.mspId)}, not an orderer MSP`,
        meta: { mspId: creator.mspId },
      })
    }
    const key = o.trust.signingKey(creator.mspId, creator.idBytes, o.atMs, who)
    verifyP256Signature(key, concat([value, sigHeader, header]), bytesOf(ms, 2), who)
    signers.add(`${creator.mspId}\u0000${Buffer.from(creator.idBytes).toString('latin1')}`)
  })
  if (signers.size < o.minSigners) {
    throw new InvalidProofError({
      reason: 'QUORUM_NOT_MET',
      detail: `fabric-block: ${signers.size} valid orderer signature(s), ${o.minSigners} required`,
      meta: { signers: signers.size, required: o.minSigners },
    })
  }
  return signers.size
}
