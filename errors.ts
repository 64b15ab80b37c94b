import type { ChainRef } from './types.js'

/**
 * Every stable error code the relay can raise. Each one has an entry in docs/errors.md;
 * retry decisions read `RelayError.retryable`, never the message text.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'MESSAGE_INVALID'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_PROOF'
  | 'BUNDLE_INVALID'
  | 'CERTIFICATE_INVALID'
  | 'RPC_TIMEOUT'
  | 'RPC_ERROR'
  | 'CHAIN_ID_MISMATCH'
  | 'ENDPOINT_DISAGREEMENT'
  | 'BRIDGE_NOT_DEPLOYED'
  | 'ALREADY_DELIVERED'
  | 'DELIVERY_REVERTED'
  | 'DESTINATION_PAUSED'
  | 'RATE_LIMITED'
  | 'TX_NOT_CONFIRMED'
  | 'KEY_INVALID'
  | 'CONTRACT_BUILD_FAILED'
  | 'DEPLOY_FAILED'
  | 'PROCESS_FAILED'
  | 'USAGE'
  | 'TOOL_NOT_FOUND'
  | 'NATS_UNAVAILABLE'
  | 'NATS_TIMEOUT'
  | 'NATS_API_ERROR'
  | 'KV_CONFLICT'
  | 'WIRE_INVALID'
  | 'EQUIVOCATION'
  | 'COMMITTEE_MISMATCH'
  | 'ROUTE_UNKNOWN'
  | 'WAIT_TIMEOUT'
  | 'FINALITY_DOWNGRADE'
  | 'API_ERROR'
  | 'API_UNAVAILABLE'
  | 'UNSUPPORTED_CHAIN_KIND'
  | 'TRANSFER_MISMATCH'
  | 'TRANSFER_FAILED'
  | 'CHAINCODE_REJECTED'
  | 'SIGNER_FUNDS_LOW'

/** Base of every error the project throws: a stable code, a retry hint and structured metadata. */
export class RelayError extends Error {
  override name = 'RelayError'
  readonly code: ErrorCode
  readonly retryable: boolean
  readonly meta: Record<string, unknown>
  constructor(
    short: string,
    o: { code: ErrorCode; retryable?: boolean; cause?: unknown; meta?: Record<string, unknown> },
  ) {
    super(`${short}\nDocs: docs/errors.md#${o.code.toLowerCase()}`, { cause: o.cause })
    this.code = o.code
    this.retryable = o.retryable ?? false
    this.meta = o.meta ?? {}
  }
}

/** One config issue: the dotted path of the field and what was wrong with it. */
export interface ConfigIssue {
  path: string
  message: string
}

export class ConfigInvalidError extends RelayError {
  override name = 'ConfigInvalidError'
  readonly issues: readonly ConfigIssue[]
  constructor(p: { source: string; issues: ConfigIssue[]; cause?: unknown }) {
    const list = p.issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')
    super(`Config ${p.source} is invalid:\n${list}`, {
      code: 'CONFIG_INVALID',
      cause: p.cause,
      meta: { source: p.source, issues: p.issues },
    })
    this.issues = p.issues
  }
}

/** A message (or one of its fields) that does not follow the canonical format. */
export class MessageInvalidError extends RelayError {
  override name = 'MessageInvalidError'
  constructor(p: { field: string; expected: string; got?: string }) {
    super(
      `Message field "${p.field}" is invalid: expected ${p.expected}${p.got === undefined ? '' : `, got ${p.got}`}.`,
      {
        code: 'MESSAGE_INVALID',
        meta: { ...p },
      },
    )
  }
}

export class BodyTooLargeError extends RelayError {
  override name = 'BodyTooLargeError'
  constructor(p: { sizeBytes: number; maxBytes: number }) {
    super(`Message body is ${p.sizeBytes} bytes; the maximum is ${p.maxBytes}.`, {
      code: 'BODY_TOO_LARGE',
      meta: { ...p },
    })
  }
}

export class UnsupportedVersionError extends RelayError {
  override name = 'UnsupportedVersionError'
  constructor(p: { version: number; supported: number[] }) {
    super(`Message version ${p.version} is not supported (supported: ${p.supported.join(', ')}).`, {
      code: 'UNSUPPORTED_VERSION',
      meta: { ...p },
    })
  }
}

/**
 * Reasons a proof is refused. Stable strings: tests, alerts and `isthmus proof verify` print them.
 */
