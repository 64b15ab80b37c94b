import { computeAddress, concat, SigningKey } from 'ethers'
import { attestationDigest } from '../../protocol/index.js'
import type { Hex } from '../../types.js'

export interface SignCertificateOptions {
  /** Committee members' secp256k1 private keys (any order). */
  keys: readonly string[]
  epoch: bigint
  destination: number
  /** bytes32 identity of the destination bridge (`evmBridgeRef(chainId, address)` for an EVM bridge). */
  destinationBridge: Hex
  id: Hex
}

export interface SignedCertificate {
  epoch: bigint
  /** 65-byte r‖s‖v signatures (v ∈ {27, 28}, low s), concatenated in increasing signer-address order. */
  signatures: Hex
  /** The signers' addresses in the order of `signatures`. */
  signers: Hex[]
  /** The attestation digest every key signed. */
  digest: Hex
}

/** One raw-digest signature (no EIP-191 prefix), 65 bytes r‖s‖v. */
export const signDigest = (key: string, digest: Hex): Hex => new SigningKey(key).sign(digest).serialized as Hex

/**
 * Sign a message id exactly as committee members do (DESIGN.md "Attestation") and assemble the
 * certificate the bridges verify: signatures sorted by signer address, concatenated.
 */
export const signCertificate = (o: SignCertificateOptions): SignedCertificate => {
  const digest = attestationDigest({
    epoch: o.epoch,
    destination: o.destination,
    destinationBridge: o.destinationBridge,
    id: o.id,
  })
  const parts = o.keys
    .map((k) => ({ signer: computeAddress(k) as Hex, signature: signDigest(k, digest) }))
    .sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1))
  return {
    epoch: o.epoch,
    signatures: (parts.length === 0 ? '0x' : concat(parts.map((p) => p.signature))) as Hex,
    signers: parts.map((p) => p.signer),
    digest,
  }
}
