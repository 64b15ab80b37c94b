import { isError } from 'ethers'
import { RelayError, RpcError, RpcTimeoutError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'

/** A JSON-RPC error object as a node returned it (kept as the `cause` of an RpcError). */
export interface JsonRpcFault {
  kind: 'json-rpc-fault'
  code: number
  message: string
  data?: unknown
}

export const isJsonRpcFault = (v: unknown): v is JsonRpcFault =>
  typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'json-rpc-fault'

/** The JSON-RPC fault behind an error, if the node answered with one. */
export const jsonRpcFaultOf = (e: unknown): JsonRpcFault | undefined => {
  if (isJsonRpcFault(e)) return e
  if (e instanceof Error && isJsonRpcFault(e.cause)) return e.cause
  return undefined
}

const HEX = /^0x([0-9a-fA-F]{2})*$/

/** Revert data of a failed eth_call / eth_estimateGas (geth puts it in `data`, EDR in `data.data`). */
export const revertDataOf = (e: unknown): Hex | undefined => {
  const f = jsonRpcFaultOf(e)
  if (!f) return undefined
  if (typeof f.data === 'string' && HEX.test(f.data)) return f.data as Hex
  const inner = (f.data as { data?: unknown } | undefined)?.data
  if (typeof inner === 'string' && HEX.test(inner)) return inner as Hex
  return undefined
}

/** Whether the node refused an eth_call / estimate because execution reverted. */
export const isExecutionRevert = (e: unknown): boolean => {
  const f = jsonRpcFaultOf(e)
  if (!f) return false
  return f.code === 3 || revertDataOf(e) !== undefined || /revert|VM Exception/i.test(f.message)
}

export type SendFaultKind = 'nonce-too-low' | 'nonce-too-high' | 'already-known' | 'underpriced' | 'other'

/**
 * Classify a refused eth_sendRawTransaction. Nodes signal these only in the message text
 * (geth, EDR, erigon all use code -32000), so this is the one place that reads it.
 */
export const classifySendFault = (e: unknown): SendFaultKind => {
  const f = jsonRpcFaultOf(e)
  if (!f) return 'other'
  const m = f.message.toLowerCase()
  if (m.includes('nonce too low') || m.includes('nonce has already been used')) return 'nonce-too-low'
  if (m.includes('nonce too high') || m.includes('nonce gap')) return 'nonce-too-high'
  if (m.includes('already known') || m.includes('known transaction')) return 'already-known'
  if (m.includes('underpriced') || m.includes('fee too low') || m.includes('too low for the next block'))
    return 'underpriced'
  return 'other'
}

/** A broadcast refused because the sender cannot pay for gas (geth, EDR and most providers word it so). */
export const isInsufficientFunds = (e: unknown): boolean => {
  const f = jsonRpcFaultOf(e)
  return f !== undefined && /insufficient funds|enough funds/i.test(f.message)
}

// -32005 limit exceeded (EIP-1474), -32603 internal error: both transient on public endpoints.
const RETRYABLE_RPC_CODES = new Set([-32005, -32603, 429])

/** Whether a JSON-RPC fault is worth retrying on the same or another endpoint. */
export const isRetryableFault = (f: JsonRpcFault): boolean =>
  (RETRYABLE_RPC_CODES.has(f.code) && !isExecutionRevert(f)) ||
  /rate limit|too many requests|header not found|temporarily unavailable/i.test(f.message)

/**
 * The one edge where anything thrown by ethers, fetch or a node becomes a RelayError.
 * RelayErrors pass through; the original is always kept as `cause`.
 */
export const toRelayError = (
  e: unknown,
  ctx: { chain: ChainRef; method: string; endpoint?: string; timeoutMs?: number },
): RelayError => {
  if (e instanceof RelayError) return e
  const at = ctx.endpoint === undefined ? {} : { endpoint: ctx.endpoint }
  if (isJsonRpcFault(e))
    return new RpcError({ chain: ctx.chain, method: ctx.method, ...at, retryable: isRetryableFault(e), cause: e })
  if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new RpcTimeoutError({ chain: ctx.chain, method: ctx.method, timeoutMs: ctx.timeoutMs ?? 0, cause: e })
  }
  if (isError(e, 'TIMEOUT'))
    return new RpcTimeoutError({ chain: ctx.chain, method: ctx.method, timeoutMs: ctx.timeoutMs ?? 0, cause: e })
  // Bad argument or broken ABI use on our side: retrying cannot help.
  if (isError(e, 'INVALID_ARGUMENT') || isError(e, 'UNSUPPORTED_OPERATION') || isError(e, 'NOT_IMPLEMENTED')) {
    return new RpcError({ chain: ctx.chain, method: ctx.method, ...at, retryable: false, cause: e })
  }
  // Everything else (network errors, BAD_DATA from a garbled answer, SyntaxError, unknown): retry, then escalate.
  return new RpcError({ chain: ctx.chain, method: ctx.method, ...at, retryable: true, cause: e })
}
