import type { Logger } from 'pino'
import {
  type CommitteeMultisig,
  committeeMultisig,
  createEvmReader,
  createSubstrateReader,
  type EvmReader,
  type SubstrateReader,
} from '../adapters/index.js'
import type { Config } from '../config/index.js'
import type { ChainRef, Hex } from '../types.js'
import { assetIdOf } from './resolveAssets.js'

/** One configured chain as the API serves it; `reader` is set for the kinds the API can read (EVM). */
export interface ApiChain {
  ref: ChainRef
  kind: 'evm' | 'substrate' | 'fabric'
  domain: number
  chainId?: bigint
  /** Bridge address (EVM), genesis hash (Substrate) or `<channel>/<chaincode>` (Fabric). */
  bridge: string
  finality: { mode: 'finalized-tag' } | { mode: 'confirmations'; confirmations: number }
  /** Depth a delivery waits for on this chain as a destination. */
  destinationConfirmations: number
  reader?: EvmReader
  /** Substrate chains: the read-only client, the committee multisig that delivers here, the asset routes. */
  substrate?: {
    reader: SubstrateReader
    /** Absent when the committee has no Substrate accounts (deliveries here cannot be priced). */
    multisig?: CommitteeMultisig
    assets: ({ assetId: Hex; kind: 'wrapped' | 'asset'; assetHubId: number } | { assetId: Hex; kind: 'native' })[]
  }
  /**
   * Fabric chains: where the bridge chaincode runs (its contract is `isthmus`), the orderer's batch
   * timeout (a committed VALID block is final: it is Fabric's time per delivery) and the ids of the
   * configured `assets` (home there when their home chain is this one, wrapped otherwise).
   */
  fabric?: { channel: string; chaincode: string; batchTimeoutMs: number; assetIds: Hex[] }
}

export interface ApiAssetConfig {
  symbol: string
  decimals: number
  home: { chain: ChainRef; address: Hex }
}

/** The committee as configured (`GET /v1/committee`); addresses lower-case. */
export interface ApiCommittee {
  epoch: bigint
  threshold: number
  policy: 'majority' | 'bft'
  members: { id: string; address: Hex; operatorId: string }[]
  /** A member with no signature within this window while others signed is silent (`alerts.silentWindowMs`). */
  silentWindowMs: number
}

/** The chains, routes and assets the API serves. */
export interface ApiSetup {
  chains: ApiChain[]
  routes: { from: ChainRef; to: ChainRef }[]
  assets: ApiAssetConfig[]
  /** Absent: `GET /v1/committee` answers 404. */
  committee?: ApiCommittee
}

/**
 * The API's view of a relayer config: every chain (EVM ones with a read-only reader; no key is read),
 * the configured routes (every ordered pair when none are listed) and the listed assets.
 * @example const setup = apiSetupOf(loadConfig(process.env, path), log)
 */
export const apiSetupOf = (cfg: Config, log: Logger): ApiSetup => {
  const chains: ApiChain[] = cfg.chains.map((c) => {
    if (c.kind === 'evm') {
      return {
        ref: c.ref as ChainRef,
        kind: 'evm',
        domain: c.domain,
        chainId: c.chainId,
        bridge: c.bridge.toLowerCase(),
        finality: c.finality,
        destinationConfirmations: c.destinationConfirmations,
        reader: createEvmReader({
          chain: c.ref as ChainRef,
          chainId: c.chainId,
          rpcUrls: c.rpcUrls,
          bridge: c.bridge.toLowerCase() as Hex,
          requestTimeoutMs: Math.min(cfg.requestTimeoutMs, 5_000),
          log: log.child({ module: 'api-chain', chain: c.ref }),
        }),
      }
    }
    if (c.kind === 'substrate') {
      const accounts = cfg.committee.members.map((m) => m.substrateAccount)
      return {
        ref: c.ref as ChainRef,
        kind: c.kind,
        domain: c.domain,
        bridge: c.genesisHash.toLowerCase(),
        finality: { mode: 'finalized-tag' },
        destinationConfirmations: 1,
        substrate: {
          reader: createSubstrateReader({
            chain: c.ref as ChainRef,
            wsUrls: [...c.wsUrls],
            genesisHash: c.genesisHash.toLowerCase() as Hex,
            requestTimeoutMs: Math.min(cfg.requestTimeoutMs, 5_000),
            log: log.child({ module: 'api-chain', chain: c.ref }),
          }),
          ...(accounts.every((a) => a !== undefined)
            ? { multisig: committeeMultisig(accounts, cfg.committee.threshold) }
            : {}),
          assets: c.assets.map((a) =>
            a.kind === 'native'
              ? { assetId: a.assetId.toLowerCase() as Hex, kind: 'native' as const }
              : { assetId: a.assetId.toLowerCase() as Hex, kind: a.kind, assetHubId: a.assetHubId },
          ),
        },
      }
    }
    return {
      ref: c.ref as ChainRef,
      kind: c.kind,
      domain: c.domain,
      bridge: `${c.channel}/${c.chaincode}`,
      finality: { mode: 'finalized-tag' },
      destinationConfirmations: 1,
      fabric: { channel: c.channel, chaincode: c.chaincode, batchTimeoutMs: c.batchTimeoutMs, assetIds: [] },
    }
  })
  const refs = chains.map((c) => c.ref)
  const routes =
    cfg.routes?.map((r) => ({ from: r.from as ChainRef, to: r.to as ChainRef })) ??
    refs.flatMap((from) => refs.filter((to) => to !== from).map((to) => ({ from, to })))
  const assets = cfg.assets.map((a) => ({
    symbol: a.symbol,
    decimals: a.decimals,
    home: { chain: a.home.chain as ChainRef, address: a.home.address.toLowerCase() as Hex },
  }))
  for (const c of chains) {
    if (!c.fabric) continue
    for (const a of assets) {
      const home = chains.find((h) => h.ref === a.home.chain)
      if (home) c.fabric.assetIds.push(assetIdOf(home.domain, a.home.address))
    }
  }
  const committee: ApiCommittee = {
    epoch: cfg.committee.epoch,
    threshold: cfg.committee.threshold,
    policy: cfg.committee.policy,
    members: cfg.committee.members.map((m) => ({
      id: m.id,
      address: m.address.toLowerCase() as Hex,
      operatorId: m.operatorId,
    })),
    silentWindowMs: cfg.alerts.silentWindowMs,
  }
  return { chains, routes, assets, committee }
}
