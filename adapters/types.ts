import type { Observable } from 'rxjs'
import type { Certificate, ChainRef, Hex, Message } from '../types.js'

/**
 * A proof bundle as the adapter built it: a self-contained JSON document (DESIGN.md "Proof bundles").
 * Its exact shape per kind lives in proofs/; adapters treat it as data to hand over.
 */
export interface ProofBundleDoc {
  kind: string
  [field: string]: unknown
}

/** Where a message was found on its source chain. */
export interface SourceLocation {
  chain: ChainRef
  blockNumber: bigint
  blockHash: Hex
  txHash: Hex
  logIndex: number
}

/** A finalized message emitted by the registered origin bridge, with the proof the adapter fetched. */
export interface ObservedMessage {
  id: Hex
  message: Message
  encoded: Hex
  source: SourceLocation
  bundle: ProofBundleDoc
}

/**
 * A contiguous range of finalized blocks scanned completely. A relayer may persist
 * `toBlock` as its cursor once every message in the batch is durably handed off.
 */
export interface SourceBatch {
  chain: ChainRef
  fromBlock: bigint
  toBlock: bigint
  toBlockHash: Hex
  messages: ObservedMessage[]
}

/** The source half of a chain adapter. */
export interface SourceAdapter {
  readonly chain: ChainRef
  readonly domain: number
  /**
   * Cold stream of finalized batches starting at `fromBlock`, in order, gap-free.
   * Errors are RelayErrors; retryable ones may be retried by resubscribing from the last cursor.
   */
  observe$(fromBlock: bigint): Observable<SourceBatch>
}

/** The committee as the destination stores it. */
export interface CommitteeInfo {
  epoch: bigint
  signers: Hex[]
  threshold: number
}

export interface DeliveryItem {
  message: Message
  certificate: Certificate
}

/**
 * Outcome of one message at the destination. `already-delivered` is a success (another
 * relayer won); `failed` means the destination recorded a retryable execution failure
 * (recipient reverted); `queued` means a large transfer waits for its release time;
 * `deferred` means the destination did not execute it and it must be submitted again later
 * (rate limit reached inside a batch) — never treat it as done.
 */
export interface DeliveryResult {
  id: Hex
  status: 'delivered' | 'already-delivered' | 'failed' | 'queued' | 'deferred'
  txHash?: Hex
  blockNumber?: bigint
  gasUsed?: bigint
  reason?: string
}

/** The destination half of a chain adapter. */
export interface DestinationAdapter {
  readonly chain: ChainRef
  readonly domain: number
  /** bytes32 identity of the destination bridge, bound into every attestation digest. */
  readonly bridgeRef: Hex
  committee(): Promise<CommitteeInfo>
  /**
   * Submit the items (one transaction; a batch when more than one) and resolve once the
   * transaction is final on the destination. Throws RelayError (retryable ones may be retried).
   */
  deliver(items: DeliveryItem[]): Promise<DeliveryResult[]>
  isDelivered(id: Hex): Promise<boolean>
}

export interface PreflightReport {
  chain: ChainRef
  chainIdentity: string
  bridge: Hex
  headNumber: bigint
  checks: string[]
}

/** Both halves plus lifecycle. */
export interface ChainAdapter extends SourceAdapter, DestinationAdapter {
  /** Checks chain identity, bridge code and endpoint agreement; throws a RelayError on any mismatch. */
  preflight(): Promise<PreflightReport>
  close(): Promise<void>
}
