import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeAddress } from '@polkadot/util-crypto'
import { computeAddress, encryptKeystoreJsonSync } from 'ethers'
import { stringify } from 'yaml'
import { parseConfig } from '../../config/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { FABRIC_BATCH_TIMEOUT_MS } from './fabricConfigFiles.js'
import type { RelayerSubstrateSpec } from './setUpDevnetSubstrate.js'

/** One chain as every relayer config lists it. */
export interface RelayerChainSpec {
  ref: ChainRef
  domain: number
  chainId: bigint
  rpcUrl: string
  bridge: Hex
  startBlock: bigint
  confirmations: number
  pollIntervalMs: number
}

/** The devnet's Fabric chain as every relayer config lists it (paths absolute; key in relayer.env). */
export interface RelayerFabricSpec {
  ref: ChainRef
  domain: number
  peerEndpoint: string
  tlsRootCertPath: string
  tlsHostnameOverride: string
  channel: string
  chaincode: string
  mspId: string
  certPath: string
  /** The identity's P-256 key as a 32-byte scalar (written to relayer.env, never to the config). */
  keyScalar: Hex
  mspRoots: Record<string, string[]>
  ordererMspIds: string[]
  endorsementPolicy: { signedBy: string[]; rule: 'AND' }
  startBlock: bigint
}

export interface RelayerMemberSpec {
  id: string
  attestationKey: Hex
  deliveryKey: Hex
}

export interface WriteRelayerFilesOptions {
  /** `<stateDir>/<member id>/` receives config.yaml, the keystore, relayer.env and state/. */
  dir: string
  member: RelayerMemberSpec
  members: RelayerMemberSpec[]
  threshold: number
  epoch: bigint
  chains: RelayerChainSpec[]
  /** A Fabric chain next to the EVM ones (`isthmus dev --fabric`). */
  fabric?: RelayerFabricSpec
  /**
   * The Asset Hub (chopsticks) next to the EVM ones: its config entry, every member's sr25519 account
   * (in member order, the committee multisig's signatories) and this member's seed (relayer.env).
   */
  substrate?: { spec: RelayerSubstrateSpec; accounts: Hex[]; seed: Hex }
  natsUrl: string
  /** `keystore`: the attestation key in an encrypted keystore (password in an env var); `env`: in an env var. */
  keys: 'keystore' | 'env'
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error'
  /** How long a delivery tx may stay pending before the relayer replaces it. */
  stuckAfterMs: number
  /** The config's `relayer:` section (pipeline timings); schema defaults fill the rest. */
  tuning: RelayerTuningInput
}

/** The `relayer:` section of a config as written (see RelayerTuningConfig in config/schema.ts). */
export type RelayerTuningInput = Partial<{
  attestConcurrency: number
  committeeRefreshMs: number
  retryBaseMs: number
  retryMaxMs: number
  maxDeliveryBatch: number
  deliveryLingerMs: number
  deliveryRetryDelaysMs: number[]
  deliveryMaxDeliver: number
  deliveryAckWaitMs: number
  shutdownGraceMs: number
}>

export interface RelayerFiles {
  configPath: string
  /** The secrets the relayer reads from its environment (never written into config.yaml). */
  env: Record<string, string>
}

export const ENV_KEYSTORE_PASSWORD = 'ISTHMUS_KEYSTORE_PASSWORD'
export const ENV_ATTESTATION_KEY = 'ISTHMUS_ATTESTATION_KEY'
export const ENV_DELIVERY_KEY = 'ISTHMUS_DELIVERY_KEY'
export const ENV_FABRIC_KEY = 'ISTHMUS_FABRIC_KEY'

const fabricChainDoc = (f: RelayerFabricSpec) => ({
  kind: 'fabric',
  ref: f.ref,
  domain: f.domain,
  peerEndpoint: f.peerEndpoint,
  tlsRootCertPath: f.tlsRootCertPath,
  tlsHostnameOverride: f.tlsHostnameOverride,
  channel: f.channel,
  chaincode: f.chaincode,
  mspId: f.mspId,
  identity: { certPath: f.certPath, key: { env: ENV_FABRIC_KEY } },
  mspRoots: f.mspRoots,
  ordererMspIds: f.ordererMspIds,
  endorsementPolicy: f.endorsementPolicy,
  startBlock: Number(f.startBlock),
  batchTimeoutMs: FABRIC_BATCH_TIMEOUT_MS,
})

// A devnet key protects nothing of value; a cheap scrypt keeps relayer (re)starts fast.
const DEVNET_SCRYPT = { N: 1 << 12, r: 8, p: 1 }

const refsOf = (o: WriteRelayerFilesOptions): ChainRef[] => [
  ...o.chains.map((c) => c.ref),
  ...(o.fabric ? [o.fabric.ref] : []),
  ...(o.substrate ? [o.substrate.spec.ref] : []),
]

