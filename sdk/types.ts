// The JSON shapes of the Isthmus HTTP API (the API contract; api/schemas.ts is the server's zod
// source of truth). Bigints travel as decimal strings, hex is lower-case.
import type {
  MessageView as ApiMessageView,
  QuoteRequest as ApiQuoteRequest,
  ApiStatus,
  WaitingFor as ApiWaitingFor,
  AssetsResponse,
  ChainsResponse,
  EventsQuery,
  FabricTransferResponse,
  MessagesPage,
  QuoteResponse,
  SubstrateTransferResponse,
  TransferResponse,
} from '../api/schemas.js'
import type { ChainRef, Hex } from '../types.js'

export type { ChainRef, Hex }

/**
 * Statuses the API reports (`GET /v1/messages`): the event statuses (docs/events.md) plus
 * `dispatched` (seen on the source, not final yet) and `queued` (a large transfer waiting for its delay).
 */
export type MessageStatus = ApiStatus

/** `GET /v1/chains` entry. */
export type ChainInfo = ChainsResponse['chains'][number]

/** `GET /v1/assets` entry. */
export type AssetInfo = AssetsResponse['assets'][number]

/** `POST /v1/quote` body as the SDK takes it: `amount` in base units, bigint or decimal string. */
export type QuoteRequest = Omit<ApiQuoteRequest, 'amount'> & { amount?: bigint | string }

/** `POST /v1/quote` answer. */
export type Quote = QuoteResponse

/**
 * What to send: a token transfer (`assetId` + `amount` in base units) or an app message
 * (`payload`). `recipient` is an EVM address or a bytes32 account on `to`. The sender is the signer.
 */
export type TransferRequest =
  | { kind: 'token'; from: ChainRef; to: ChainRef; recipient: string; assetId: Hex; amount: bigint | string }
  | { kind: 'message'; from: ChainRef; to: ChainRef; recipient: string; payload: Hex }

/** One unsigned EVM transaction the API built (`POST /v1/transfers`). */
export type EvmTxRequest = TransferResponse['txs'][number]

/** `POST /v1/transfers` answer for an Asset Hub source: the call to sign as an extrinsic. */
export type SubstrateTransferRequest = SubstrateTransferResponse

/**
 * `POST /v1/transfers` answer: the unsigned source side, by kind (`evm-tx` transactions, a
 * `substrate-extrinsic` call or a `fabric-proposal`).
 */
export type BuiltTransfer = TransferResponse | SubstrateTransferResponse | FabricTransferResponse

/** `POST /v1/transfers` answer for a Fabric source: the chaincode proposal to endorse and submit. */
export type FabricTransferRequest = FabricTransferResponse

/** Why a message is not moving on its own. */
export type WaitingFor = ApiWaitingFor

/** A message as the API reports it (`GET /v1/messages/{id}`). */
export type MessageView = ApiMessageView

/** `GET /v1/messages` query. */
export interface MessageQuery {
  sender?: string
  status?: MessageStatus
  /** A domain number or a chain ref. */
  origin?: number | string
  destination?: number | string
  limit?: number
  cursor?: string
}

/** `GET /v1/messages` answer. */
export type MessagePage = MessagesPage

/** Statuses of the event stream: those of docs/events.md plus the route-level `halted`. */
export type EventStatus = NonNullable<EventsQuery['status']>

/**
 * A status event as JSON (docs/events.md, schema v1): the common fields plus the fields of its
 * status. Readers ignore fields they do not know.
 */
export interface StatusEventJson {
  v: 1
  status: EventStatus
  id: Hex
  origin: number
  destination: number
  nonce: string
  at: string
  relayer?: string
  /** failed: the reason (`RECIPIENT_REVERTED`, `MAX_ATTEMPTS`…) and whether the relay retries. */
  reason?: string
  retryable?: boolean
  code?: string
  detail?: string
  /** submitted / delivered: the destination chain and transaction. */
  chain?: ChainRef
  txHash?: Hex
  blockNumber?: string
  /** attested: signatures so far and the threshold. */
  count?: number
  threshold?: number
  [field: string]: unknown
}

/** One event of the API's SSE stream: the EVENTS stream sequence and the status event. */
export interface WatchEvent {
  seq: string
  event: StatusEventJson
}

/** `GET /v1/events` filter (every field optional; all given ones must match). */
export interface WatchFilter {
  status?: EventStatus
  /** A domain number or a chain ref. */
  origin?: number | string
  destination?: number | string
  id?: Hex
  /** Start with events at or after this time (ISO 8601). */
  since?: string
  /** Start after this EVENTS stream sequence (what `Last-Event-ID` resumes from). */
  fromSeq?: string | number
}

/** One value of a transfer's `status$`. */
export interface StatusUpdate {
  id: Hex
  status: MessageStatus | EventStatus
  /** When the relay saw the change (ISO 8601). */
  at: string
  /** Where it came from: the SSE stream (with the event) or a poll of `GET /v1/messages/{id}`. */
  via: 'event' | 'poll'
  event?: StatusEventJson
  message?: MessageView
}
