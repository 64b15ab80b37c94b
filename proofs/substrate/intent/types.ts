import type { Hex, Message } from '../../../types.js'

/** Trust anchors of one Substrate source chain, from the verifier's own config and its own endpoint. */
export interface SubstrateIntentTrust {
  /** The chain's domain: the origin of every message it sends. */
  domain: number
  /** AccountId32 (0x hex) that outbound asset movements must pay (the committee's account). */
  committeeAccount: Hex
  /** Runtime metadata (SCALE, `state_getMetadata`) by spec version; never taken from a bundle. */
  metadata: Readonly<Record<string, Hex>>
  /**
   * `assets`-pallet ids of wrapped assets → the bridge asset id they stand for (their home asset).
   * Any other pallet asset is a home asset of this chain (`substratePalletAssetId`).
   */
  wrappedAssets?: Readonly<Record<string, Hex>>
}

export interface DeriveSubstrateMessageInput {
  /** The spec version whose metadata decodes this block. */
  specVersion: number
  blockNumber: bigint
  extrinsicIndex: number
  /** The signed extrinsic (SCALE, with its length prefix, as in the block body). */
  extrinsic: Hex
  /** The `System.Events` storage value at the block. */
  events: Hex
}

/** What an outbound intent extrinsic proved. */
export interface DerivedSubstrateMessage {
  message: Message
  /** The signer (AccountId32). */
  signer: Hex
  /** The asset movement that backs a token message. */
  movement?: { assetId: Hex; amount: bigint; pallet: 'balances' | 'assets'; palletAssetId?: bigint }
}

/**
 * What `verifyProofBundle` needs besides `SubstrateTrustOptions` to check the message of a
 * `substrate-storage` bundle (`opts.substrate`). All from the verifier's own config and endpoint.
 */
export interface SubstrateIntentTrustOptions {
  /** The source chain's domain (messages must originate from it). */
  domain?: number
  /** AccountId32 outbound asset movements must pay. */
  committeeAccount?: Hex
  wrappedAssets?: Readonly<Record<string, Hex>>
  /**
   * What the chain's headers commit to. `substrate` (default): stateRoot (read proofs) and the
   * ordered-trie extrinsicsRoot. `chopsticks` (local dev chain only): stateRoot is zero, so
   * `storageProof` must be empty and the entries are taken unproven (trusting the endpoint that served
   * the block), and extrinsicsRoot = blake2-256(concatenated extrinsics), which is still checked.
   */
  commitments?: 'substrate' | 'chopsticks'
}
