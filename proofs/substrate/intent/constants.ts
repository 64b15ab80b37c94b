import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'

/** utf8 "ISTHMUS/v1:intent": the first 17 bytes of an outbound intent remark. */
export const INTENT_PREFIX = new TextEncoder().encode('ISTHMUS/v1:intent')

/** Storage key of `System.Events` (twox128("System") ‖ twox128("Events")). */
export const SYSTEM_EVENTS_KEY: Hex = '0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7'

/**
 * Storage key of `System.LastRuntimeUpgrade` (twox128("System") ‖ twox128("LastRuntimeUpgrade")):
 * `{ spec_version: Compact<u32>, spec_name }` of the runtime that executed the block (frame_executive
 * writes it in `initialize_block` whenever the running runtime's version is newer).
 */
export const LAST_RUNTIME_UPGRADE_KEY: Hex = '0x26aa394eea5630e07c48ae0c9558cef7f9cce9c888469bb1a0dceaa129672ef8'

const ASSET_TAG = new TextEncoder().encode('ISTHMUS/asset')

/**
 * The bridge-wide asset id of a home asset, as the EVM bridge computes it:
 * keccak256("ISTHMUS/asset" ‖ uint32 homeDomain ‖ bytes32 homeToken).
 */
export const assetIdOf = (homeDomain: number, homeToken: Hex): Hex => {
  const token = hexToBytes(homeToken, 'homeToken')
  const out = new Uint8Array(ASSET_TAG.length + 4 + 32)
  out.set(ASSET_TAG, 0)
  new DataView(out.buffer).setUint32(ASSET_TAG.length, homeDomain)
  out.set(token, ASSET_TAG.length + 4 + 32 - token.length)
  return bytesToHex(keccak_256(out))
}

/**
 * The home token of a Substrate chain's native balance: keccak256(utf8 "ISTHMUS/substrate-native")
 * (the EVM bridge refuses a zero home token).
 */
export const SUBSTRATE_NATIVE_HOME_TOKEN: Hex = bytesToHex(
  keccak_256(new TextEncoder().encode('ISTHMUS/substrate-native')),
)

/** A Substrate chain's native token as a home asset: homeToken = SUBSTRATE_NATIVE_HOME_TOKEN. */
export const substrateNativeAssetId = (domain: number): Hex => assetIdOf(domain, SUBSTRATE_NATIVE_HOME_TOKEN)

/** An `assets`-pallet asset that is home on this chain: homeToken = uint256(palletAssetId). */
export const substratePalletAssetId = (domain: number, palletAssetId: bigint): Hex =>
  assetIdOf(domain, `0x${palletAssetId.toString(16).padStart(64, '0')}`)
