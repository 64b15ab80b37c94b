import { z } from 'zod'
import { AlertsConfig, MetricsConfig } from './monitoringSchema.js'

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `0x-prefixed hex of ${bytes} bytes`)
const address = hex(20)
const chainRef = z
  .string()
  .regex(
    /^(evm|substrate|fabric):[A-Za-z0-9._-]+$/,
    'a chain ref such as evm:1, substrate:polkadot, fabric:trade-channel',
  )
const loopbackOrAny = z.string().min(1)
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name in UPPER_SNAKE case')

/**
 * Where a secret comes from. Never the secret itself: the config names an env var or an
 * encrypted keystore file whose password is in an env var.
 */
export const SecretRef = z.union([
  z.object({ env: envName }).strict(),
  z.object({ keystore: z.string().min(1), passwordEnv: envName }).strict(),
])
export type SecretRef = z.infer<typeof SecretRef>

const Finality = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('finalized-tag') }).strict(),
  z.object({ mode: z.literal('confirmations'), confirmations: z.number().int().min(1).max(10_000) }).strict(),
])

const EvmChain = z
  .object({
    kind: z.literal('evm'),
    ref: chainRef,
    domain: z.number().int().min(0).max(0xffffffff),
    chainId: z.coerce.bigint().refine((v) => v > 0n && v < 2n ** 96n, 'a chain id in [1, 2^96)'),
    rpcUrls: z.array(z.url({ protocol: /^https?$/ })).min(1),
    bridge: address,
    startBlock: z.coerce
      .bigint()
      .refine((v) => v >= 0n, 'a block number ≥ 0')
      .default(0n),
    finality: Finality.default({ mode: 'finalized-tag' }),
    signer: SecretRef,
    pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
    maxLogRangeBlocks: z.number().int().min(1).max(100_000).default(2000),
    destinationConfirmations: z.number().int().min(1).max(10_000).default(1),
    maxFeePerGasCapWei: z.coerce
      .bigint()
      .refine((v) => v > 0n, 'a positive fee cap in wei')
      .default(500_000_000_000n),
    bumpPercent: z.number().min(12.5).max(1000).default(12.5),
    stuckAfterMs: z.number().int().min(100).default(30_000),
  })
  .strict()

const SubstrateChain = z
  .object({
    kind: z.literal('substrate'),
    ref: chainRef,
    domain: z.number().int().min(0).max(0xffffffff),
    /** WebSocket JSON-RPC endpoints, in order of preference (the client fails over on a dropped connection). */
    wsUrls: z.array(z.url({ protocol: /^wss?$/ })).min(1),
    /** `chain_getBlockHash(0)`: checked at start and before every observation stream (F-06). */
    genesisHash: hex(32),
    /** The relayer's sr25519 account (a committee multisig signatory): a 32-byte seed, never in the file. */
    signer: SecretRef,
    startBlock: z.coerce
      .bigint()
      .refine((v) => v >= 0n && v < 2n ** 32n, 'a block number in [0, 2^32)')
      .default(0n),
    /**
     * What the headers commit to: `substrate` (stateRoot with read proofs, ordered-trie extrinsicsRoot) or
     * `chopsticks` (local dev chain: zero stateRoot, events unproven; extrinsicsRoot = blake2 of the body).
     */
    commitments: z.enum(['substrate', 'chopsticks']).default('substrate'),
    /**
     * How each Isthmus asset id is represented here: `wrapped` (an `assets`-pallet asset the committee
     * multisig owns and mints), `asset` (a home `assets`-pallet asset locked in the multisig), `native`.
     */
    assets: z
      .array(
        z.union([
          z
            .object({ assetId: hex(32), kind: z.enum(['wrapped', 'asset']), assetHubId: z.number().int().min(0) })
            .strict(),
          z.object({ assetId: hex(32), kind: z.literal('native') }).strict(),
        ]),
      )
      .default([]),
    /** Fallback poll of the finalized head (the finalized-heads subscription wakes the source sooner). */
    pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
    /** Blocks per source batch while catching up (backfill). */
    maxBlocksPerBatch: z.number().int().min(1).max(10_000).default(100),
    /** After approving a multisig delivery, how long to wait for the other members before retrying. */
    approvalWaitMs: z.number().int().min(100).max(3_600_000).default(30_000),
    txTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(120_000),
  })
  .strict()

