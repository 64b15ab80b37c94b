import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { computeAddress, Wallet } from 'ethers'
import { ProcessFailedError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import { createLogger } from '../createLogger.js'
import { type DevnetApi, startApiProcess } from './apiProcess.js'
import {
  type DevnetChainContracts,
  type DevnetTokenContracts,
  deployDevnetContracts,
  testTokens,
} from './deployDevnetContracts.js'
import { type DevnetManifest, toManifest } from './devnetManifest.js'
import { createRelayerHandle, isStartCommandAvailable, type RelayerHandle } from './relayerProcess.js'
import { type DevnetFabric, setUpDevnetFabric } from './setUpDevnetFabric.js'
import { ASSET_HUB_DOMAIN, type DevnetSubstrate, setUpDevnetSubstrate } from './setUpDevnetSubstrate.js'
import { type FabricNetwork, startFabricNetwork } from './startFabricNetwork.js'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from './startHardhatNode.js'
import { type NatsServer, startNatsServer } from './startNatsServer.js'
import { type RelayerTuningInput, writeRelayerFiles } from './writeRelayerFiles.js'

/** How a devnet chain makes blocks: `automine` (one per tx), `interval` (every blockTimeMs) or `paused` (none). */
export type MiningMode = 'automine' | 'interval' | 'paused'

export interface DevnetChain extends DevnetChainContracts {
  readonly name: 'A' | 'B'
  readonly ref: ChainRef
  readonly chainId: bigint
  readonly domain: number
  readonly rpcUrl: string
  readonly node: HardhatNode
  readonly blockTimeMs: number
  /** Depth the relayers treat as final (EDR reports finalized = latest). */
  readonly confirmations: number
  /** Switch block production (F-20: `paused` keeps a delivery tx pending; back to `interval`/`automine`). */
  setMining(mode: MiningMode): Promise<void>
}

export interface DevnetAccount {
  address: Hex
  privateKey: Hex
}

export interface Devnet {
  readonly stateDir: string
  readonly a: DevnetChain
  readonly b: DevnetChain
  readonly nats: NatsServer
  readonly token: DevnetTokenContracts
  /** `keys` are the members' throwaway attestation keys (tests sign byzantine attestations with them). */
  readonly committee: { epoch: bigint; threshold: number; signers: Hex[]; keys: Hex[] }
  /** Owner and guardian (pause/unpause) of both bridges. */
  readonly deployer: DevnetAccount
  /** Funded with ETH on both chains and with test tokens on chain A. */
  readonly users: DevnetAccount[]
  /** One handle per committee member; not started with `relayers: 'none'` or while `isthmus start` does not exist. */
  readonly relayers: RelayerHandle[]
  /** The `isthmus api` process, when started with `api: true` (`isthmus dev` does). */
  readonly api?: DevnetApi
  /** The local Fabric network and its bridge chaincode, with `fabric: true` (`isthmus dev --fabric`). */
  readonly fabric?: DevnetFabric
  /** The chopsticks Asset Hub, its committee multisig and the wrapped test token, with `substrate: true` (`isthmus dev`). */
  readonly substrate?: DevnetSubstrate
  manifest(): DevnetManifest
  /** Stop relayers, nats-server and chains; delete the state dir when this call created it. Idempotent. */
  stop(): Promise<void>
}

export interface StartDevnetOptions {
  /** Kept after stop; default: a fresh temp dir removed by stop. Its devnet parts are reset on start. */
  stateDir?: string
  /** 0 = automine (default 1000). Deployment always automines; this applies afterwards. */
  blockTimeMs?: number
  /** Finality depth for the relayers; default 1 with automine, else 2. */
  confirmations?: number
  /** `auto` (default): launch three relayers when `isthmus start` exists; `none`; `require`: fail without it. */
  relayers?: 'auto' | 'none' | 'require'
  /** Where the attestation keys live: encrypted keystores (default) or env vars. */
  keys?: 'keystore' | 'env'
  /** At most `info`: the devnet waits for each relayer's info-level `relayer ready` line. */
  relayerLogLevel?: 'trace' | 'debug' | 'info'
  /** Relayer chain poll interval; default min(blockTimeMs, 500), 200 with automine. */
  pollIntervalMs?: number
  /** How long a delivery tx may stay pending before the relayer replaces it (default 10 s). */
  stuckAfterMs?: number
  /** Pipeline timings written to each config's `relayer:` section, over the devnet's short defaults. */
  relayerTuning?: RelayerTuningInput
  /** Bound on each readiness wait (chain, nats-server, relayer); default 60 s. */
  readyTimeoutMs?: number
  /** Start `isthmus api` alongside the relayers (default false; `isthmus dev` sets it). */
  api?: boolean
  /**
   * Add a local Hyperledger Fabric network (two orgs, AND endorsement, the bridge chaincode) as a
   * third chain every relayer serves. Needs `npm run setup:fabric` (ToolNotFoundError otherwise).
   */
  fabric?: boolean
  /**
   * Add the Asset Hub (chopsticks `--genesis` Rococo Asset Hub, a block every `assetHubBlockTimeMs`,
   * default 1000) as a chain every relayer serves: domain 3 (4 when Fabric takes 3), the committee's
   * multisig owns the wrapped test token (`isthmus dev` sets it).
   */
  substrate?: boolean
  assetHubBlockTimeMs?: number
  /** Progress lines ("starting chains", …) for a CLI to show. */
  onProgress?: (step: string) => void
}

const CHAINS = [
  { name: 'A', chainId: 31337n, domain: 1 },
  { name: 'B', chainId: 31338n, domain: 2 },
] as const
const COMMITTEE_SIZE = 3
const THRESHOLD = 2
const EPOCH = 1n
const USER_TOKENS = testTokens(1_000_000)
// Loopback chains answer in milliseconds: retry, redeliver and refresh much sooner than in production.
const DEVNET_TUNING: RelayerTuningInput = {
  committeeRefreshMs: 5_000,
  retryBaseMs: 200,
  retryMaxMs: 5_000,
  deliveryRetryDelaysMs: [500, 1_000, 2_000, 5_000],
  deliveryAckWaitMs: 10_000,
  shutdownGraceMs: 5_000,
}

const setMining = async (node: HardhatNode, mode: MiningMode, blockTimeMs: number) => {
  await node.rpc('evm_setIntervalMining', [mode === 'interval' ? blockTimeMs : 0])
  await node.rpc('evm_setAutomine', [mode === 'automine'])
}

const randomKey = (): Hex => Wallet.createRandom().privateKey as Hex

// Each start gets clean chains, so any NATS state or relayer cursor left from a previous run is stale.
const resetStateDir = (dir: string) => {
  for (const part of [
    'nats',
    'logs',
    'api',
    'devnet.json',
    'fabric',
    ...Array.from({ length: COMMITTEE_SIZE }, (_, i) => `relayer-${i + 1}`),
  ])
    rmSync(join(dir, part), { recursive: true, force: true })
  mkdirSync(join(dir, 'logs'), { recursive: true })
}

/** Start everything in `starts`; if any fails, stop the ones that started and rethrow. */
const startAll = async <T extends readonly unknown[]>(
  starts: { [K in keyof T]: () => Promise<T[K]> },
  stopOf: (v: T[number]) => Promise<void>,
): Promise<T> => {
  const settled = await Promise.allSettled(starts.map((s) => s()))
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed) {
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? stopOf(r.value) : undefined)))
    throw failed.reason
  }
  return settled.map((r) => (r as PromiseFulfilledResult<T[number]>).value) as unknown as T
}

