import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Contract, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet } from 'ethers'
import { p256ScalarOf } from '../../adapters/index.js'
import { assetIdOf, loadArtifact, registerRemoteAsset } from '../../contracts/index.js'
import { fabricIdentityOf } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { connectFabricPeer, initializeFabricBridge } from './initializeFabricBridge.js'
import type { FabricIdentity, FabricNetwork } from './startFabricNetwork.js'
import type { RelayerFabricSpec } from './writeRelayerFiles.js'

export const FABRIC_DOMAIN = 3
export const FAB_SYMBOL = 'FAB'
/** FAB units Org1's User1 holds at start. */
export const FAB_GENESIS = 1_000_000n

export interface DevnetFabric {
  readonly ref: ChainRef
  readonly domain: number
  readonly network: FabricNetwork
  /** The Fabric-native test token: home on Fabric (locked by sendToken), wrapped on chain A. */
  readonly fab: { symbol: string; assetId: Hex; homeToken: Hex; wrappedOnA: Hex }
  /** Org1's User1: holds FAB at start, and is the relayers' Fabric identity (they only submit `deliver`). */
  readonly user: FabricIdentity & { account: Hex }
  /** The relayer config entry (paths under `<stateDir>/fabric`). */
  readonly relayerSpec: RelayerFabricSpec
}

/**
 * Prepare the devnet's Fabric side on a running network: initialise the bridge chaincode with the
 * devnet committee, FAB (home) and the EVM test token (wrapped) as assets; register FAB as a
 * remote asset on chain A's bridge; give User1 its FAB; write the PEM files the relayer configs name.
 * @throws DeployFailedError, WaitTimeoutError, RpcError
 */
export const setUpDevnetFabric = async (o: {
  network: FabricNetwork
  dir: string
  committee: { epoch: bigint; signers: Hex[]; threshold: number }
  evmToken: { assetId: Hex; symbol: string }
  chainA: { rpcUrl: string; chainId: bigint; bridge: Hex }
  deployerKey: Hex
}): Promise<DevnetFabric> => {
  const net = o.network
  const homeToken = keccak256(toUtf8Bytes(FAB_SYMBOL)) as Hex
  const fabAsset = assetIdOf(FABRIC_DOMAIN, homeToken)
  await initializeFabricBridge(net, {
    domain: FABRIC_DOMAIN,
    committee: o.committee,
    assets: [
      { assetId: fabAsset, kind: 'home', symbol: FAB_SYMBOL },
      { assetId: o.evmToken.assetId, kind: 'wrapped', symbol: `w${o.evmToken.symbol}` },
    ],
  })
  const provider = new JsonRpcProvider(o.chainA.rpcUrl, Number(o.chainA.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
  })
  let wrappedOnA: Hex
  try {
    const bridge = new Contract(o.chainA.bridge, loadArtifact('Bridge').abi, new Wallet(o.deployerKey, provider))
    ;({ wrapped: wrappedOnA } = await registerRemoteAsset(bridge, {
      homeDomain: FABRIC_DOMAIN,
      homeToken,
      name: 'Isthmus Fabric Token',
      symbol: FAB_SYMBOL,
      decimals: 0,
    }))
  } finally {
    provider.destroy()
  }
  const user = net.identities['Org1MSP']!.user
  const account = fabricIdentityOf(user.mspId, user.certPem)
  const admin = connectFabricPeer(net, net.identities['Org1MSP']!.admin)
  try {
    await admin.gateway
      .getNetwork(net.channel)
      .getContract(net.chaincode, 'isthmus')
      .submitTransaction('mint', account, fabAsset, FAB_GENESIS.toString())
  } finally {
    admin.close()
  }
  mkdirSync(o.dir, { recursive: true })
  const pem = (name: string, body: string) => {
    const p = join(o.dir, name)
    writeFileSync(p, body)
    return p
  }
  const peer = net.peers[0]!
  const relayerSpec: RelayerFabricSpec = {
    ref: `fabric:${net.channel}`,
    domain: FABRIC_DOMAIN,
    peerEndpoint: peer.endpoint,
    tlsRootCertPath: pem('peer-tls-ca.pem', peer.tlsRootCertPem),
    tlsHostnameOverride: peer.hostname,
    channel: net.channel,
    chaincode: net.chaincode,
    mspId: user.mspId,
    certPath: pem('relayer-cert.pem', user.certPem),
    keyScalar: p256ScalarOf(user.keyPem),
    mspRoots: Object.fromEntries(
      Object.entries(net.mspRoots).map(([msp, certs]) => [msp, certs.map((c, i) => pem(`${msp}-root-${i}.pem`, c))]),
    ),
    ordererMspIds: net.ordererMspIds,
    endorsementPolicy: { signedBy: net.endorsementPolicy.signedBy, rule: 'AND' },
    startBlock: 0n,
  }
  return {
    ref: relayerSpec.ref,
    domain: FABRIC_DOMAIN,
    network: net,
    fab: { symbol: FAB_SYMBOL, assetId: fabAsset, homeToken, wrappedOnA },
    user: { ...user, account },
    relayerSpec,
  }
}
