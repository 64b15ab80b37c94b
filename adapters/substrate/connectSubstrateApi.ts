import { ApiPromise, WsProvider } from '@polkadot/api'
import { RpcTimeoutError } from '../../errors.js'
import type { ChainRef } from '../../types.js'

/**
 * Connect a `@polkadot/api` client to a Substrate chain's endpoints, ready (metadata loaded) within
 * `timeoutMs`; on failure nothing is left connected.
 * @throws RpcTimeoutError when the chain is not ready in time; the client's error otherwise
 */
export const connectSubstrateApi = async (chain: ChainRef, urls: string[], timeoutMs: number): Promise<ApiPromise> => {
  const api = new ApiPromise({ provider: new WsProvider(urls, 500, undefined, timeoutMs), noInitWarn: true })
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      api.isReadyOrError,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RpcTimeoutError({ chain, method: 'connect', timeoutMs })), timeoutMs)
      }),
    ])
    return api
  } catch (e) {
    await api.disconnect().catch(() => {})
    throw e
  } finally {
    clearTimeout(timer)
  }
}
