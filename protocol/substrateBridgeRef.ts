import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Hex } from '../types.js'
import { bytesToHex, fixedHex } from './bytes.js'

/**
 * The bytes32 identity of a Substrate destination: `keccak256(genesisHash ‖ multisigAccountId)`, the
 * chain (bound by its genesis, as `CheckGenesis` binds every approval extrinsic) and the committee's
 * `pallet_multisig` account that executes deliveries there.
 * @throws MessageInvalidError when either input is not 32 bytes of hex
 */
export const substrateBridgeRef = (genesisHash: string, multisigAccountId: string): Hex => {
  const out = new Uint8Array(64)
  out.set(fixedHex(genesisHash.toLowerCase(), 'genesisHash', 32), 0)
  out.set(fixedHex(multisigAccountId.toLowerCase(), 'multisigAccountId', 32), 32)
  return bytesToHex(keccak_256(out))
}
