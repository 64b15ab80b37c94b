import { computeAddress, keccak256, toUtf8Bytes } from 'ethers'
import { signAttestation } from '../../../../proofs/quorum/signAttestation.js'
import type { Committee } from '../../../../proofs/quorum/types.js'
import type { Attestation, Hex } from '../../../../types.js'

/** Deterministic test keys 1..n (never funded anywhere). */
export const testKeys = (n: number): Hex[] =>
  Array.from({ length: n }, (_, i) => `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex)

export const addressOf = (key: Hex): Hex => computeAddress(key).toLowerCase() as Hex

export const digestOf = (label: string): Hex => keccak256(toUtf8Bytes(label)) as Hex

/** Keys sorted by their address, so index order = certificate order. */
export const sortedKeys = (n: number): Hex[] => testKeys(n).sort((a, b) => (addressOf(a) < addressOf(b) ? -1 : 1))

export const committeeOf = (keys: Hex[], threshold: number, epoch = 7n): Committee => ({
  epoch,
  signers: keys.map(addressOf),
  threshold,
})

export const attest = (key: Hex, digest: Hex, epoch = 7n, id: Hex = digest): Attestation => ({
  id,
  epoch,
  signer: addressOf(key),
  signature: signAttestation(digest, key),
})