export type InvalidProofReason =
  | 'MALFORMED_ENCODING'
  | 'NON_CANONICAL'
  | 'TRAILING_DATA'
  | 'HASH_MISMATCH'
  | 'ROOT_MISMATCH'
  | 'NODE_MISSING'
  | 'EXTRA_NODES'
  | 'KEY_MISMATCH'
  | 'VALUE_ABSENT'
  | 'DEPTH_EXCEEDED'
  | 'HEADER_MISMATCH'
  | 'LOG_NOT_FOUND'
  | 'EMITTER_NOT_BRIDGE'
  | 'TX_FAILED'
  | 'MESSAGE_MISMATCH'
  | 'NOT_FINAL'
  | 'SIGNATURE_INVALID'
  | 'QUORUM_NOT_MET'
  | 'UNKNOWN_AUTHORITY'
  | 'VALIDATION_CODE'
  | 'POLICY_NOT_SATISFIED'
  | 'CERT_CHAIN_INVALID'
  | 'VALUE_PRESENT'
  | 'CHAIN_MISMATCH'
  | 'DUPLICATE_VOTE'
  | 'ANCESTRY_INVALID'

export class InvalidProofError extends RelayError {
  override name = 'InvalidProofError'
  readonly reason: InvalidProofReason
  constructor(p: { reason: InvalidProofReason; detail: string; meta?: Record<string, unknown>; cause?: unknown }) {
    super(`Proof rejected (${p.reason}): ${p.detail}`, {
      code: 'INVALID_PROOF',
      cause: p.cause,
      meta: { reason: p.reason, ...p.meta },
    })
    this.reason = p.reason
  }
}

/** A proof bundle document that is not well-formed (before any cryptographic check). */
export class BundleInvalidError extends RelayError {
  override name = 'BundleInvalidError'
  constructor(p: { field: string; expected: string; cause?: unknown }) {
    super(`Proof bundle field "${p.field}" is invalid: expected ${p.expected}.`, {
      code: 'BUNDLE_INVALID',
      cause: p.cause,
      meta: { field: p.field, expected: p.expected },
    })
  }
}

export class CertificateInvalidError extends RelayError {
  override name = 'CertificateInvalidError'
  constructor(p: { reason: string; meta?: Record<string, unknown> }) {
    super(`Quorum certificate rejected: ${p.reason}.`, { code: 'CERTIFICATE_INVALID', meta: { ...p.meta } })
  }
}

export class RpcTimeoutError extends RelayError {
  override name = 'RpcTimeoutError'
  constructor(p: { chain: ChainRef; method: string; timeoutMs: number; cause?: unknown }) {
    super(`RPC "${p.method}" timed out after ${p.timeoutMs} ms on ${p.chain}.`, {
      code: 'RPC_TIMEOUT',
      retryable: true,
      cause: p.cause,
      meta: { chain: p.chain, method: p.method, timeoutMs: p.timeoutMs },
    })
  }
}

export class RpcError extends RelayError {
  override name = 'RpcError'
  constructor(p: { chain: ChainRef; method: string; endpoint?: string; retryable?: boolean; cause?: unknown }) {
    super(`RPC "${p.method}" failed on ${p.chain}${p.endpoint ? ` (${p.endpoint})` : ''}.`, {
      code: 'RPC_ERROR',
      retryable: p.retryable ?? true,
      cause: p.cause,
      meta: { chain: p.chain, method: p.method, endpoint: p.endpoint },
    })
  }
}

export class ChainIdMismatchError extends RelayError {
  override name = 'ChainIdMismatchError'
  constructor(p: { chain: ChainRef; expected: string; actual: string; endpoint?: string }) {
    super(`Endpoint for ${p.chain} reports chain identity ${p.actual}; the config expects ${p.expected}.`, {
      code: 'CHAIN_ID_MISMATCH',
      meta: { ...p },
    })
  }
}

export class EndpointDisagreementError extends RelayError {
  override name = 'EndpointDisagreementError'
  constructor(p: { chain: ChainRef; blockNumber: bigint; hashes: Record<string, string> }) {
    super(`RPC endpoints of ${p.chain} disagree on block ${p.blockNumber}; the route is halted.`, {
      code: 'ENDPOINT_DISAGREEMENT',
      retryable: false,
      meta: { chain: p.chain, blockNumber: p.blockNumber.toString(), hashes: p.hashes },
    })
  }
}

export class BridgeNotDeployedError extends RelayError {
  override name = 'BridgeNotDeployedError'
  constructor(p: { chain: ChainRef; address: string }) {
    super(`No bridge code at ${p.address} on ${p.chain}.`, { code: 'BRIDGE_NOT_DEPLOYED', meta: { ...p } })
  }
}

