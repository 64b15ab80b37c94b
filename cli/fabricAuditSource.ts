import { common } from '@hyperledger/fabric-protos'
import { connectGateway } from '../adapters/fabric/connectGateway.js'
import type { FabricAdapterOptions } from '../adapters/fabric/createFabricAdapter.js'
import { toRelayError } from '../adapters/fabric/toRelayError.js'
import { decodeFabricBlock, fabricBlockHash } from '../proofs/index.js'
import type { AuditSourceChain } from '../relayer/index.js'
import type { Hex } from '../types.js'

export interface FabricAuditSource {
  source: AuditSourceChain
  close(): Promise<void>
}

/**
 * A Fabric origin for `isthmus audit`: the trust anchors `cli/runRelayer.ts` gives the relayer for
 * `fabric-block` bundles (channel, chaincode, MSP roots, orderer MSPs, endorsement policy, all from
 * the config), and canonical block hashes: the block at a height read through the peer's `qscc`
 * (`GetBlockByNumber`, as the adapter reads blocks) and hashed (SHA-256 of its header bytes). The
 * identity only evaluates (reads); nothing is submitted.
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
  const qscc = conn.gateway.getNetwork(o.channel).getContract('qscc')
  const system = async (fn: string, ...args: string[]): Promise<Uint8Array> => {
    try {
      return await qscc.evaluateTransaction(fn, o.channel, ...args)
    } catch (e) {
      throw toRelayError(e, o.chain, `qscc ${fn}`)
    }
  }
  const blockHashAt = async (n: bigint): Promise<Hex | undefined> => {
    const height = BigInt(common.BlockchainInfo.deserializeBinary(await system('GetChainInfo')).getHeight())
    if (n < 0n || n >= height) return undefined
    const block = decodeFabricBlock(await system('GetBlockByNumber', n.toString()))
    return `0x${fabricBlockHash(block).toString('hex')}`
  }
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
      reader: { blockHashAt },
    },
    close: async () => conn.close(),
  }
}
