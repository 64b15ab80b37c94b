import type { Result } from 'ethers'
import type { ChainRef, Hex } from '../../types.js'
import { bridgeInterface } from './bridgeAbi.js'
import type { RpcClient } from './createRpcClient.js'
import { toRelayError } from './toRelayError.js'

/**
 * eth_call a view function of the bridge at `latest` and decode its result.
 * @throws RpcError (an undecodable answer is a retryable RPC failure)
 */
export const callView = async (
  c: { chain: ChainRef; rpc: RpcClient; bridge: Hex },
  fn: 'messageStatus' | 'isDelivered' | 'committee' | 'localDomain' | 'bridgeRef' | 'paused' | 'queuedReleaseAt',
  args: readonly unknown[] = [],
): Promise<Result> => {
  const out = await c.rpc.request<Hex>('eth_call', [
    { to: c.bridge, data: bridgeInterface.encodeFunctionData(fn, args) },
    'latest',
  ])
  try {
    return bridgeInterface.decodeFunctionResult(fn, out)
  } catch (e) {
    throw toRelayError(e, { chain: c.chain, method: `eth_call ${fn}` })
  }
}