/**
 * Bring up a complete local Isthmus environment on free loopback ports: two hardhat chains, a
 * `nats-server -js`, bridges with a 2-of-3 committee of fresh attestation keys, the test ERC-20
 * (home on A, wrapped on B), recording and reverting recipients, funded relayer accounts, a config +
 * keystore per relayer under the state dir, and (once `isthmus start` exists) three relayer processes.
 * Every wait is bounded by `readyTimeoutMs`; on any failure everything started so far is stopped.
 * @throws ToolNotFoundError (no nats-server), ProcessFailedError, DeployFailedError, ConfigInvalidError
 * @example
 * const devnet = await startDevnet({ blockTimeMs: 250 })
 * await devnet.relayers[0]!.kill(); await devnet.relayers[0]!.start()
 * await devnet.stop()
 */
export const startDevnet = async (o: StartDevnetOptions = {}): Promise<Devnet> => {
  const progress = o.onProgress ?? (() => {})
  const mode = o.relayers ?? 'auto'
  const hasStart = isStartCommandAvailable()
  if (mode === 'require' && !hasStart) {
    throw new ProcessFailedError({
      name: 'relayer',
      detail: 'the `isthmus start` command is not available in this build',
    })
  }
  const ownsDir = o.stateDir === undefined
  const stateDir = o.stateDir ? resolve(o.stateDir) : mkdtempSync(join(tmpdir(), 'isthmus-devnet-'))
  mkdirSync(stateDir, { recursive: true })
  resetStateDir(stateDir)
  const blockTimeMs = o.blockTimeMs ?? 1000
  const confirmations = o.confirmations ?? (blockTimeMs > 0 ? 2 : 1)
  const readyTimeoutMs = o.readyTimeoutMs ?? 60_000
  const logs = (name: string) => join(stateDir, 'logs', `${name}.log`)

  progress('starting two hardhat chains and nats-server')
  const [nodeA, nodeB, nats] = await startAll<[HardhatNode, HardhatNode, NatsServer]>(
    [
      () => startHardhatNode({ chainId: CHAINS[0].chainId, logFile: logs('chain-a'), readyTimeoutMs }),
      () => startHardhatNode({ chainId: CHAINS[1].chainId, logFile: logs('chain-b'), readyTimeoutMs }),
      () => startNatsServer({ storeDir: join(stateDir, 'nats'), logFile: logs('nats'), readyTimeoutMs }),
    ],
    (v) => ('dispose' in v ? v.dispose() : v.stop()),
  )
  const relayers: RelayerHandle[] = []
  let apiStarting: Promise<DevnetApi> | undefined
  let fabric: FabricNetwork | undefined
  let substrate: DevnetSubstrate | undefined
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      await apiStarting?.then(
        (a) => a.stop(),
        () => undefined,
      )
      await Promise.all(relayers.map((r) => r.stop()))
      await Promise.all([nats.dispose(), nodeA.stop(), nodeB.stop(), fabric?.stop(), substrate?.stop()])
      if (ownsDir) rmSync(stateDir, { recursive: true, force: true })
    })()
    return stopped
  }
  try {
    if (o.fabric) {
      progress('starting the Fabric network (orderer, two peers, bridge chaincode)')
      fabric = await startFabricNetwork({ dir: join(stateDir, 'fabric', 'network'), logs: true, readyTimeoutMs })
    }
    const devnet = await setUp({
      o,
      fabric,
      setSubstrate: (s) => {
        substrate = s
      },
      stateDir,
      blockTimeMs,
      confirmations,
      readyTimeoutMs,
      nodeA,
      nodeB,
      nats,
      relayers,
      stop,
      progress,
      logs,
    })
    // The API starts next to the relayers: its event index waits for the EVENTS stream they create.
    if (o.api) {
      progress('starting the API (isthmus api)')
      apiStarting = startApiProcess({
        stateDir,
        relayerConfigPath: relayers[0]!.configPath,
        token: { ...devnet.token, homeChain: devnet.a.ref, homeToken: devnet.token.homeToken },
        logFile: logs('api'),
        readyTimeoutMs,
      })
      apiStarting.catch(() => undefined)
    }
    if (mode !== 'none' && hasStart) {
      progress('starting three relayers (isthmus start)')
      await Promise.all(relayers.map((r) => r.start()))
    }
    if (apiStarting) Object.assign(devnet, { api: await apiStarting })
    writeFileSync(join(stateDir, 'devnet.json'), `${JSON.stringify(devnet.manifest(), null, 2)}\n`)
    return devnet
  } catch (e) {
    await stop()
    throw e
  }
}

