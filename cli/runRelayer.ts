import { type JetStreamClient, jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { computeAddress } from 'ethers'
import type { Logger } from 'pino'
import { lastValueFrom, tap } from 'rxjs'
import { type ChainAdapter, createEvmAdapter, createFabricAdapter } from '../adapters/index.js'
import { type Config, resolvePrivateKey } from '../config/index.js'
import { CommitteeMismatchError, ConfigInvalidError } from '../errors.js'
import {
  BUCKETS,
  checkFinalitySettings,
  connectNats,
  createRelayerNode,
  ensureTopology,
  type FailpointName,
  type FinalitySetting,
  type NodeActivity,
  natsToRelayError,
  openSignerRecords,
  parseFailpoints,
  preflightRelayer,
  type RelayerChain,
  type RelayerNode,
  type RelayerTuning,
  type RelayRoute,
} from '../relayer/index.js'
import type { ChainRef, Hex } from '../types.js'
import { evmAdapterOptionsOf } from './evmAdapterOptionsOf.js'
import { fabricAdapterOptionsOf } from './fabricAdapterOptionsOf.js'
import { substrateChainOf } from './substrateChainOf.js'

export interface RunningRelayer {
  readonly node: RelayerNode
  readonly memberId: string
  readonly signer: Hex
  readonly routes: RelayRoute[]
  /** The node's chains (adapters) and JetStream client, for monitoring (metrics, alerts). */
  readonly chains: RelayerChain[]
  readonly js: JetStreamClient
  /** Resolves when the node's pipeline completed (after `stop`, or when every step ended). */
  readonly done: Promise<void>
  /**
   * Graceful shutdown: stop observing, let in-flight deliveries finish and ack (at most
   * `graceMs`), drain and close NATS, close the adapters.
   * @returns true when the pipeline finished within the grace period
   */
  stop(graceMs: number): Promise<boolean>
}

const routesOf = (cfg: Config): RelayRoute[] =>
  (
    cfg.routes ?? cfg.chains.flatMap((a) => cfg.chains.filter((b) => b !== a).map((b) => ({ from: a.ref, to: b.ref })))
  ).map((r) => ({ from: r.from as ChainRef, to: r.to as ChainRef }))

const tuningOf = (cfg: Config): Partial<RelayerTuning> => ({
  attestConcurrency: cfg.relayer.attestConcurrency,
  committeeRefreshMs: cfg.relayer.committeeRefreshMs,
  retryBaseMs: cfg.relayer.retryBaseMs,
  retryMaxMs: cfg.relayer.retryMaxMs,
  maxDeliveryBatch: cfg.relayer.maxDeliveryBatch,
  deliveryLingerMs: cfg.relayer.deliveryLingerMs,
  deliveryRetryDelaysMs: [...cfg.relayer.deliveryRetryDelaysMs],
  delivererConsumer: { ackWaitMs: cfg.relayer.deliveryAckWaitMs, maxDeliver: cfg.relayer.deliveryMaxDeliver },
  releasePollMs: cfg.relayer.releasePollMs,
  maxReleasesPerPoll: cfg.relayer.maxReleasesPerPoll,
  clockSkewMaxMs: cfg.relayer.clockSkewMaxMs,
  clockCheckMs: cfg.relayer.clockCheckMs,
})

/** F-36: refuse a weaker source finality setting than the one recorded for the scanned range. */
const guardFinality = async (
  js: JetStreamClient,
  cfg: Config,
  chains: RelayerChain[],
  routes: RelayRoute[],
  log: Logger,
) => {
  let cursors: Awaited<ReturnType<Kvm['open']>>
  try {
    cursors = await new Kvm(js).open(BUCKETS.cursors)
  } catch (e) {
    throw natsToRelayError(e, `kv open ${BUCKETS.cursors}`)
  }
  const sources = new Set(routes.map((r) => r.from))
  await checkFinalitySettings({
    cursors,
    memberId: cfg.node.memberId,
    chains: chains.flatMap((c) =>
      c.finality && sources.has(c.adapter.chain) ? [{ chain: c.adapter.chain, finality: c.finality }] : [],
    ),
    allowDowngrade: cfg.relayer.allowFinalityDowngrade,
    log,
  })
}

const createChains = async (cfg: Config & { configDir: string }, env: NodeJS.ProcessEnv, log: Logger) => {
  const chains: RelayerChain[] = []
  for (const [i, c] of cfg.chains.entries()) {
    if (c.kind === 'fabric') {
      const key = (await resolvePrivateKey(c.identity.key, env, cfg.configDir)) as Hex
      const o = fabricAdapterOptionsOf(c, key, cfg, i)
      chains.push({
        adapter: createFabricAdapter(o, { log }),
        startBlock: c.startBlock,
        trust: {
          fabric: {
            channel: o.channel,
            chaincode: o.chaincode,
            mspRoots: o.mspRoots,
            ordererMspIds: o.ordererMspIds,
            endorsementPolicy: o.endorsementPolicy,
          },
        },
      })
      continue
    }
    if (c.kind === 'substrate') {
      const seed = (await resolvePrivateKey(c.signer, env, cfg.configDir)) as Hex
      chains.push(await substrateChainOf(cfg, c, seed, log))
      continue
    }
    const signerKey = (await resolvePrivateKey(c.signer, env, cfg.configDir)) as Hex
    const adapter = createEvmAdapter(evmAdapterOptionsOf(c, signerKey, cfg), { log })
    const finality: FinalitySetting =
      c.finality.mode === 'confirmations'
        ? { mode: 'confirmations', confirmations: c.finality.confirmations }
        : { mode: 'finalized-tag' }
    chains.push({
      adapter,
      startBlock: c.startBlock,
      trust: { chainId: c.chainId, bridge: c.bridge as Hex },
      finality,
    })
  }
  return chains
}

const closeAll = async (adapters: ChainAdapter[], nc: NatsConnection | undefined, log: Logger) => {
  if (nc && !nc.isClosed()) {
    try {
      await nc.drain()
    } catch (err) {
      log.warn({ err }, 'nats drain failed')
    }
  }
  for (const a of adapters)
    await a.close().catch((err: unknown) => log.warn({ err, chain: a.chain }, 'adapter close failed'))
}

/**
 * Everything `isthmus start` does before "relayer ready": resolve the attestation key and each
 * chain's delivery key (env var or encrypted keystore), build the adapters, connect NATS, run the
 * startup preflight (each chain's chain id / bridge code / endpoint agreement; the own key is the
 * config's member and a member of every destination's on-chain committee, whose epoch, threshold
 * and members equal the config's; NATS topology ensured; no source chain's finality setting weaker
 * than the one its scanned range was recorded with, F-36), then start the relayer node. Failpoints
 * (crash tests) come from `ISTHMUS_FAILPOINTS` in `env`.
 * @throws the first failing check as a RelayError (KeyInvalidError, ChainIdMismatchError,
 *   CommitteeMismatchError, FinalityDowngradeError, NatsUnavailableError, ConfigInvalidError, ...);
 *   nothing is left open
 */
export const runRelayer = async (
  cfg: Config & { configDir: string },
  env: NodeJS.ProcessEnv,
  log: Logger,
  /** Sees every node activity (metrics). */
  onActivity?: (a: NodeActivity) => void,
): Promise<RunningRelayer> => {
  const memberId = cfg.node.memberId
  // Crash points for crash tests (RELIABILITY.md F-19..F-21): read here, at the CLI edge, only.
  const failpoints: FailpointName[] = parseFailpoints(env['ISTHMUS_FAILPOINTS'])
  const attestationKey = (await resolvePrivateKey(cfg.node.attestationKey, env, cfg.configDir)) as Hex
  const signer = computeAddress(attestationKey).toLowerCase() as Hex
  const member = cfg.committee.members.find((m) => m.id === memberId)
  if (member && member.address.toLowerCase() !== signer) {
    throw new CommitteeMismatchError({
      chain: 'config',
      detail: `member ${memberId} is listed with address ${member.address.toLowerCase()}, but its attestation key is ${signer}`,
    })
  }
  if (cfg.nats.credentialsEnv) {
    // Refuse rather than connect without the credentials the operator asked for.
    throw new ConfigInvalidError({
      source: 'nats',
      issues: [
        { path: 'nats.credentialsEnv', message: 'NATS credentials are not supported by this relayer build yet' },
      ],
    })
  }
  const routes = routesOf(cfg)
  const chains = await createChains(cfg, env, log)
  const adapters = chains.map((c) => c.adapter)
  let nc: NatsConnection | undefined
  try {
    await preflightRelayer({
      chains,
      routes,
      expected: {
        epoch: cfg.committee.epoch,
        threshold: cfg.committee.threshold,
        members: cfg.committee.members.map((m) => m.address as Hex),
      },
      signer,
      log,
    })
    nc = await connectNats({ servers: [...cfg.nats.servers], name: memberId }, log)
    const js = jetstream(nc, { timeout: Math.min(cfg.requestTimeoutMs, 30_000) })
    const topology = await ensureTopology(js, { replicas: cfg.nats.replicas })
    await openSignerRecords(js, cfg.nats.replicas)
    log.info({ topology }, 'nats topology ensured')
    await guardFinality(js, cfg, chains, routes, log)
    const node = createRelayerNode({
      memberId,
      attestationKey,
      chains,
      routes,
      js,
      log,
      tuning: tuningOf(cfg),
      ...(failpoints.length > 0 ? { failpoints } : {}),
    })
    const run$ = onActivity ? node.run$.pipe(tap(onActivity)) : node.run$
    const done = lastValueFrom(run$, { defaultValue: undefined }).then(
      () => undefined,
      (err: unknown) => log.error({ err }, 'relayer node failed'),
    )
    const conn = nc
    return {
      node,
      memberId,
      signer,
      routes,
      chains,
      js,
      done,
      stop: async (graceMs) => {
        node.stop()
        let timer: NodeJS.Timeout | undefined
        const inTime = await Promise.race([
          done.then(() => true),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(false), graceMs)
          }),
        ])
        clearTimeout(timer)
        if (!inTime) log.error({ graceMs }, 'in-flight work did not finish within the grace period')
        await closeAll(adapters, conn, log)
        return inTime
      },
    }
  } catch (e) {
    await closeAll(adapters, nc, log)
    throw e
  }
}