/** The destination already executed this id: a success for the relay, not a failure. */
export class AlreadyDeliveredError extends RelayError {
  override name = 'AlreadyDeliveredError'
  constructor(p: { chain: ChainRef; id: string }) {
    super(`Message ${p.id} was already delivered on ${p.chain}.`, { code: 'ALREADY_DELIVERED', meta: { ...p } })
  }
}

export class DeliveryRevertedError extends RelayError {
  override name = 'DeliveryRevertedError'
  constructor(p: { chain: ChainRef; id: string; reason: string; retryable?: boolean; cause?: unknown }) {
    super(`Delivery of ${p.id} on ${p.chain} reverted: ${p.reason}.`, {
      code: 'DELIVERY_REVERTED',
      retryable: p.retryable ?? false,
      cause: p.cause,
      meta: { chain: p.chain, id: p.id, reason: p.reason },
    })
  }
}

export class DestinationPausedError extends RelayError {
  override name = 'DestinationPausedError'
  constructor(p: { chain: ChainRef; id?: string }) {
    super(`The bridge on ${p.chain} is paused.`, { code: 'DESTINATION_PAUSED', retryable: true, meta: { ...p } })
  }
}

export class RateLimitedError extends RelayError {
  override name = 'RateLimitedError'
  constructor(p: { chain: ChainRef; id?: string; asset?: string }) {
    super(`Rate limit reached on ${p.chain}${p.asset ? ` for asset ${p.asset}` : ''}.`, {
      code: 'RATE_LIMITED',
      retryable: true,
      meta: { ...p },
    })
  }
}

export class TxNotConfirmedError extends RelayError {
  override name = 'TxNotConfirmedError'
  constructor(p: { chain: ChainRef; txHash: string; waitedMs: number }) {
    super(`Transaction ${p.txHash} on ${p.chain} was not confirmed within ${p.waitedMs} ms.`, {
      code: 'TX_NOT_CONFIRMED',
      retryable: true,
      meta: { ...p },
    })
  }
}

export class KeyInvalidError extends RelayError {
  override name = 'KeyInvalidError'
  constructor(p: { source: string; expected: string; cause?: unknown }) {
    super(`Key from ${p.source} is invalid: expected ${p.expected}.`, {
      code: 'KEY_INVALID',
      cause: p.cause,
      meta: { source: p.source, expected: p.expected },
    })
  }
}

export class ContractBuildError extends RelayError {
  override name = 'ContractBuildError'
  constructor(p: { errors: string[] }) {
    super(`Solidity compilation failed:\n${p.errors.join('\n')}`, { code: 'CONTRACT_BUILD_FAILED', meta: { ...p } })
  }
}

/** A contract deployment or governance transaction of the deploy helpers failed (contracts/deploy.ts). */
export class DeployFailedError extends RelayError {
  override name = 'DeployFailedError'
  constructor(p: { step: string; detail: string; cause?: unknown }) {
    super(`Deploy step "${p.step}" failed: ${p.detail}.`, {
      code: 'DEPLOY_FAILED',
      cause: p.cause,
      meta: { step: p.step },
    })
  }
}

/** A child process (chain node, nats-server, relayer) failed to start or exited unexpectedly. */
export class ProcessFailedError extends RelayError {
  override name = 'ProcessFailedError'
  constructor(p: { name: string; detail: string; cause?: unknown }) {
    super(`Process ${p.name} failed: ${p.detail}.`, { code: 'PROCESS_FAILED', cause: p.cause, meta: { name: p.name } })
  }
}

export class UsageError extends RelayError {
  override name = 'UsageError'
  constructor(p: { detail: string }) {
    super(p.detail, { code: 'USAGE' })
  }
}

/** An external binary the harness or `isthmus dev` runs (nats-server, ...) is not installed. */
export class ToolNotFoundError extends RelayError {
  override name = 'ToolNotFoundError'
  constructor(p: { tool: string; searched: string[]; install: string }) {
    super(`${p.tool} was not found (searched: ${p.searched.join(', ')}); install it with: ${p.install}.`, {
      code: 'TOOL_NOT_FOUND',
      meta: { ...p },
    })
  }
}

/** NATS could not be reached (connection refused or closed, JetStream not answering). Retryable. */
export class NatsUnavailableError extends RelayError {
  override name = 'NatsUnavailableError'
  constructor(p: { op: string; cause?: unknown }) {
    super(`NATS is unavailable for "${p.op}".`, {
      code: 'NATS_UNAVAILABLE',
      retryable: true,
      cause: p.cause,
      meta: { op: p.op },
    })
  }
}

