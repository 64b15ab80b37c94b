import type { Logger } from 'pino'
import { EndpointDisagreementError, RpcError } from '../../errors.js'
import type { ChainRef } from '../../types.js'
import type { RpcClient } from './createRpcClient.js'
import { type RpcBlock, toQuantity } from './rpcTypes.js'

export interface CrossCheckOptions {
  chain: ChainRef
  rpc: RpcClient
  log: Logger
  /** Endpoints that must answer (with the same hash) for the block to count as confirmed. */
  minAgreeing: number
  /** Attempts per endpoint. */
  attemptsPerEndpoint?: number
}

/**
 * Fetch block `number` from EVERY endpoint and require their hashes to agree (F-04, S5).
 * An endpoint that fails or does not have the block yet is left out; fewer than `minAgreeing`
 * answers is a retryable failure. Any two different hashes halt the route.
 * @throws EndpointDisagreementError (not retryable), RpcError (retryable)
 */
export const crossCheckBlock = async (o: CrossCheckOptions, number: bigint): Promise<RpcBlock> => {
  const answers = await Promise.all(
    Array.from({ length: o.rpc.endpointCount }, (_, i) =>
      // An endpoint cooling down after repeated failures counts as not answering.
      o.rpc.isOpen(i)
        ? { i, block: null }
        : o.rpc
            .request<RpcBlock | null>('eth_getBlockByNumber', [toQuantity(number), false], {
              endpoints: [i],
              maxAttempts: o.attemptsPerEndpoint ?? 1,
            })
            .then(
              (b) => ({ i, block: b }),
              (err: unknown) => {
                // A non-retryable error from one endpoint (e.g. it refuses the method) also leaves it out.
                o.log.warn(
                  { err, endpoint: o.rpc.endpointLabel(i), blockNumber: number },
                  'endpoint left out of the cross-check',
                )
                return { i, block: null }
              },
            ),
    ),
  )
  const present = answers.filter((a): a is { i: number; block: RpcBlock } => a.block !== null)
  const hashes = Object.fromEntries(present.map((a) => [o.rpc.endpointLabel(a.i), a.block.hash.toLowerCase()]))
  const wrongNumber = present.find((a) => BigInt(a.block.number) !== number)
  if (new Set(Object.values(hashes)).size > 1 || wrongNumber) {
    o.log.error(
      { alert: 'endpoint-disagreement', blockNumber: number, hashes },
      'RPC endpoints disagree on a block; route halted',
    )
    throw new EndpointDisagreementError({ chain: o.chain, blockNumber: number, hashes })
  }
  if (present.length < o.minAgreeing || present.length === 0) {
    throw new RpcError({
      chain: o.chain,
      method: 'eth_getBlockByNumber',
      retryable: true,
      cause: { crossCheck: `${present.length} of ${o.minAgreeing} required endpoints have block ${number}` },
    })
  }
  return present[0]!.block
}
