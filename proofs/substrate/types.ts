import type { ChainRef, Hex } from '../../types.js'

/** Substrate trie layout: 0 = all values inline (LayoutV0), 1 = values of 33 bytes or more hashed out of line (LayoutV1). */
export type TrieVersion = 0 | 1

/** One digest item of a header, kept raw (`kind` is the SCALE variant index). */
export interface SubstrateDigestItem {
  /** 6 PreRuntime, 4 Consensus, 5 Seal, 0 Other, 8 RuntimeEnvironmentUpdated. */
  kind: number
  /** 4-byte consensus engine id as hex (PreRuntime, Consensus, Seal), else null. */
  engine: Hex | null
  /** The item's payload bytes (empty for RuntimeEnvironmentUpdated). */
  data: Hex
}

/** A decoded Substrate header (`sp_runtime::generic::Header<u32, BlakeTwo256>`). */
export interface SubstrateHeader {
  /** blake2-256 of the SCALE header. */
  hash: Hex
  parentHash: Hex
  number: bigint
  stateRoot: Hex
  extrinsicsRoot: Hex
  digest: SubstrateDigestItem[]
}

/** Header fields as JSON-RPC `chain_getHeader` returns them (number as hex or decimal, digest logs as SCALE hex). */
export interface SubstrateRpcHeader {
  parentHash: Hex
  number: Hex | number | bigint
  stateRoot: Hex
  extrinsicsRoot: Hex
  digest: { logs: Hex[] }
}

/** What `verifyTrieProof` checks: a root, the proof's node set (any order) and the keys to read. */
export interface TrieProofInput {
  root: Uint8Array | Hex
  /** The node set, as `state_getReadProof` returns it (order ignored). Hashed-out values are nodes too. */
  proof: readonly (Uint8Array | Hex)[]
  keys: readonly (Uint8Array | Hex)[]
  /** The state's trie layout; 0 refuses hashed-value nodes. */
  stateVersion: TrieVersion
}

/** What a read proof proves for one key: its value, or `null` for a proven absence. */
export interface TrieProofEntry {
  key: Hex
  value: Hex | null
}

/** One GRANDPA voter and its weight. */
export interface GrandpaAuthority {
  /** ed25519 public key. */
  id: Hex
  weight: bigint
}

/** A GRANDPA authority set: the voters and the set id their signatures are bound to. */
export interface GrandpaAuthoritySet {
  setId: bigint
  authorities: GrandpaAuthority[]
}

/** A signed precommit of a justification's commit. */
export interface GrandpaSignedPrecommit {
  targetHash: Hex
  targetNumber: bigint
  signature: Hex
  id: Hex
}

/** A decoded `GrandpaJustification<Header>` (u32 block numbers). */
export interface GrandpaJustification {
  round: bigint
  targetHash: Hex
  targetNumber: bigint
  precommits: GrandpaSignedPrecommit[]
  /** The headers linking precommit targets above the commit target back to it. */
  votesAncestries: SubstrateHeader[]
}

export interface VerifyGrandpaJustificationOptions {
  justification: Uint8Array | Hex
  authoritySet: GrandpaAuthoritySet
  /** When given, the commit target must be this block. */
  expectedTarget?: { hash: Hex; number: bigint }
}

export interface VerifyGrandpaJustificationResult {
  round: bigint
  setId: bigint
  targetHash: Hex
  targetNumber: bigint
  /** Distinct voters whose precommits were counted. */
  signers: Hex[]
  signedWeight: bigint
  totalWeight: bigint
  threshold: bigint
}

/** Trust anchors for Substrate bundles (`VerifyProofBundleOptions.substrate`). */
export interface SubstrateTrustOptions {
  /** The chain's genesis hash; the bundle's `genesisHash` must equal it. */
  genesisHash?: Hex
  /** The authority set (and set id) you trust; a `substrate-grandpa` bundle's set must equal it. */
  authoritySet?: GrandpaAuthoritySet
  /** specVersion (decimal) → metadata hex, for the message-level check of `substrate-storage` bundles. */
  metadata?: Record<string, Hex>
}

/** One `entries` item of a `substrate-storage` bundle: `value: null` claims the key is absent. */
export interface SubstrateStorageEntry {
  key: Hex
  value: Hex | null
}

/** A `substrate-storage` bundle document (docs/proofs.md), parsed. */
export interface SubstrateStorageBundle {
  version: 1
  kind: 'substrate-storage'
  chain: ChainRef
  genesisHash: Hex
  blockNumber: string
  blockHash: Hex
  header: Hex
  stateVersion: TrieVersion
  storageProof: Hex[]
  entries: SubstrateStorageEntry[]
  extrinsics: Hex[] | null
  extrinsicsVersion: TrieVersion
  extrinsicIndex: number | null
}

/** What a valid `substrate-storage` bundle proves (the input of the message-level check). */
export interface VerifySubstrateStorageBundleResult {
  chain: ChainRef
  genesisHash: Hex
  blockNumber: bigint
  blockHash: Hex
  header: SubstrateHeader
  stateVersion: TrieVersion
  /** The proven entries, in bundle order (`value: null` = proven absent). */
  entries: SubstrateStorageEntry[]
  /** The block body, checked against the header's extrinsicsRoot; null when the bundle carries none. */
  extrinsics: Hex[] | null
  extrinsicIndex: number | null
  /** Whether `blockHash` equals a block hash the caller trusts (`trustedBlockHash`). */
  isAnchored: boolean
}

/** A `substrate-grandpa` bundle document, parsed. */
export interface SubstrateGrandpaBundle {
  version: 1
  kind: 'substrate-grandpa'
  chain: ChainRef
  genesisHash: Hex
  blockNumber: string
  blockHash: Hex
  justification: Hex
  authoritySet: GrandpaAuthoritySet
  header: Hex | null
}

/** What a valid `substrate-grandpa` bundle proves. */
export interface VerifySubstrateGrandpaBundleResult extends VerifyGrandpaJustificationResult {
  chain: ChainRef
  genesisHash: Hex
  blockNumber: bigint
  blockHash: Hex
  /** The decoded header when the bundle carries one. */
  header: SubstrateHeader | null
  /** Whether the authority set equals the caller's trusted one (`opts.substrate.authoritySet`). */
  isAnchored: boolean
}

/** The options the Substrate bundle verifiers read (a subset of `VerifyProofBundleOptions`). */
export interface VerifySubstrateBundleOptions {
  /** A block hash you saw finalized yourself; the bundle must be about that block. */
  trustedBlockHash?: Hex
  substrate?: SubstrateTrustOptions
}
