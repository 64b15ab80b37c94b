import { connectGateway } from '../adapters/fabric/connectGateway.js'
import type { FabricAdapterOptions } from '../adapters/fabric/createFabricAdapter.js'
import { createFabricDeliveryReader, type FabricDeliveryReader } from '../adapters/fabric/createFabricDeliveryReader.js'
import type { AuditSourceChain } from '../relayer/index.js'

export interface FabricAuditSource {
  source: AuditSourceChain
  /** The channel's executed deliveries of the bridge chaincode (the Fabric destination). */
  reader: FabricDeliveryReader
  close(): Promise<void>
}

/**
 * A Fabric chain for `isthmus audit`, as an origin and as a destination. As an origin: the trust anchors `cli/runRelayer.ts` gives the relayer for
 * `fabric-block` bundles (channel, chaincode, MSP roots, orderer MSPs, endorsement policy, all from
 * the config), and canonical block hashes: the block at a height read through the peer's `qscc`
 * (`GetBlockByNumber`, as the adapter reads blocks) and hashed (SHA-256 of its header bytes). As a
 * destination: `reader.deliveries` (`createFabricDeliveryReader`). The identity only evaluates
 * (reads); nothing is submitted.
 */
export const createFabricAuditSource = (o: FabricAdapterOptions): FabricAuditSource => {
  const conn = connectGateway({
    peerEndpoint: o.peerEndpoint,
    tlsRootCertPem: o.tlsRootCertPem,
    ...(o.tlsHostnameOverride ? { tlsHostnameOverride: o.tlsHostnameOverride } : {}),
    mspId: o.mspId,
    certPem: o.certPem,
    keyPem: o.keyPem,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
  })
  const reader = createFabricDeliveryReader({
    chain: o.chain,
    channel: o.channel,
    chaincode: o.chaincode,
    network: conn.gateway.getNetwork(o.channel),
  })
  return {
    source: {
      source: {
        domain: o.domain,
        chain: o.chain,
        trust: {
          fabric: {
            channel: o.channel,
            chaincode: o.chaincode,
            mspRoots: o.mspRoots,
            ordererMspIds: o.ordererMspIds,
            endorsementPolicy: o.endorsementPolicy,
          },
        },
      },
      reader,
    },
    reader,
    close: async () => conn.close(),
  }
}