/** A NATS request (publish ack, JetStream API call) got no answer in time. Retryable. */
export class NatsTimeoutError extends RelayError {
  override name = 'NatsTimeoutError'
  constructor(p: { op: string; timeoutMs?: number; cause?: unknown }) {
    super(`NATS request "${p.op}" timed out.`, {
      code: 'NATS_TIMEOUT',
      retryable: true,
      cause: p.cause,
      meta: { op: p.op, timeoutMs: p.timeoutMs },
    })
  }
}

/** JetStream refused an API call (bad config, wrong last sequence, missing stream...). */
export class NatsApiError extends RelayError {
  override name = 'NatsApiError'
  readonly apiCode: number | undefined
  constructor(p: { op: string; apiCode?: number; description?: string; retryable?: boolean; cause?: unknown }) {
    super(`JetStream refused "${p.op}"${p.description ? `: ${p.description}` : ''}.`, {
      code: 'NATS_API_ERROR',
      retryable: p.retryable ?? false,
      cause: p.cause,
      meta: { op: p.op, apiCode: p.apiCode, description: p.description },
    })
    this.apiCode = p.apiCode
  }
}

/** A KV compare-and-set kept losing to concurrent writers. Retryable (the record is intact). */
export class KvConflictError extends RelayError {
  override name = 'KvConflictError'
  constructor(p: { bucket: string; key: string; attempts: number; cause?: unknown }) {
    super(`KV update of "${p.key}" in ${p.bucket} lost ${p.attempts} compare-and-set races.`, {
      code: 'KV_CONFLICT',
      retryable: true,
      cause: p.cause,
      meta: { bucket: p.bucket, key: p.key, attempts: p.attempts },
    })
  }
}

/** A document received over NATS (attestation, certificate, event, KV record) is malformed. Never retryable. */
export class WireFormatError extends RelayError {
  override name = 'WireFormatError'
  constructor(p: { kind: string; issues: string[]; cause?: unknown }) {
    super(`Malformed ${p.kind}: ${p.issues.join('; ')}.`, {
      code: 'WIRE_INVALID',
      cause: p.cause,
      meta: { kind: p.kind, issues: p.issues },
    })
  }
}

/** A bounded wait (devnet readiness, quiescence of a test run) ran out of time; `detail` says what was still pending. */
export class WaitTimeoutError extends RelayError {
  override name = 'WaitTimeoutError'
  constructor(p: { what: string; timeoutMs: number; detail?: string }) {
    super(`Timed out after ${p.timeoutMs} ms waiting for ${p.what}${p.detail ? `: ${p.detail}` : ''}.`, {
      code: 'WAIT_TIMEOUT',
      retryable: true,
      meta: { what: p.what, timeoutMs: p.timeoutMs },
    })
  }
}

/**
 * The honest-signer rule (RELIABILITY.md S3, I5): this signer already signed another id for the
 * same (origin, nonce). Never retryable: the route halts and an operator must look.
 */
export class EquivocationError extends RelayError {
  override name = 'EquivocationError'
  constructor(p: { origin: number; nonce: bigint; signedId: string; conflictingId: string; signer: string }) {
    super(
      `Origin ${p.origin} nonce ${p.nonce} was already signed as ${p.signedId}; refusing to sign ${p.conflictingId}.`,
      { code: 'EQUIVOCATION', meta: { ...p, nonce: p.nonce.toString() } },
    )
  }
}

/** The committee a destination stores differs from what this relayer expects (config, own key, epoch). */
export class CommitteeMismatchError extends RelayError {
  override name = 'CommitteeMismatchError'
  constructor(p: { chain: string; detail: string }) {
    super(`Committee on ${p.chain} does not match: ${p.detail}.`, { code: 'COMMITTEE_MISMATCH', meta: { ...p } })
  }
}

/** A message names an origin or destination this relay has no configured route for (BI-42, NT-11). */
export class RouteUnknownError extends RelayError {
  override name = 'RouteUnknownError'
  constructor(p: { origin: number; destination: number; detail: string }) {
    super(`No configured route ${p.origin} -> ${p.destination}: ${p.detail}.`, {
      code: 'ROUTE_UNKNOWN',
      meta: { ...p },
    })
  }
}

/**
 * F-36: a source chain's configured finality is weaker (fewer confirmations, or confirmations
 * instead of the finalized tag) than the setting its already-scanned range was recorded with.
 * Not retryable: the relayer refuses to start unless the config allows the migration.
 */
