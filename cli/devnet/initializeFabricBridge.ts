import { connectGateway, type FabricGatewayConnection, fabricToRelayError } from '../../adapters/index.js'
import { WaitTimeoutError } from '../../errors.js'
import type { Hex } from '../../types.js'
import type { FabricIdentity, FabricNetwork } from './startFabricNetwork.js'

export interface FabricBridgeInit {
  domain: number
  committee: { epoch: bigint; signers: Hex[]; threshold: number }
  assets?: { assetId: Hex; kind: 'home' | 'wrapped'; symbol: string }[]
}

/** A gateway connection to peer `peerIndex` of the network as `identity` (TLS checked against the peer's name). */
export const connectFabricPeer = (
  net: FabricNetwork,
  identity: FabricIdentity,
  peerIndex = 0,
): FabricGatewayConnection => {
  const peer = net.peers[peerIndex]!
  return connectGateway({
    peerEndpoint: peer.endpoint,
    tlsRootCertPem: peer.tlsRootCertPem,
    tlsHostnameOverride: peer.hostname,
    ...identity,
  })
}

/** gRPC status of a gateway that cannot find endorsers for the policy yet. */
const FAILED_PRECONDITION = 9
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Submit the chaincode's `initialize` as Org1's admin. Until the peers' gossip has found each
 * other, the gateway cannot satisfy the AND policy (FAILED_PRECONDITION); this retries that for
 * up to `timeoutMs`.
 * @throws WaitTimeoutError, or the gateway's error for anything else
 */
export const initializeFabricBridge = async (net: FabricNetwork, init: FabricBridgeInit, timeoutMs = 60_000) => {
  const conn = connectFabricPeer(net, net.identities['Org1MSP']!.admin)
  const contract = conn.gateway.getNetwork(net.channel).getContract(net.chaincode, 'isthmus')
  const body = JSON.stringify({
    domain: init.domain,
    chaincode: net.chaincode,
    committee: {
      epoch: init.committee.epoch.toString(),
      signers: init.committee.signers,
      threshold: init.committee.threshold,
    },
    assets: init.assets ?? [],
  })
  const deadline = Date.now() + timeoutMs
  try {
    for (;;) {
      try {
        await contract.submitTransaction('initialize', body)
        return
      } catch (e) {
        const code = (e as { code?: number }).code
        if (code === FAILED_PRECONDITION && Date.now() > deadline)
          throw new WaitTimeoutError({ what: 'Fabric peers to discover each other', timeoutMs })
        if (code !== FAILED_PRECONDITION) throw fabricToRelayError(e, `fabric:${net.channel}`, 'initialize')
        await sleep(250)
      }
    }
  } finally {
    conn.close()
  }
}
