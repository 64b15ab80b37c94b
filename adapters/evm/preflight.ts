import type { Logger } from 'pino'
import { BridgeNotDeployedError, ChainIdMismatchError } from '../../errors.js'
import { evmBridgeRef } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import type { PreflightReport } from '../types.js'
import { callView } from './callView.js'
import type { RpcClient } from './createRpcClient.js'
import { checkChainIds } from './createSource.js'
import { crossCheckBlock } from './crossCheckBlock.js'
import type { ResolvedEvmAdapterOptions } from './options.js'
import type { RpcBlock } from './rpcTypes.js'

/**
 * Refuse to run against the wrong chain or bridge (BI-45, F-06): chain id on every endpoint,
 * bridge code, its domain and bridgeRef, and endpoint agreement on the finalized header.
 * @throws ChainIdMismatchError, BridgeNotDeployedError, EndpointDisagreementError, RpcError
 */
export const preflight = async (
  o: ResolvedEvmAdapterOptions,
  rpc: RpcClient,
  log: Logger,
  minAgreeing: number,
): Promise<PreflightReport> => {
  const checks: string[] = []
  const answered = await checkChainIds(o, rpc)
  checks.push(`eth_chainId = ${o.chainId} on ${answered} of ${rpc.endpointCount} endpoints`)
  const code = await rpc.request<Hex>('eth_getCode', [o.bridge, 'latest'])
  if (code === '0x' || code.length <= 2) throw new BridgeNotDeployedError({ chain: o.chain, address: o.bridge })
  checks.push(`bridge code at ${o.bridge} (${(code.length - 2) / 2} bytes)`)
  const domain = Number((await callView({ chain: o.chain, rpc, bridge: o.bridge }, 'localDomain'))[0])
  if (domain !== o.domain) {
    throw new ChainIdMismatchError({ chain: o.chain, expected: `domain ${o.domain}`, actual: `domain ${domain}` })
  }
  checks.push(`bridge.localDomain() = ${domain}`)
  const ref = String((await callView({ chain: o.chain, rpc, bridge: o.bridge }, 'bridgeRef'))[0]).toLowerCase()
  const expected = evmBridgeRef(o.chainId, o.bridge).toLowerCase()
  if (ref !== expected)
    throw new ChainIdMismatchError({ chain: o.chain, expected: `bridgeRef ${expected}`, actual: `bridgeRef ${ref}` })
  checks.push(`bridge.bridgeRef() = ${ref}`)
  const tag = o.finality.mode === 'finalized-tag' ? 'finalized' : 'latest'
  const head = await rpc.request<RpcBlock>('eth_getBlockByNumber', [tag, false])
  const headNumber = BigInt(head.number)
  const finalized = o.finality.mode === 'finalized-tag' ? headNumber : headNumber - BigInt(o.finality.confirmations - 1)
  const checked = await crossCheckBlock({ chain: o.chain, rpc, log, minAgreeing }, finalized < 0n ? 0n : finalized)
  checks.push(`endpoints agree on block ${BigInt(checked.number)} (${checked.hash})`)
  log.info({ checks }, 'preflight passed')
  return { chain: o.chain, chainIdentity: `eip155:${o.chainId}`, bridge: o.bridge, headNumber, checks }
}
