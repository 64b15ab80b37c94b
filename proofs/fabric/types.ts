import type { ChainRef, Hex, Message } from '../../types.js'

/** One MSP's trust anchors: PEM root certificates, and intermediate CA certificates if the MSP has any. */
export interface FabricMspTrust {
  rootCerts: string[]
  intermediateCerts?: string[]
}

/**
 * A chaincode endorsement policy over MSP ids (any member of the MSP): all of `signedBy` (`'AND'`),
 * or at least `outOf` distinct MSPs among them.
 */
export interface FabricEndorsementPolicy {
  signedBy: string[]
  rule: 'AND' | { outOf: number }
}

/**
 * The trust a `fabric-block` bundle is checked against, from the verifier's configuration (never from
 * the bundle, unless `trustBundleAnchors` says so).
 */
export interface FabricTrustOptions {
  /** The channel the message must come from; when absent the bundle's `channel` is used. */
  channel?: string
  /** The bridge chaincode name; when absent the bundle's `chaincode` is used. */
  chaincode?: string
  /**
   * MSP id → its root (and intermediate) certificates, or a plain list of PEM root certificates.
   * Parsed once per object and reused while the same object is passed: treat it as immutable.
   */
  mspRoots?: Record<string, FabricMspTrust | string[]>
  /** The orderer organisations whose members sign blocks. */
  ordererMspIds?: string[]
  endorsementPolicy?: FabricEndorsementPolicy
  /** Distinct valid orderer signatures required (default 1: etcdraft; for BFT use 2f+1 of the consenters). */
  minOrdererSignatures?: number
  /** A block header hash (SHA-256 of the header's DER) obtained from a source you trust. */
  trustedBlockHash?: Hex
  /**
   * Use the bundle's own `mspRoots`, `ordererMspIds` and `endorsementPolicy` for what the options
   * leave out. Then the bundle proves only self-consistency: its signers are whoever it names.
   */
  trustBundleAnchors?: boolean
}

/** `fabric-block` bundle document (version 1), after shape checks. */
export interface FabricBlockBundle {
  version: 1
  kind: 'fabric-block'
  chain: ChainRef
  channel: string
  chaincode: string
  blockNumber: string
  /** The `common.Block` protobuf, as the deliver service returns it. */
  block: Uint8Array
  txIndex: number
  eventIndex?: number
  mspRoots: Record<string, FabricMspTrust>
  ordererMspIds: string[]
  endorsementPolicy: FabricEndorsementPolicy
  message: Hex
  id?: Hex
}

/** The fixed part of a decoded block: header fields and the raw data and metadata entries. */
export interface FabricBlock {
  number: bigint
  previousHash: Uint8Array
  dataHash: Uint8Array
  data: Uint8Array[]
  metadata: Uint8Array[]
}

/** A serialized identity: MSP id and certificate (PEM bytes, as Fabric carries them). */
export interface FabricIdentity {
  mspId: string
  idBytes: Uint8Array
  /** The SerializedIdentity bytes as signed (endorsements sign them). */
  raw: Uint8Array
}

/** What a verified `fabric-block` bundle proves. */
export interface VerifyFabricBlockBundleResult {
  id: Hex
  message: Message
  chain: ChainRef
  channel: string
  chaincode: string
  blockNumber: bigint
  /** SHA-256 of the header's ASN.1 DER, Fabric's block hash. */
  blockHash: Hex
  previousHash: Hex
  txIndex: number
  txId: string
  creatorMspId: string
  endorsingMspIds: string[]
  ordererSigners: number
  /** Whether the trust anchors came from the bundle (`trustBundleAnchors`) rather than the caller. */
  isSelfAnchored: boolean
}
