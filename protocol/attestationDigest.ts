import { keccak256, toUtf8Bytes } from 'ethers'
import type { Hex } from '../types.js'
import { checkUint, fixedHex, writeUint } from './bytes.js'

/** Domain tag of every attestation (RELIABILITY.md §5.4). */
export const ATTESTATION_TAG = 'ISTHMUS/v1'
const TAG = toUtf8Bytes(ATTESTATION_TAG)

/**
 * `keccak256("ISTHMUS/v1" ‖ uint64 committeeEpoch ‖ uint32 destination ‖ bytes32 destinationBridge ‖ bytes32 id)`.
 * Fixed widths keep the packed encoding unambiguous.
 * @throws MessageInvalidError when a field is out of range
 */
export const attestationDigest = (p: { epoch: bigint; destination: number; destinationBridge: Hex; id: Hex }): Hex => {
  const out = new Uint8Array(TAG.length + 8 + 4 + 32 + 32)
  out.set(TAG, 0)
  let o = TAG.length
  writeUint(out, o, 8, checkUint(p.epoch, 'epoch', 64))
  o += 8
  writeUint(out, o, 4, checkUint(p.destination, 'destination', 32))
  o += 4
  out.set(fixedHex(p.destinationBridge, 'destinationBridge', 32), o)
  o += 32
  out.set(fixedHex(p.id, 'id', 32), o)
  return keccak256(out) as Hex
}

/**
 * The bytes32 identity of an EVM bridge: `uint96 chainId ‖ address`. Binding the chain id
 * here means a fork or a testnet that reuses domain ids and keys cannot replay (EIP-155).
 */
export const evmBridgeRef = (chainId: bigint, address: string): Hex => {
  const cid = checkUint(chainId, 'chainId', 96)
  const a = fixedHex(address.toLowerCase(), 'bridge address', 20)
  const out = new Uint8Array(32)
  writeUint(out, 0, 12, cid)
  out.set(a, 12)
  return `0x${Buffer.from(out).toString('hex')}` as Hex
}
