import type { ChainRef, Hex } from '../../types.js'
import type { Devnet, DevnetChain } from './startDevnet.js'

/** One devnet chain in the manifest (JSON: bigints as decimal strings). */
export interface DevnetManifestChain {
  name: 'A' | 'B'
  ref: ChainRef
  chainId: string
  domain: number
  rpcUrl: string
  bridge: Hex
  deployBlock: string
  recipient: Hex
  revertingRecipient: Hex
  blockTimeMs: number
  confirmations: number
}

/**
 * Everything a client needs to use a running devnet: what `isthmus dev --json` prints on one line and
 * what `<stateDir>/devnet.json` holds. Keys listed are loopback-only throwaway keys (hardhat's public
 * dev accounts); relayer secrets stay in each relayer's `relayer.env`.
 */
export interface DevnetManifest {
  v: 1
  stateDir: string
  nats: { url: string; storeDir: string }
  chains: DevnetManifestChain[]
  token: {
    symbol: string
    decimals: number
    assetId: Hex
    home: { chain: 'A'; domain: number; address: Hex }
    wrapped: { chain: 'B'; domain: number; address: Hex }
  }
  committee: { epoch: string; threshold: number; signers: Hex[] }
  relayers: {
    id: string
    attestationAddress: Hex
    deliveryAddress: Hex
    configPath: string
    logFile: string
    pid: number | null
  }[]
  accounts: { deployer: { address: Hex; privateKey: Hex }; users: { address: Hex; privateKey: Hex }[] }
  /** The HTTP API (`isthmus api`), when the devnet runs one (`isthmus dev` does); dashboard at `<url>/dashboard/`. */
  api?: { url: string }
  /** The Fabric network (`isthmus dev --fabric`): FAB is home here and wrapped on chain A. */
  fabric?: {
    ref: ChainRef
    domain: number
    channel: string
    chaincode: string
    peers: { mspId: string; endpoint: string }[]
    orderer: string
    fab: { symbol: string; assetId: Hex; wrappedOnA: Hex }
    /** Org1's User1, holding FAB; its certificate and key are in `dir`. */
    user: { mspId: string; account: Hex }
    dir: string
  }
  /** The Asset Hub (`isthmus dev`): chopsticks, the committee multisig, the wrapped test token, funded users. */
  substrate?: {
    ref: ChainRef
    domain: number
    wsUrl: string
    genesisHash: Hex
    multisig: Hex
    wrappedToken: { assetId: Hex; assetHubId: number }
    /** Funded dev accounts (sr25519 URIs such as //Alice) and their AccountId32. */
    users: { uri: string; account: Hex }[]
  }
}

const chain = (c: DevnetChain): DevnetManifestChain => ({
  name: c.name,
  ref: c.ref,
  chainId: c.chainId.toString(),
  domain: c.domain,
  rpcUrl: c.rpcUrl,
  bridge: c.bridge,
  deployBlock: c.deployBlock.toString(),
  recipient: c.recipient,
  revertingRecipient: c.revertingRecipient,
  blockTimeMs: c.blockTimeMs,
  confirmations: c.confirmations,
})

/** The JSON-ready description of a running devnet. */
export const toManifest = (d: Devnet): DevnetManifest => ({
  v: 1,
  stateDir: d.stateDir,
  nats: { url: d.nats.url, storeDir: d.nats.storeDir },
  chains: [chain(d.a), chain(d.b)],
  token: {
    symbol: d.token.symbol,
    decimals: d.token.decimals,
    assetId: d.token.assetId,
    home: { chain: 'A', domain: d.a.domain, address: d.token.homeToken },
    wrapped: { chain: 'B', domain: d.b.domain, address: d.token.wrappedToken },
  },
  committee: { epoch: d.committee.epoch.toString(), threshold: d.committee.threshold, signers: d.committee.signers },
  relayers: d.relayers.map((r) => ({
    id: r.id,
    attestationAddress: r.attestationAddress,
    deliveryAddress: r.deliveryAddress,
    configPath: r.configPath,
    logFile: r.logFile,
    pid: r.process?.pid ?? null,
  })),
  accounts: { deployer: d.deployer, users: d.users },
  ...(d.api ? { api: { url: d.api.url } } : {}),
  ...(d.fabric
    ? {
        fabric: {
          ref: d.fabric.ref,
          domain: d.fabric.domain,
          channel: d.fabric.network.channel,
          chaincode: d.fabric.network.chaincode,
          peers: d.fabric.network.peers.map((p) => ({ mspId: p.mspId, endpoint: p.endpoint })),
          orderer: d.fabric.network.orderer.endpoint,
          fab: { symbol: d.fabric.fab.symbol, assetId: d.fabric.fab.assetId, wrappedOnA: d.fabric.fab.wrappedOnA },
          user: { mspId: d.fabric.user.mspId, account: d.fabric.user.account },
          dir: d.fabric.network.dir,
        },
      }
    : {}),
  ...(d.substrate
    ? {
        substrate: {
          ref: d.substrate.ref,
          domain: d.substrate.domain,
          wsUrl: d.substrate.chain.wsUrl,
          genesisHash: d.substrate.chain.genesisHash,
          multisig: d.substrate.multisig,
          wrappedToken: d.substrate.wrappedToken,
          users: d.substrate.users,
        },
      }
    : {}),
})
