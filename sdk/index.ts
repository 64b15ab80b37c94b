/**
 * The Isthmus TypeScript SDK: quote, build, sign and follow cross-chain transfers through the
 * Isthmus HTTP API. Browser-safe (fetch and web streams only; no Node built-ins).
 */
export {
  ApiUnavailableError,
  IsthmusApiError,
  RelayError,
  TransferFailedError,
  TransferMismatchError,
  UnsupportedChainKindError,
} from '../errors.js'
export {
  createIsthmusClient,
  type FabricSigner,
  type IsthmusClient,
  type IsthmusClientOptions,
  type SubstrateSigner,
  type TransferOptions,
  type TransferResult,
  type TransferSigner,
} from './createIsthmusClient.js'
export { createSseParser, type SseMessage, type SseParser } from './createSseParser.js'
export { isTerminalUpdate } from './messageStatus.js'
export type { FetchFn } from './requestJson.js'
export { checkDispatch, recipientBytes32 } from './sendEvmTransfer.js'
export { fabricAccountOf, sendFabricTransfer } from './sendFabricTransfer.js'
export { type SendSubstrateTransferResult, sendSubstrateTransfer } from './sendSubstrateTransfer.js'
export { ss58ToAccountId } from './ss58.js'
export type {
  AssetInfo,
  BuiltTransfer,
  ChainInfo,
  ChainRef,
  EventStatus,
  EvmTxRequest,
  FabricTransferRequest,
  Hex,
  MessagePage,
  MessageQuery,
  MessageStatus,
  MessageView,
  Quote,
  QuoteRequest,
  StatusEventJson,
  StatusUpdate,
  SubstrateTransferRequest,
  TransferRequest,
  WaitingFor,
  WatchEvent,
  WatchFilter,
} from './types.js'
