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
  /** For `queued`: the destination's release time (chain time, unix seconds), when it is known. */
  releaseAt?: bigint
}

/**
 * What a delivery did so far (`deliverProgress$`): one `submitted` per broadcast transaction
 * (a replacement with bumped fees or a resend is another `submitted` with its own hash; all
 * carry the same `nonce`), then one `settled` with the results once the transaction is final.
 */
export type DeliveryProgress =
  | { kind: 'submitted'; txHash: Hex; ids: Hex[]; nonce: bigint }
  | { kind: 'settled'; results: DeliveryResult[] }

/** The newest block a chain's endpoints report (not a finality statement). */
export interface ChainHead {
  number: bigint
  hash: Hex
  /** Block timestamp, unix seconds (chain time). */
  timestamp: bigint
}

/** The destination half of a chain adapter. */
export interface DestinationAdapter {
  readonly chain: ChainRef
  readonly domain: number
  /** bytes32 identity of the destination bridge, bound into every attestation digest. */
  readonly bridgeRef: Hex
  /**
   * Who must act on a certificate. `any-member` (default): one deliverer of any member submits it
   * (the destination checks the certificate itself). `every-member`: the destination executes only
   * after `threshold` members each approved (a Substrate multisig), so every member gets it.
   */
  readonly deliveryMode?: 'any-member' | 'every-member'
  committee(): Promise<CommitteeInfo>
  /**
   * Submit the items (one transaction; a batch when more than one) and resolve once the
   * transaction is final on the destination. Throws RelayError (retryable ones may be retried).
   * The last value of `deliverProgress$` (its `settled` results).
   */
  deliver(items: DeliveryItem[]): Promise<DeliveryResult[]>
  /**
   * Cold: the same delivery as `deliver`, reported as it goes: `submitted` for every broadcast
   * (replacements included), then `settled` with the results (in item order) once final, then
   * complete. Items the destination already handled are settled without a `submitted`. Errors
   * (as an error notification) are the RelayErrors `deliver` throws.
   */
  deliverProgress$(items: DeliveryItem[]): Observable<DeliveryProgress>
  /**
   * Execute a queued large transfer whose release time has passed (chain time; permissionless and
   * idempotent on the destination). Resolves at destination finality with `delivered`
   * (`txHash`, `blockNumber`), `already-delivered` (someone released it), `failed` (the transfer
   * failed on execution, or the transfer was cancelled), `queued` with `releaseAt` (too early: no
   * transaction sent) or `deferred` (the destination does not hold it as queued).
   * @throws RateLimitedError / DestinationPausedError (retryable), DeliveryRevertedError, RpcError
   */
  release(message: Message): Promise<DeliveryResult>
  /** The newest block (number, hash, chain timestamp) the endpoints report. */
  latestHead(): Promise<ChainHead>
  isDelivered(id: Hex): Promise<boolean>
}

export interface PreflightReport {
  chain: ChainRef
  chainIdentity: string
  bridge: Hex
  headNumber: bigint
  checks: string[]
}

/** One RPC attempt to one endpoint (metrics); `endpoint` is the credential-free label (redacted URL). */
export interface RpcCallRecord {
  chain: ChainRef
  endpoint: string
  method: string
  durationMs: number
  /** The RelayError code when the attempt failed. */
  errorCode?: string
}

/** The delivery account and its native balance (base units: wei on EVM). */
export interface SignerBalance {
  address: string
  balance: bigint
  /** Base units per whole native token (10^18 on EVM). */
  unit: bigint
}

/** Both halves plus lifecycle. */
export interface ChainAdapter extends SourceAdapter, DestinationAdapter {
  /** Checks chain identity, bridge code and endpoint agreement; throws a RelayError on any mismatch. */
  preflight(): Promise<PreflightReport>
  close(): Promise<void>
  /** Optional (monitoring): every RPC attempt, hot. */
  readonly rpcCalls$?: Observable<RpcCallRecord>
  /** Optional (monitoring): the delivery account's balance; undefined when no delivery key is configured. */
  signerBalance?(): Promise<SignerBalance | undefined>
  /** Optional (reorg watch, audit): the hash of the canonical block at `number`, undefined beyond the head. */
  blockHashAt?(number: bigint): Promise<Hex | undefined>
}