const FabricChain = z
  .object({
    kind: z.literal('fabric'),
    ref: chainRef,
    domain: z.number().int().min(0).max(0xffffffff),
    /** `host:port` of a peer's gateway service (gRPC over TLS). */
    peerEndpoint: loopbackOrAny,
    /** PEM file of the CA that issued the peer's TLS certificate (relative to the config file). */
    tlsRootCertPath: z.string().min(1),
    /** The TLS server name the peer's certificate carries, when it differs from the endpoint host. */
    tlsHostnameOverride: z.string().min(1).optional(),
    channel: z.string().min(1),
    chaincode: z.string().min(1),
    mspId: z.string().min(1),
    /** The relayer's client identity: certificate PEM file, and its P-256 key as a 32-byte secret. */
    identity: z.object({ certPath: z.string().min(1), key: SecretRef }).strict(),
    /** Trust anchors of `fabric-block` bundles: MSP id → PEM files of its root CA certificates. */
    mspRoots: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)),
    ordererMspIds: z.array(z.string().min(1)).min(1),
    /** The bridge chaincode's endorsement policy, e.g. { signedBy: [Org1MSP, Org2MSP], rule: AND }. */
    endorsementPolicy: z
      .object({
        signedBy: z.array(z.string().min(1)).min(1),
        rule: z.union([z.literal('AND'), z.object({ outOf: z.number().int().min(1) }).strict()]),
      })
      .strict(),
    startBlock: z.coerce
      .bigint()
      .refine((v) => v >= 0n, 'a block number ≥ 0')
      .default(0n),
    /** The orderer's BatchTimeout (read-only, for the API's expected times); Fabric's default 2 s. */
    batchTimeoutMs: z.number().int().min(1).max(600_000).default(2_000),
  })
  .strict()

export const ChainConfig = z.discriminatedUnion('kind', [EvmChain, SubstrateChain, FabricChain])
export type ChainConfig = z.infer<typeof ChainConfig>
export type EvmChainConfig = z.infer<typeof EvmChain>
export type SubstrateChainConfig = z.infer<typeof SubstrateChain>
export type FabricChainConfig = z.infer<typeof FabricChain>

const CommitteeMember = z
  .object({
    id: z.string().min(1),
    address,
    operatorId: z.string().min(1),
    custodyDomain: z.string().min(1),
    /** The member's sr25519 account (SS58 or 0x AccountId32): a signatory of the committee multisig on Substrate chains. */
    substrateAccount: z.string().min(1).optional(),
  })
  .strict()

export const CommitteeConfig = z
  .object({
    epoch: z.coerce.bigint().refine((v) => v >= 1n && v < 2n ** 64n, 'an epoch in [1, 2^64)'),
    threshold: z.number().int().min(1),
    /** majority: threshold > N/2; bft: threshold ≥ ⌊2N/3⌋+1 (RELIABILITY.md NT-08). */
    policy: z.enum(['majority', 'bft']).default('majority'),
    members: z.array(CommitteeMember).min(1).max(255),
  })
  .strict()