interface SetUpContext {
  o: StartDevnetOptions
  fabric: FabricNetwork | undefined
  /** Hands the Asset Hub to `stop` as soon as it runs (a later setup failure must stop it too). */
  setSubstrate: (s: DevnetSubstrate) => void
  stateDir: string
  blockTimeMs: number
  confirmations: number
  readyTimeoutMs: number
  nodeA: HardhatNode
  nodeB: HardhatNode
  nats: NatsServer
  relayers: RelayerHandle[]
  stop: () => Promise<void>
  progress: (step: string) => void
  logs: (name: string) => string
}

const setUp = async (c: SetUpContext): Promise<Devnet> => {
  const members = Array.from({ length: COMMITTEE_SIZE }, (_, i) => ({
    id: `relayer-${i + 1}`,
    attestationKey: randomKey(),
    deliveryKey: randomKey(),
  }))
  const signers = members.map((m) => computeAddress(m.attestationKey) as Hex)
  const deployer = { address: computeAddress(HARDHAT_DEV_KEYS[0]) as Hex, privateKey: HARDHAT_DEV_KEYS[0] as Hex }
  const users = HARDHAT_DEV_KEYS.slice(1, 4).map((k) => ({ address: computeAddress(k) as Hex, privateKey: k as Hex }))
  c.progress('deploying bridges, test token and recipients')
  const deployed = await deployDevnetContracts({
    a: { node: c.nodeA, domain: CHAINS[0].domain },
    b: { node: c.nodeB, domain: CHAINS[1].domain },
    deployerKey: deployer.privateKey,
    committee: { signers, threshold: THRESHOLD, epoch: EPOCH },
    users: users.map((u) => u.address),
    userTokens: USER_TOKENS,
    fund: members.map((m) => computeAddress(m.deliveryKey) as Hex),
  })
  const chainOf = (i: 0 | 1, node: HardhatNode, contracts: DevnetChainContracts): DevnetChain => ({
    ...contracts,
    name: CHAINS[i].name,
    ref: `evm:${CHAINS[i].chainId}`,
    chainId: CHAINS[i].chainId,
    domain: CHAINS[i].domain,
    rpcUrl: node.rpcUrl,
    node,
    blockTimeMs: c.blockTimeMs,
    confirmations: c.confirmations,
    setMining: (mode) => setMining(node, mode, c.blockTimeMs),
  })
  const a = chainOf(0, c.nodeA, deployed.a)
  const b = chainOf(1, c.nodeB, deployed.b)
  if (c.blockTimeMs > 0) await Promise.all([a.setMining('interval'), b.setMining('interval')])
  const pollIntervalMs = c.o.pollIntervalMs ?? (c.blockTimeMs > 0 ? Math.min(c.blockTimeMs, 500) : 200)
  let fabric: DevnetFabric | undefined
  if (c.fabric) {
    c.progress('initialising the Fabric bridge chaincode; registering FAB on chain A')
    fabric = await setUpDevnetFabric({
      network: c.fabric,
      dir: join(c.stateDir, 'fabric'),
      committee: { epoch: EPOCH, signers, threshold: THRESHOLD },
      evmToken: { assetId: deployed.token.assetId, symbol: deployed.token.symbol },
      chainA: { rpcUrl: a.rpcUrl, chainId: a.chainId, bridge: a.bridge },
      deployerKey: deployer.privateKey,
    })
  }
  let substrate: DevnetSubstrate | undefined
  if (c.o.substrate) {
    c.progress('starting the Asset Hub (chopsticks), its committee multisig and the wrapped test token')
    substrate = await setUpDevnetSubstrate({
      domain: fabric ? ASSET_HUB_DOMAIN + 1 : ASSET_HUB_DOMAIN,
      memberCount: members.length,
      threshold: THRESHOLD,
      blockTimeMs: c.o.assetHubBlockTimeMs ?? 1000,
      pollIntervalMs: Math.min(pollIntervalMs, 500),
      evmToken: { assetId: deployed.token.assetId, symbol: deployed.token.symbol, decimals: deployed.token.decimals },
      logFile: c.logs('asset-hub'),
      readyTimeoutMs: c.readyTimeoutMs,
      log: createLogger({ level: 'warn' }, createWriteStream(c.logs('asset-hub-setup'))),
    })
    c.setSubstrate(substrate)
  }
  for (const [i, m] of members.entries()) {
    const dir = join(c.stateDir, m.id)
    const files = writeRelayerFiles({
      dir,
      member: m,
      members,
      threshold: THRESHOLD,
      epoch: EPOCH,
      chains: [a, b].map((x) => ({ ...x, startBlock: x.deployBlock, pollIntervalMs })),
      ...(fabric ? { fabric: fabric.relayerSpec } : {}),
      ...(substrate
        ? {
            substrate: {
              spec: substrate.relayerSpec,
              accounts: substrate.members.map((x) => x.account),
              seed: substrate.members[i]!.seed,
            },
          }
        : {}),
      natsUrl: c.nats.url,
      keys: c.o.keys ?? 'keystore',
      logLevel: c.o.relayerLogLevel ?? 'info',
      stuckAfterMs: c.o.stuckAfterMs ?? 10_000,
      tuning: { ...DEVNET_TUNING, ...c.o.relayerTuning },
    })
    c.relayers.push(
      createRelayerHandle({
        id: m.id,
        attestationAddress: computeAddress(m.attestationKey) as Hex,
        deliveryAddress: computeAddress(m.deliveryKey) as Hex,
        configPath: files.configPath,
        logFile: c.logs(m.id),
        env: files.env,
        readyTimeoutMs: c.readyTimeoutMs,
      }),
    )
  }
  const devnet: Devnet = {
    stateDir: c.stateDir,
    a,
    b,
    nats: c.nats,
    token: deployed.token,
    committee: { epoch: EPOCH, threshold: THRESHOLD, signers, keys: members.map((m) => m.attestationKey) },
    deployer,
    users,
    relayers: c.relayers,
    ...(fabric ? { fabric } : {}),
    ...(substrate ? { substrate } : {}),
    manifest: () => toManifest(devnet),
    stop: c.stop,
  }
  return devnet
}