export class FinalityDowngradeError extends RelayError {
  override name = 'FinalityDowngradeError'
  constructor(p: { chain: string; recorded: string; configured: string; scannedTo?: string }) {
    super(
      `Finality on ${p.chain} was lowered from ${p.recorded} to ${p.configured} after blocks up to ${p.scannedTo ?? '?'} were scanned with the stronger setting; set relayer.allowFinalityDowngrade: true to migrate.`,
      { code: 'FINALITY_DOWNGRADE', meta: { ...p } },
    )
  }
}

/**
 * The Isthmus HTTP API answered with an error document `{ error: { code, message, field? } }`
 * (SDK and CLI). `apiCode` is the API's own lower-case code (`message_not_found`, `request_invalid`…).
 */
export class IsthmusApiError extends RelayError {
  override name = 'IsthmusApiError'
  readonly apiCode: string
  readonly status: number
  readonly field: string | undefined
  constructor(p: { status: number; apiCode: string; message: string; field?: string; expected?: string }) {
    super(`API error ${p.status} ${p.apiCode}: ${p.message}${p.field ? ` (field ${p.field})` : ''}.`, {
      code: 'API_ERROR',
      retryable: p.status === 429 || p.status >= 500,
      meta: { ...p },
    })
    this.apiCode = p.apiCode
    this.status = p.status
    this.field = p.field
  }
}

/** The Isthmus HTTP API could not be reached, or answered with something that is not its JSON (SDK and CLI). */
export class ApiUnavailableError extends RelayError {
  override name = 'ApiUnavailableError'
  constructor(p: { url: string; detail: string; cause?: unknown }) {
    super(`The Isthmus API at ${p.url} is unavailable: ${p.detail}.`, {
      code: 'API_UNAVAILABLE',
      retryable: true,
      cause: p.cause,
      meta: { url: p.url, detail: p.detail },
    })
  }
}

/** The source chain's kind (or the signer given for it) has no transfer path in this SDK/API yet. */
export class UnsupportedChainKindError extends RelayError {
  override name = 'UnsupportedChainKindError'
  constructor(p: { chain: string; kind: string; detail: string }) {
    super(`Transfers from ${p.chain} (${p.kind}) are not supported: ${p.detail}.`, {
      code: 'UNSUPPORTED_CHAIN_KIND',
      meta: { ...p },
    })
  }
}

/** The source chain's Dispatch event does not carry the message the caller asked for (SDK transfer check). */
export class TransferMismatchError extends RelayError {
  override name = 'TransferMismatchError'
  constructor(p: { txHash: string; field: string; expected: string; actual: string }) {
    super(`Transaction ${p.txHash} dispatched a message whose ${p.field} is ${p.actual}, expected ${p.expected}.`, {
      code: 'TRANSFER_MISMATCH',
      meta: { ...p },
    })
  }
}

/** A source-chain transaction of a transfer (approve, sendToken, dispatch) was refused or reverted. */
export class TransferFailedError extends RelayError {
  override name = 'TransferFailedError'
  constructor(p: { chain: string; step: string; detail: string; txHash?: string; cause?: unknown }) {
    super(`The ${p.step} transaction on ${p.chain} failed: ${p.detail}.`, {
      code: 'TRANSFER_FAILED',
      cause: p.cause,
      meta: { chain: p.chain, step: p.step, detail: p.detail, txHash: p.txHash },
    })
  }
}

/** The Fabric bridge chaincode refused a transaction (unknown asset, balance, not initialised, not admin). */
export class ChaincodeRejectedError extends RelayError {
  override name = 'ChaincodeRejectedError'
  constructor(p: { reason: string; detail: string }) {
    super(`The bridge chaincode refused the transaction (${p.reason}): ${p.detail}.`, {
      code: 'CHAINCODE_REJECTED',
      meta: { reason: p.reason, detail: p.detail },
    })
  }
}

/** A delivery signer cannot pay a transaction's fee or deposit (F-34); other members take its work over. */
export class SignerFundsLowError extends RelayError {
  override name = 'SignerFundsLowError'
  constructor(p: { chain: ChainRef; account: string; detail: string; cause?: unknown }) {
    super(`The delivery account ${p.account} on ${p.chain} cannot pay: ${p.detail}.`, {
      code: 'SIGNER_FUNDS_LOW',
      retryable: true,
      cause: p.cause,
      meta: { chain: p.chain, account: p.account, detail: p.detail },
    })
  }
}

/** Narrow an unknown thrown value to RelayError. */
export const isRelayError = (e: unknown): e is RelayError => e instanceof RelayError
