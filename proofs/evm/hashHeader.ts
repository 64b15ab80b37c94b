import type { Hex } from '../../types.js'
import { keccakHex } from './bytes.js'
import { encodeHeader } from './encodeHeader.js'
import type { EvmRpcHeader } from './types.js'

/**
 * The block hash: keccak256 of the header RLP built from JSON-RPC fields.
 * @throws BundleInvalidError for a missing or malformed field
 */
export const hashHeader = (h: EvmRpcHeader): Hex => keccakHex(encodeHeader(h))
