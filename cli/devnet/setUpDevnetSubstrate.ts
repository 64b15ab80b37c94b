import { randomBytes } from 'node:crypto'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import type { Logger } from 'pino'
import { committeeMultisig } from '../../adapters/substrate/destination/committeeMultisig.js'
import { setupWrappedAsset } from '../../adapters/substrate/destination/setupWrappedAsset.js'
import type { ChainRef, Hex } from '../../types.js'
import { ASSET_HUB_CHAIN, type Chopsticks, startChopsticks } from './startChopsticks.js'

/** The devnet's Asset Hub domain (EVM chains A and B are 1 and 2). */
export const ASSET_HUB_DOMAIN = 3
/** `assets`-pallet id of the wrapped EVM test token on the devnet's Asset Hub. */
export const WRAPPED_TOKEN_ASSET_HUB_ID = 1984
/** Native balance (planck, 12 decimals) given to members, users and the multisig: 10 000 ROC. */
const DEV_FUNDS = 10_000n * 10n ** 12n

/** The devnet's Asset Hub chain as every relayer config lists it (the member's seed goes to relayer.env). */
export interface RelayerSubstrateSpec {
  ref: ChainRef
  domain: number
  wsUrl: string
  genesisHash: Hex
  startBlock: bigint
  pollIntervalMs: number
  /** The wrapped EVM test token: Isthmus asset id → `assets` id the multisig mints. */
  assets: { assetId: Hex; kind: 'wrapped'; assetHubId: number }[]
}

export interface DevnetSubstrate {
  readonly ref: ChainRef
  readonly domain: number
  readonly chain: Chopsticks
  /** The committee multisig (owner of the wrapped asset; receives outbound asset movements). */
  readonly multisig: Hex
  /** Each member's sr25519 seed (its relayer's signer) and account, in member order. */
  readonly members: { seed: Hex; account: Hex }[]
  /** Funded dev users (//Alice, //Bob, //Charlie) as URIs and accounts. */
  readonly users: { uri: string; account: Hex }[]
  readonly wrappedToken: { assetId: Hex; assetHubId: number }
  readonly relayerSpec: RelayerSubstrateSpec
  /**
   * Pause or resume the ~blockTimeMs block ticker (tests drive blocks themselves while paused);
   * resolves once a block being built when pausing is done.
   */
  setProducing(on: boolean): Promise<void>
  stop(): Promise<void>
}

/**
 * Block production for a chopsticks chain in Manual mode: one `dev_newBlock` every `intervalMs`, never
 * two at once; errors (a chain that is restarting) are skipped.
 */
const startTicker = (chain: Chopsticks, intervalMs: number) => {
  let on = true
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let inFlight: Promise<unknown> = Promise.resolve()
  const tick = () => {
    if (stopped) return
    inFlight = (on ? chain.newBlock().catch(() => undefined) : Promise.resolve()).then(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs)
    })
  }
  timer = setTimeout(tick, intervalMs)
  return {
    set: async (v: boolean) => {
      on = v
      await inFlight
    },
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await inFlight
    },
  }
}

/**
 * Start the devnet's Asset Hub (chopsticks `--genesis` Rococo Asset Hub, one block every `blockTimeMs`),
 * give every committee member a fresh sr25519 account, fund members, users and the committee multisig,
 * and create the wrapped EVM test token as an `assets` asset owned and issued by the multisig
 * (`setupWrappedAsset`). Everything is stopped again on failure.
 * @throws ProcessFailedError, DeployFailedError, RpcTimeoutError
 */
export const setUpDevnetSubstrate = async (o: {
  /** Default ASSET_HUB_DOMAIN (3). */
  domain?: number
  memberCount: number
  threshold: number
  blockTimeMs: number
  pollIntervalMs: number
  evmToken: { assetId: Hex; symbol: string; decimals: number }
  logFile?: string
  readyTimeoutMs: number
  log: Logger
}): Promise<DevnetSubstrate> => {
  await cryptoWaitReady()
  const domain = o.domain ?? ASSET_HUB_DOMAIN
  const chain = await startChopsticks({
    readyTimeoutMs: o.readyTimeoutMs,
    ...(o.logFile ? { logFile: o.logFile } : {}),
  })
  const ticker = startTicker(chain, Math.max(100, o.blockTimeMs))
  let api: ApiPromise | undefined
  try {
    const keyring = new Keyring({ type: 'sr25519' })
    const members = Array.from({ length: o.memberCount }, () => {
      const seed = u8aToHex(randomBytes(32)) as Hex
      return { seed, account: u8aToHex(keyring.addFromUri(seed).publicKey) as Hex }
    })
    const multisig = committeeMultisig(
      members.map((m) => m.account),
      o.threshold,
    )
    const userPairs: [string, KeyringPair][] = ['//Alice', '//Bob', '//Charlie'].map((u) => [u, keyring.addFromUri(u)])
    const users = userPairs.map(([uri, p]) => ({ uri, account: u8aToHex(p.publicKey) as Hex }))
    await chain.fund([...members.map((m) => m.account), ...users.map((u) => u.account), multisig.account], DEV_FUNDS)
    const startBlock = BigInt(await chain.headNumber())
    api = await ApiPromise.create({ provider: new WsProvider(chain.wsUrl, 500), noInitWarn: true })
    await setupWrappedAsset({
      api,
      chain: ASSET_HUB_CHAIN,
      payer: userPairs[0]![1],
      multisig: multisig.account,
      assetHubId: WRAPPED_TOKEN_ASSET_HUB_ID,
      name: `Isthmus wrapped ${o.evmToken.symbol}`,
      symbol: `w${o.evmToken.symbol}`,
      decimals: o.evmToken.decimals,
      log: o.log,
      txTimeoutMs: o.readyTimeoutMs,
    })
    const wrappedToken = { assetId: o.evmToken.assetId.toLowerCase() as Hex, assetHubId: WRAPPED_TOKEN_ASSET_HUB_ID }
    return {
      ref: ASSET_HUB_CHAIN,
      domain,
      chain,
      multisig: multisig.account,
      members,
      users,
      wrappedToken,
      relayerSpec: {
        ref: ASSET_HUB_CHAIN,
        domain,
        wsUrl: chain.wsUrl,
        genesisHash: chain.genesisHash,
        startBlock,
        pollIntervalMs: o.pollIntervalMs,
        assets: [{ ...wrappedToken, kind: 'wrapped' }],
      },
      setProducing: ticker.set,
      stop: async () => {
        await api?.disconnect().catch(() => {})
        await ticker.stop()
        await chain.stop()
      },
    }
  } catch (e) {
    await api?.disconnect().catch(() => {})
    await ticker.stop()
    await chain.stop()
    throw e
  }
}
