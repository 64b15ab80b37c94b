import type { Contract, Network } from '@hyperledger/fabric-gateway'
import { computeAddress } from 'ethers'
import {
  connectFabricPeer,
  type FabricBridgeInit,
  initializeFabricBridge,
} from '../../cli/devnet/initializeFabricBridge.js'
import { type FabricNetwork, startFabricNetwork } from '../../cli/devnet/startFabricNetwork.js'
import type { Hex } from '../../types.js'

/** Committee keys of the Fabric tests (never used for anything else). */
export const FABRIC_COMMITTEE_KEYS = [
  '0x1000000000000000000000000000000000000000000000000000000000000001',
  '0x1000000000000000000000000000000000000000000000000000000000000002',
  '0x1000000000000000000000000000000000000000000000000000000000000003',
] as const
export const FABRIC_COMMITTEE = {
  epoch: 1n,
  signers: FABRIC_COMMITTEE_KEYS.map((k) => computeAddress(k).toLowerCase() as Hex),
  threshold: 2,
}

export interface FabricClient {
  network: Network
  contract: Contract
  close(): void
}

/** A gateway client of the bridge chaincode as `mspId`'s admin or user, through peer `peerIndex`. */
export const fabricClient = (
  net: FabricNetwork,
  mspId: 'Org1MSP' | 'Org2MSP',
  role: 'admin' | 'user' = 'user',
  peerIndex = 0,
): FabricClient => {
  const conn = connectFabricPeer(net, net.identities[mspId]![role], peerIndex)
  const network = conn.gateway.getNetwork(net.channel)
  return { network, contract: network.getContract(net.chaincode, 'isthmus'), close: conn.close }
}

/**
 * One Fabric network per jest file (bring-up ≈ 5–10 s): started and initialised in `beforeAll`,
 * stopped in `afterAll`. Read `.net` inside tests.
 */
export const useFabricNetwork = (
  init: Omit<FabricBridgeInit, 'committee'> & Partial<Pick<FabricBridgeInit, 'committee'>>,
) => {
  const state: { net?: FabricNetwork; initMs?: number } = {}
  beforeAll(async () => {
    state.net = await startFabricNetwork()
    const t = Date.now()
    await initializeFabricBridge(state.net, { committee: FABRIC_COMMITTEE, ...init })
    state.initMs = Date.now() - t
  }, 180_000)
  afterAll(async () => {
    await state.net?.stop()
  }, 60_000)
  return {
    get net(): FabricNetwork {
      return state.net!
    },
    /** Milliseconds from start to committed definition, then to the first initialised transaction. */
    get timings() {
      return { bringUpMs: state.net!.bringUpMs, initializeMs: state.initMs! }
    },
  }
}
