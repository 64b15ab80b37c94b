/**
 * Chain adapters: the only code that talks to a chain. The relayer depends on the interface
 * (`ChainAdapter`), not on a chain library.
 */

export type { EvmAdapterDeps } from './evm/createEvmAdapter.js'
/**
 * Create the EVM chain adapter: a finalized, cross-checked Dispatch source and a bridge
 * destination with its own nonce and fee management.
 * @throws ConfigInvalidError for invalid options, KeyInvalidError for an invalid signer key
 * @example
 * const evm = createEvmAdapter({ chain: 'evm:31337', chainId: 31337n, domain: 1, rpcUrls: [url], bridge,
 *   finality: { mode: 'confirmations', confirmations: 3 }, signerKey, maxFeePerGasCapWei: 10n ** 11n }, { log })
 * await evm.preflight()
 */
export { createEvmAdapter } from './evm/createEvmAdapter.js'
export type { EndpointStats, RpcClient, RpcClientOptions, RpcTransport } from './evm/createRpcClient.js'
/**
 * The multi-endpoint JSON-RPC client of the EVM adapter (timeouts, retry with backoff and jitter, failover).
 * @throws RpcTimeoutError, RpcError from `request`
 * @example const rpc = createRpcClient({ chain: 'evm:1', urls, requestTimeoutMs: 5000, maxAttempts: 6, backoffBaseMs: 100, backoffMaxMs: 5000, log })
 */
export { createRpcClient } from './evm/createRpcClient.js'
export type { EvmAdapterOptions, ResolvedEvmAdapterOptions } from './evm/options.js'
/**
 * The options schema of `createEvmAdapter` (zod); `EvmAdapterOptions` is its input type.
 */
export { EvmAdapterOptionsSchema } from './evm/options.js'
export type {
  ChainAdapter,
  ChainHead,
  CommitteeInfo,
  DeliveryItem,
  DeliveryProgress,
  DeliveryResult,
  DestinationAdapter,
  ObservedMessage,
  PreflightReport,
  ProofBundleDoc,
  SourceAdapter,
  SourceBatch,
  SourceLocation,
} from './types.js'