/** Timings and limits of the relayer pipeline (relayer/resolveTuning.ts has the same defaults). */
export const RelayerTuningConfig = z
  .object({
    /** Messages of one source batch verified and attested at once. */
    attestConcurrency: z.number().int().min(1).max(64).default(8),
    /** How often destination committees are re-read (a rotation is seen within it). */
    committeeRefreshMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Backoff of resubscriptions after retryable failures. */
    retryBaseMs: z.number().int().min(10).max(600_000).default(500),
    retryMaxMs: z.number().int().min(10).max(3_600_000).default(30_000),
    /** Certificates per delivery transaction (deliverBatch). */
    maxDeliveryBatch: z.number().int().min(1).max(200).default(50),
    /** How long an idle deliverer waits for more certificates before sending. */
    deliveryLingerMs: z.number().int().min(0).max(10_000).default(50),
    /** nak delays of failed deliveries by attempt; the last one repeats. */
    deliveryRetryDelaysMs: z
      .array(z.number().int().min(0).max(3_600_000))
      .min(1)
      .default([1_000, 5_000, 15_000, 60_000]),
    /** Deliveries of one certificate before it is dead-lettered. */
    deliveryMaxDeliver: z.number().int().min(2).max(10_000).default(20),
    /** Unacked time before JetStream hands a certificate to another deliverer (heartbeats extend it). */
    deliveryAckWaitMs: z.number().int().min(1_000).max(3_600_000).default(120_000),
    /** On SIGTERM, how long in-flight deliveries may take before the process exits anyway. */
    shutdownGraceMs: z.number().int().min(0).max(600_000).default(30_000),
    /**
     * F-36: start even if a source chain's finality setting is weaker than the one its scanned
     * range was recorded with (a deliberate, logged migration). Off: such a start is refused.
     */
    allowFinalityDowngrade: z.boolean().default(false),
    /** How often each destination's releaser looks for queued large transfers that are due (chain time). */
    releasePollMs: z.number().int().min(100).max(3_600_000).default(5_000),
    /** Queued transfers one releaser releases per poll. */
    maxReleasesPerPoll: z.number().int().min(1).max(1_000).default(16),
    /** F-28: |chain head timestamp − local clock| above this raises the clock-skew alarm. */
    clockSkewMaxMs: z.number().int().min(1_000).max(86_400_000).default(600_000),
    /** How often the clock-skew check reads every chain's head; 0 turns it off. */
    clockCheckMs: z.number().int().min(0).max(3_600_000).default(60_000),
  })
  .strict()

/** The HTTP API (`isthmus api`): listen address and request limits. */
export const ApiConfig = z
  .object({
    host: z.string().default('127.0.0.1'),
    /** 0 = an OS-chosen free port (printed on stdout when ready). */
    port: z.number().int().min(0).max(65535).default(0),
    bodyLimitBytes: z.number().int().min(1_024).max(16_777_216).default(65_536),
    /** Requests per client IP per window (429 beyond). */
    rateLimitMax: z.number().int().min(1).max(1_000_000).default(600),
    rateLimitWindowMs: z.number().int().min(100).max(3_600_000).default(60_000),
    maxSseClients: z.number().int().min(1).max(10_000).default(100),
    /** Messages the in-memory index keeps (oldest dropped first; KV isthmus-messages answers the rest). */
    indexMaxMessages: z.number().int().min(100).max(10_000_000).default(100_000),
    /** How far back `GET /v1/messages/{id}` looks for a Dispatch not final yet. */
    dispatchLookbackBlocks: z.number().int().min(1).max(100_000).default(1_000),
  })
  .strict()

/**
 * One asset, listed once by its home chain and token; every other configured chain whose bridge has it
 * registered (assetOf) carries a wrapped representation. Asset id = keccak256("ISTHMUS/asset" ‖ uint32
 * homeDomain ‖ bytes32 homeToken), as AssetRegistry.sol computes it.
 */
export const AssetConfig = z
  .object({
    symbol: z.string().min(1).max(32),
    decimals: z.number().int().min(0).max(77),
    home: z.object({ chain: chainRef, address }).strict(),
  })
  .strict()
export type AssetConfig = z.infer<typeof AssetConfig>

