import type { JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { ChainAdapter } from '../adapters/index.js'
import type { VerifyProofBundleOptions } from '../proofs/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { AggregateOutcome } from './aggregate/aggregateAttestations.js'
import type { FailpointName } from './failpoints.js'
import type { ConsumerTuning } from './nats/durableConsumers.js'

/**
 * How final a source block must be before this relayer signs for it (the chain config's
 * `finality`). `finalized-tag` is stronger than any confirmation count (F-36).
 */
export type FinalitySetting = { mode: 'finalized-tag' } | { mode: 'confirmations'; confirmations: number }

/** The local wall clock (injected so tests can skew it). Safety never depends on it (F-28). */
export type Clock = () => Date

/** The configured trust anchors of a source chain, handed to the proof verifier of its bundle kind. */
export type ChainTrust = Omit<VerifyProofBundleOptions, 'trustedBlockHash'>

/** One chain the node serves: its adapter, where to start observing, and what to trust about it. */
export interface RelayerChain {
  adapter: ChainAdapter
  /** First block observed when this member has no cursor for the chain yet. */
  startBlock: bigint
  /**
   * What this relayer itself trusts about the chain (from its config, never from the adapter's
   * word): every proof bundle must match it (EVM: chain id and bridge; other kinds: their own
   * fields of `VerifyProofBundleOptions`).
   */
  trust: ChainTrust
  /**
   * The finality setting the source adapter scans with; recorded with every cursor move so a
   * later start with a weaker one is refused (F-36). Unset: not recorded.
   */
  finality?: FinalitySetting
}

/** A configured direction of relay. */
export interface RelayRoute {
  from: ChainRef
  to: ChainRef
}

/** Timings and limits of the pipeline; every field has a default (`resolveTuning`). */
export interface RelayerTuning {
  /** Messages of one source batch verified and attested at once. */
  attestConcurrency: number
  /** Destination committees are re-read after this long (a rotation is seen within it). */
  committeeRefreshMs: number
  /** Backoff of resubscriptions after retryable failures (source, NATS consumers). */
  retryBaseMs: number
  retryMaxMs: number
  /** Certificates per delivery transaction (deliverBatch). */
  maxDeliveryBatch: number
  /** How long the first certificate of a batch waits for company while the deliverer is idle. */
  deliveryLingerMs: number
  /** nak delays of failed deliveries by attempt (the last repeats). */
  deliveryRetryDelaysMs: number[]
  /** nak delays of failed aggregations by attempt. */
  aggregateRetryDelaysMs: number[]
  /** Attestations aggregated at once per instance. */
  aggregateConcurrency: number
  /** Messages a consumer pulls ahead (bounded by the durable's MaxAckPending across instances). */
  pullBatch: number
  aggregatorConsumer: ConsumerTuning
  delivererConsumer: ConsumerTuning
  /** How often each destination's releaser looks for queued large transfers that are due (chain time). */
  releasePollMs: number
  /** Releases one releaser attempts per poll (the rest wait for the next poll). */
  maxReleasesPerPoll: number
  /** |chain head timestamp − local clock| above this raises the clock-skew alarm (F-28). */
  clockSkewMaxMs: number
  /** How often the clock-skew health check reads every chain's head; 0 turns it off. */
  clockCheckMs: number
}

export interface RelayerNodeOptions {
  /** This member's name on the wire (`[-_a-zA-Z0-9]{1,64}`): Msg-Ids, subjects, cursors. */
  memberId: string
  /** The member's secp256k1 attestation key (resolved by the caller; never logged). */
  attestationKey: Hex
  chains: RelayerChain[]
  routes: RelayRoute[]
  /** JetStream client of a connected NATS connection; the caller owns (drains) the connection. */
  js: JetStreamClient
  log: Logger
  tuning?: Partial<RelayerTuning>
  /** Which steps this node runs (all by default); lets operators split roles across processes. */
  roles?: Partial<Record<'observe' | 'aggregate' | 'deliver', boolean>>
  /** The local clock (default: the system clock); only timestamps and the skew alarm use it. */
  now?: Clock
  /** Armed crash points (crash tests only; the CLI reads them from `ISTHMUS_FAILPOINTS`). */
  failpoints?: readonly FailpointName[]
  /** What a failpoint crash does (default: SIGKILL to this process); tests inject a fake. */
  crash?: (name: FailpointName) => void
}

/** What the node did; a stream of these feeds logs, metrics and tests. */
export type NodeActivity =
  | { kind: 'batch'; chain: ChainRef; fromBlock: bigint; toBlock: bigint; attested: Hex[]; dropped: Hex[] }
  | { kind: 'halted'; chain: ChainRef; code: string; detail: string }
  | { kind: 'aggregate'; outcome: AggregateOutcome }
  | { kind: 'delivery'; destination: number; id: Hex | undefined; action: DeliveryActionKind; detail?: string }
  | { kind: 'release'; destination: number; id: Hex; action: ReleaseActionKind; detail?: string }
  | { kind: 'clock-skew'; chain: ChainRef; skewMs: number; alarms: number }

/** How one certificate was settled by a deliverer. */
export type DeliveryActionKind = 'delivered' | 'already-delivered' | 'failed' | 'queued' | 'retry' | 'dead-lettered'

/** What a releaser did with one queued large transfer. */
export type ReleaseActionKind = 'delivered' | 'already-delivered' | 'failed' | 'too-early' | 'retry'
