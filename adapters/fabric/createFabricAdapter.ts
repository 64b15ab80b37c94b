import { common } from '@hyperledger/fabric-protos'
import type { Logger } from 'pino'
import { lastValueFrom } from 'rxjs'
import { ChainIdMismatchError } from '../../errors.js'
import { decodeEndorserTransaction, decodeFabricBlock } from '../../proofs/index.js'
import { fabricBridgeRef, messageId } from '../../protocol/index.js'
import type { ChainRef, Hex, Message } from '../../types.js'
import type { ChainAdapter, ChainHead, DeliveryResult, PreflightReport } from '../types.js'
import { connectGateway } from './connectGateway.js'
import { createFabricDestination } from './createFabricDestination.js'
import { createFabricObserve } from './createFabricSource.js'
import { toRelayError } from './toRelayError.js'

export interface FabricAdapterOptions {
  chain: ChainRef
  domain: number
  channel: string
  chaincode: string
  /** `host:port` of the peer's gateway service. */
  peerEndpoint: string
  tlsRootCertPem: string
  tlsHostnameOverride?: string
  /** The relayer's client identity on the channel (certificate PEM + P-256 key PEM). */
  mspId: string
  certPem: string
  keyPem: string
  /** Trust anchors copied into every bundle (verifiers use their own configured ones). */
  mspRoots: Record<string, string[]>
  ordererMspIds: string[]
  endorsementPolicy: { signedBy: string[]; rule: 'AND' | { outOf: number } }
  requestTimeoutMs?: number
  maxConflictRetries?: number
  conflictBackoffMs?: number
  reconnectBaseMs?: number
  reconnectMaxMs?: number
}

export interface FabricAdapterDeps {
  log: Logger
}

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`

/**
 * The Hyperledger Fabric chain adapter (`@hyperledger/fabric-gateway`): the bridge chaincode's
 * `Dispatch` events from full committed blocks (VALID transactions only) with `fabric-block`
 * bundles, and delivery by `deliver` transactions resubmitted after MVCC read conflicts.
 * @example
 * const fab = createFabricAdapter({ chain: 'fabric:isthmus', domain: 3, channel: 'isthmus', chaincode: 'bridge',
 *   peerEndpoint, tlsRootCertPem, mspId: 'Org1MSP', certPem, keyPem, mspRoots, ordererMspIds, endorsementPolicy }, { log })
 */
export const createFabricAdapter = (o: FabricAdapterOptions, deps: FabricAdapterDeps): ChainAdapter => {
  const log = deps.log.child({ module: 'adapter-fabric', chain: o.chain })
  const conn = connectGateway({
    peerEndpoint: o.peerEndpoint,
    tlsRootCertPem: o.tlsRootCertPem,
    ...(o.tlsHostnameOverride ? { tlsHostnameOverride: o.tlsHostnameOverride } : {}),
    mspId: o.mspId,
    certPem: o.certPem,
    keyPem: o.keyPem,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
  })
  const network = conn.gateway.getNetwork(o.channel)
  const contract = network.getContract(o.chaincode, 'isthmus')
  const qscc = network.getContract('qscc')
  const bridgeRef = fabricBridgeRef(o.channel, o.chaincode)
  const dest = createFabricDestination({
    chain: o.chain,
    contract,
    network,
    log,
    maxConflictRetries: o.maxConflictRetries ?? 5,
    conflictBackoffMs: o.conflictBackoffMs ?? 200,
  })
  const observe = createFabricObserve({
    network,
    ctx: {
      chain: o.chain,
      channel: o.channel,
      chaincode: o.chaincode,
      mspRoots: o.mspRoots,
      ordererMspIds: o.ordererMspIds,
      endorsementPolicy: o.endorsementPolicy,
    },
    log,
    reconnectBaseMs: o.reconnectBaseMs ?? 250,
    reconnectMaxMs: o.reconnectMaxMs ?? 10_000,
  })

  const system = async (fn: string, ...args: string[]): Promise<Uint8Array> => {
    try {
      return await qscc.evaluateTransaction(fn, o.channel, ...args)
    } catch (e) {
      throw toRelayError(e, o.chain, `qscc ${fn}`)
    }
  }

  /** Newest block: height from qscc, the chain time from its last transaction's channel header. */
  const latestHead = async (): Promise<ChainHead> => {
    const info = common.BlockchainInfo.deserializeBinary(await system('GetChainInfo'))
    const number = BigInt(info.getHeight()) - 1n
    const block = decodeFabricBlock(await system('GetBlockByNumber', number.toString()))
    let timestampMs = 0
    for (const env of block.data) {
      try {
        timestampMs = Math.max(timestampMs, decodeEndorserTransaction(env).timestampMs)
      } catch {
        // a config envelope: no endorser header to read the time from
      }
    }
    return {
      number,
      hash: hex(info.getCurrentblockhash_asU8()),
      timestamp: BigInt(Math.floor((timestampMs || Date.now()) / 1000)),
    }
  }

  const preflight = async (): Promise<PreflightReport> => {
    const head = await latestHead()
    const info = JSON.parse(await dest.evaluate('info')) as { domain: number; chaincode: string }
    if (info.domain !== o.domain || info.chaincode !== o.chaincode) {
      throw new ChainIdMismatchError({
        chain: o.chain,
        expected: `domain ${o.domain}, chaincode ${o.chaincode}`,
        actual: `domain ${info.domain}, chaincode ${info.chaincode}`,
        endpoint: o.peerEndpoint,
      })
    }
    return {
      chain: o.chain,
      chainIdentity: `${o.channel}/${o.chaincode}`,
      bridge: bridgeRef,
      headNumber: head.number,
      checks: [
        `channel ${o.channel} readable through ${o.peerEndpoint} (height ${head.number + 1n})`,
        `chaincode ${o.chaincode} initialised for domain ${o.domain}`,
      ],
    }
  }

  return {
    chain: o.chain,
    domain: o.domain,
    bridgeRef,
    observe$: observe,
    committee: dest.committee,
    isDelivered: dest.isDelivered,
    deliverProgress$: dest.deliverProgress$,
    deliver: async (items) => {
      const last = await lastValueFrom(dest.deliverProgress$(items))
      return last.kind === 'settled' ? last.results : []
    },
    // Fabric has no queued large transfers: nothing is ever held for release.
    release: async (message: Message): Promise<DeliveryResult> => ({ id: messageId(message), status: 'deferred' }),
    latestHead,
    preflight,
    close: async () => conn.close(),
  }
}
