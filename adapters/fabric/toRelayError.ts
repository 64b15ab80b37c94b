import { GatewayError } from '@hyperledger/fabric-gateway'
import { RelayError, RpcError, RpcTimeoutError } from '../../errors.js'
import type { ChainRef } from '../../types.js'

/** gRPC status codes the gateway reports (https://grpc.io/docs/guides/status-codes/). */
export const GRPC = { deadlineExceeded: 4, failedPrecondition: 9, aborted: 10, unavailable: 14 } as const

/** The chaincode's or peer's own words behind a gateway error (endorsement details), for logs and reasons. */
export const gatewayDetailOf = (e: unknown): string => {
  if (!(e instanceof GatewayError)) return e instanceof Error ? e.message : String(e)
  const d = e.details.map((x) => `${x.mspId}@${x.address}: ${x.message}`).join('; ')
  return d.length > 0 ? `${e.message} (${d})` : e.message
}

/**
 * Map a Fabric Gateway failure to a RelayError at the adapter edge: a deadline is an
 * RpcTimeoutError; an unreachable peer or a peer set that cannot satisfy the policy yet
 * (gossip, a stopped peer) a retryable RpcError; anything else (the chaincode refused) a
 * non-retryable RpcError with the chaincode's words in `cause`.
 */
export const toRelayError = (e: unknown, chain: ChainRef, method: string, timeoutMs = 30_000): RelayError => {
  if (e instanceof RelayError) return e
  if (e instanceof GatewayError) {
    if (e.code === GRPC.deadlineExceeded) return new RpcTimeoutError({ chain, method, timeoutMs, cause: e })
    const retryable = e.code === GRPC.unavailable || e.code === GRPC.failedPrecondition
    return new RpcError({ chain, method, retryable, cause: new Error(gatewayDetailOf(e)) })
  }
  return new RpcError({ chain, method, retryable: true, cause: e })
}
