/**
 * Chain adapters: the only code that talks to a chain. The relayer depends on the interface
 * (`ChainAdapter`), not on a chain library.
 */

/**
 * Unsigned transactions of a transfer from an EVM bridge (approve when short, then sendToken; or dispatch). Pure.
 * @throws MessageInvalidError
 * @example const txs = buildTransferTxs({ kind: 'message', chainId: 31337n, bridge, destination: 2, recipient, payload: '0x01' })
 */
export { type BuildTransferTxsOptions, buildTransferTxs, type UnsignedEvmTx } from './evm/buildTransferTxs.js'
/**
 * A keyless reader of a destination bridge's `Delivered` events (with the delivered message from
 * the calldata) and of canonical block hashes, for audit and monitoring.
 */
export {
  createDeliveryReader,
  type DeliveredRecord,
  type DeliveryReader,
  type DeliveryReaderOptions,
} from './evm/createDeliveryReader.js'
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
/**
 * A read-only EVM chain reader (heads, fee data, bridge pause, asset limits, allowances, Dispatch lookup) for the API.
 * @throws RpcError, RpcTimeoutError from its reads
 * @example const r = createEvmReader({ chain: 'evm:31337', chainId: 31337n, rpcUrls: [url], bridge, requestTimeoutMs: 3000, log })
 */
export {
  createEvmReader,
  type DispatchLocation,
  type EvmFeeData,
  type EvmRateLimit,
  type EvmReader,
  type EvmReaderOptions,
} from './evm/createEvmReader.js'
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
/**
 * A Fabric Gateway connection (gRPC over TLS, signing with a P-256 identity) and its error mapping.
 * @example const conn = connectGateway({ peerEndpoint, tlsRootCertPem, mspId, certPem, keyPem }); conn.close()
 */
export { connectGateway, type FabricGatewayConnection, type FabricGatewayOptions } from './fabric/connectGateway.js'
/**
 * Create the Hyperledger Fabric adapter (`@hyperledger/fabric-gateway`; `fabric-network` is deprecated
 * upstream): VALID-only Dispatch events from full blocks with `fabric-block` bundles, checkpointed
 * reconnects, delivery with MVCC-conflict resubmission.
 * @example const fab = createFabricAdapter({ chain: 'fabric:isthmus', domain: 3, channel, chaincode, peerEndpoint, tlsRootCertPem, mspId, certPem, keyPem, mspRoots, ordererMspIds, endorsementPolicy }, { log })
 */
export { createFabricAdapter, type FabricAdapterDeps, type FabricAdapterOptions } from './fabric/createFabricAdapter.js'
/** A P-256 key PEM from its 32-byte scalar (config secrets) and back. @throws KeyInvalidError */
export { p256KeyPemOf, p256ScalarOf } from './fabric/p256Key.js'
/** Map Fabric Gateway failures to RelayErrors; the chaincode's words of a refused transaction. */
export { gatewayDetailOf, toRelayError as fabricToRelayError } from './fabric/toRelayError.js'
/** Read-only Substrate access for the API: head, block time, finality depth, runtime versions, delivery fee. */
export {
  createSubstrateReader,
  type SubstrateDeliveryShape,
  type SubstrateReader,
  type SubstrateReaderOptions,
  type SubstrateRuntime,
} from './substrate/createSubstrateReader.js'
/**
 * The Substrate destination: delivery through the committee's `pallet_multisig` account
 * (docs/substrate-destination.md), its multisig account, and the wrapped-asset setup.
 * @throws ConfigInvalidError (bad committee accounts), DeployFailedError (setup), KeyInvalidError (signer)
 * @example const dest = createSubstrateDestination({ chain, domain: 3, api, genesisHash, signer, committee, assets, log })
 */
export { classifyMultisigError, type MultisigErrorKind } from './substrate/destination/classifyMultisigError.js'
export { type CommitteeMultisig, committeeMultisig, toAccountId } from './substrate/destination/committeeMultisig.js'
export {
  createSubstrateDestination,
  type SubstrateDestination,
  type SubstrateDestinationOptions,
} from './substrate/destination/createSubstrateDestination.js'
export { DELIVERED_MARKER_TAG, deliveredMarkerHash } from './substrate/destination/deliveryCall.js'
export {
  readAssetTeam,
  type SetupWrappedAssetOptions,
  type SetupWrappedAssetResult,
  setupWrappedAsset,
} from './substrate/destination/setupWrappedAsset.js'
export { sr25519Signer } from './substrate/destination/sr25519Signer.js'
export type { SubstrateAssetRoute } from './substrate/destination/types.js'
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
  RpcCallRecord,
  SignerBalance,
  SourceAdapter,
  SourceBatch,
  SourceLocation,
} from './types.js'