export const ConfigSchema = z
  .object({
    node: z
      .object({
        /** This relayer's committee member id (one of committee.members[].id). */
        memberId: z.string().min(1),
        attestationKey: SecretRef,
        stateDir: z.string().min(1).default('.isthmus'),
      })
      .strict(),
    committee: CommitteeConfig,
    chains: z.array(ChainConfig).min(2),
    routes: z.array(z.object({ from: chainRef, to: chainRef }).strict()).optional(),
    nats: z
      .object({
        servers: z.array(z.string().min(1)).min(1),
        replicas: z.number().int().min(1).max(5).default(1),
        credentialsEnv: envName.optional(),
      })
      .strict(),
    api: ApiConfig.prefault({}),
    /** Assets the API lists and quotes (the bridges hold the truth: representations are read on-chain). */
    assets: z.array(AssetConfig).default([]),
    relayer: RelayerTuningConfig.prefault({}),
    /** Serve Prometheus metrics (`isthmus start`); absent = no metrics endpoint. */
    metrics: MetricsConfig.optional(),
    alerts: AlertsConfig.prefault({}),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const dup = <T>(xs: T[]) => xs.filter((x, i) => xs.indexOf(x) !== i)
    for (const d of dup(c.chains.map((x) => x.ref)))
      ctx.addIssue({ code: 'custom', path: ['chains'], message: `chain ref ${d} appears twice` })
    for (const d of dup(c.chains.map((x) => x.domain)))
      ctx.addIssue({ code: 'custom', path: ['chains'], message: `domain ${d} appears twice; domains must be unique` })
    const m = c.committee.members
    const n = m.length
    const t = c.committee.threshold
    if (t > n)
      ctx.addIssue({
        code: 'custom',
        path: ['committee', 'threshold'],
        message: `threshold ${t} exceeds the ${n} members`,
      })
    const min = c.committee.policy === 'bft' ? Math.floor((2 * n) / 3) + 1 : Math.floor(n / 2) + 1
    if (t < min)
      ctx.addIssue({
        code: 'custom',
        path: ['committee', 'threshold'],
        message: `policy ${c.committee.policy} needs threshold ≥ ${min} for ${n} members (NT-08)`,
      })
    for (const d of dup(m.map((x) => x.address.toLowerCase())))
      ctx.addIssue({ code: 'custom', path: ['committee', 'members'], message: `address ${d} appears twice` })
    for (const d of dup(m.map((x) => x.id)))
      ctx.addIssue({ code: 'custom', path: ['committee', 'members'], message: `member id ${d} appears twice` })
    // NT-01: no operator or custody domain may hold two keys of the committee.
    for (const d of dup(m.map((x) => x.operatorId)))
      ctx.addIssue({
        code: 'custom',
        path: ['committee', 'members'],
        message: `operator ${d} holds more than one committee key (NT-01)`,
      })
    for (const d of dup(m.map((x) => x.custodyDomain)))
      ctx.addIssue({
        code: 'custom',
        path: ['committee', 'members'],
        message: `custody domain ${d} holds more than one committee key (NT-01)`,
      })
    if (!m.some((x) => x.id === c.node.memberId))
      ctx.addIssue({
        code: 'custom',
        path: ['node', 'memberId'],
        message: `${c.node.memberId} is not a committee member`,
      })
    if (c.chains.some((x) => x.kind === 'substrate'))
      m.forEach((x, i) => {
        if (x.substrateAccount === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['committee', 'members', i, 'substrateAccount'],
            message: 'required: a Substrate chain is configured (the committee multisig needs every member)',
          })
      })
    const refs = new Set(c.chains.map((x) => x.ref))
    c.assets.forEach((a, i) => {
      if (!refs.has(a.home.chain))
        ctx.addIssue({ code: 'custom', path: ['assets', i, 'home', 'chain'], message: `unknown chain ${a.home.chain}` })
    })
    c.routes?.forEach((r, i) => {
      if (!refs.has(r.from))
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'from'], message: `unknown chain ${r.from}` })
      if (!refs.has(r.to)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'to'], message: `unknown chain ${r.to}` })
      if (r.from === r.to)
        ctx.addIssue({ code: 'custom', path: ['routes', i], message: 'a route needs two different chains' })
    })
  })

export type Config = z.infer<typeof ConfigSchema>