export const ENV_SUBSTRATE_SEED = 'ISTHMUS_SUBSTRATE_SEED'

const substrateChainDoc = (s: RelayerSubstrateSpec) => ({
  kind: 'substrate',
  ref: s.ref,
  domain: s.domain,
  wsUrls: [s.wsUrl],
  genesisHash: s.genesisHash,
  signer: { env: ENV_SUBSTRATE_SEED },
  startBlock: Number(s.startBlock),
  // chopsticks: zero stateRoot (events unproven), extrinsicsRoot = blake2 of the body.
  commitments: 'chopsticks',
  assets: s.assets,
  pollIntervalMs: s.pollIntervalMs,
  approvalWaitMs: 10_000,
  txTimeoutMs: 60_000,
})

const configDoc = (o: WriteRelayerFilesOptions, stateDir: string) => ({
  node: {
    memberId: o.member.id,
    attestationKey:
      o.keys === 'keystore'
        ? { keystore: 'attestation.keystore.json', passwordEnv: ENV_KEYSTORE_PASSWORD }
        : { env: ENV_ATTESTATION_KEY },
    stateDir,
  },
  committee: {
    epoch: Number(o.epoch),
    threshold: o.threshold,
    policy: 'majority',
    members: o.members.map((m, i) => ({
      id: m.id,
      address: computeAddress(m.attestationKey),
      operatorId: `devnet-operator-${i + 1}`,
      custodyDomain: `devnet-custody-${i + 1}`,
      // SS58: a 0x AccountId32 would look like a pasted key to the config loader.
      ...(o.substrate ? { substrateAccount: encodeAddress(o.substrate.accounts[i]!, 42) } : {}),
    })),
  },
  chains: [
    ...o.chains.map((c) => ({
      kind: 'evm',
      ref: c.ref,
      domain: c.domain,
      chainId: Number(c.chainId),
      rpcUrls: [c.rpcUrl],
      bridge: c.bridge,
      startBlock: Number(c.startBlock),
      finality: { mode: 'confirmations', confirmations: c.confirmations },
      signer: { env: ENV_DELIVERY_KEY },
      pollIntervalMs: c.pollIntervalMs,
      destinationConfirmations: 1,
      stuckAfterMs: o.stuckAfterMs,
    })),
    ...(o.fabric ? [fabricChainDoc(o.fabric)] : []),
    ...(o.substrate ? [substrateChainDoc(o.substrate.spec)] : []),
  ],
  routes: refsOf(o).flatMap((from) =>
    refsOf(o)
      .filter((to) => to !== from)
      .map((to) => ({ from, to })),
  ),
  nats: { servers: [o.natsUrl], replicas: 1 },
  api: { host: '127.0.0.1', port: 0 },
  relayer: o.tuning,
  logLevel: o.logLevel,
})

/**
 * Write one relayer's config.yaml (validated against the config schema first), its encrypted
 * attestation keystore (mode 0600) and relayer.env (mode 0600: the devnet's throwaway secrets, so an
 * operator can restart the relayer by hand with `set -a; . relayer.env; isthmus start --config …`).
 * @throws ConfigInvalidError when the generated config does not match the schema
 */
export const writeRelayerFiles = (o: WriteRelayerFilesOptions): RelayerFiles => {
  const stateDir = join(o.dir, 'state')
  mkdirSync(stateDir, { recursive: true })
  const doc = configDoc(o, stateDir)
  parseConfig(doc, `${o.member.id} devnet config`)
  const env: Record<string, string> = { [ENV_DELIVERY_KEY]: o.member.deliveryKey }
  if (o.fabric) env[ENV_FABRIC_KEY] = o.fabric.keyScalar
  if (o.substrate) env[ENV_SUBSTRATE_SEED] = o.substrate.seed
  if (o.keys === 'keystore') {
    const password = randomBytes(16).toString('hex')
    const json = encryptKeystoreJsonSync(
      { address: computeAddress(o.member.attestationKey), privateKey: o.member.attestationKey },
      password,
      { scrypt: DEVNET_SCRYPT },
    )
    const keystore = join(o.dir, 'attestation.keystore.json')
    writeFileSync(keystore, json, { mode: 0o600 })
    env[ENV_KEYSTORE_PASSWORD] = password
  } else {
    env[ENV_ATTESTATION_KEY] = o.member.attestationKey
  }
  const configPath = join(o.dir, 'config.yaml')
  writeFileSync(configPath, `# isthmus devnet: relayer ${o.member.id} (generated)\n${stringify(doc)}`)
  const envPath = join(o.dir, 'relayer.env')
  writeFileSync(
    envPath,
    `${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  )
  chmodSync(envPath, 0o600)
  return { configPath, env }
}
