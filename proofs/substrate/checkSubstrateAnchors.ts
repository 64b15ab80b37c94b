import { InvalidProofError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { hexToBytes } from './bytes.js'
import { decodeSubstrateHeader } from './decodeSubstrateHeader.js'
import type { SubstrateHeader, VerifySubstrateBundleOptions } from './types.js'

/** The checks both Substrate bundle kinds share: genesis hash, header hash and number, trusted block. */
export const checkSubstrateAnchors = (
  kind: string,
  b: { genesisHash: Hex; blockNumber: string; blockHash: Hex; header: Hex | null },
  opts: VerifySubstrateBundleOptions,
): { header: SubstrateHeader | null; isAnchored: boolean } => {
  const reject = (reason: InvalidProofError['reason'], detail: string) =>
    new InvalidProofError({ reason, detail: `${kind}: ${detail}` })
  const genesis = opts.substrate?.genesisHash?.toLowerCase()
  if (genesis !== undefined && b.genesisHash !== genesis) {
    throw reject('CHAIN_MISMATCH', `bundle is for genesis ${b.genesisHash}, expected ${genesis}`)
  }
  let header: SubstrateHeader | null = null
  if (b.header !== null) {
    header = decodeSubstrateHeader(hexToBytes(b.header))
    if (header.hash !== b.blockHash) throw reject('HEADER_MISMATCH', 'blake2-256(header) is not blockHash')
    if (header.number !== BigInt(b.blockNumber)) {
      throw reject('HEADER_MISMATCH', `header number ${header.number} is not blockNumber ${b.blockNumber}`)
    }
  }
  const trusted = opts.trustedBlockHash?.toLowerCase()
  if (trusted !== undefined && b.blockHash !== trusted) {
    throw reject('HEADER_MISMATCH', `block ${b.blockHash} is not the trusted block ${trusted}`)
  }
  return { header, isAnchored: trusted !== undefined }
}
