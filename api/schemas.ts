// The HTTP API's request and response schemas (zod 4): the server validates requests with them and
// `/openapi.json` is generated from them (`openApiDocument.ts`). The SDK imports TYPES only from here.
import { z } from 'zod'
import { EVENT_STATUSES } from '../relayer/nats/events.js'

const hex = (bytes: number, what: string) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `expected ${what} (0x + ${bytes * 2} hex digits)`)
export const ChainRefSchema = z
  .string()
  .regex(/^(evm|substrate|fabric):[A-Za-z0-9._-]+$/, 'expected a chain ref such as evm:31337')
  .meta({ description: 'Chain reference `<kind>:<id>`', example: 'evm:31337' })
export const Bytes32Schema = hex(32, 'bytes32 hex')
export const AddressSchema = hex(20, 'a 20-byte address')
/** An EVM address or a bytes32 account (Substrate AccountId32, Fabric identity hash). */
export const AccountSchema = z
  .string()
  .regex(/^0x([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/, 'expected a 20-byte address or a bytes32 account (0x-hex)')
/** An account on any kind: EVM address, bytes32 (AccountId32, Fabric identity hash) or an SS58 address. */
export const AnyAccountSchema = z
  .string()
  .regex(
    /^(0x([0-9a-fA-F]{40}|[0-9a-fA-F]{64})|[1-9A-HJ-NP-Za-km-z]{40,52})$/,
    'expected a 20-byte address, a bytes32 account (0x-hex) or an SS58 address',
  )
export const UintStringSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,77})$/, 'expected a non-negative integer as a decimal string')
  .meta({ description: 'unsigned integer as a decimal string (bigints never lose precision)' })
const isoTime = z.iso.datetime().meta({ description: 'ISO 8601 UTC' })
const domain = z.number().int().min(0).max(0xffff_ffff)

// ---------- errors ----------

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string().meta({
      description:
        'request_invalid, payload_too_large, rate_limited, not_found, message_not_found, route_unknown, asset_unknown, chain_unsupported, chain_unavailable, too_many_streams, internal',
    }),
    message: z.string(),
    field: z.string().optional().meta({ description: 'dotted path of the offending field, when there is one' }),
    expected: z.string().optional(),
  }),
})

export type ErrorResponse = z.infer<typeof ErrorResponseSchema>

// ---------- chains and assets ----------

const FinalitySchema = z.object({
  mode: z.enum(['finalized-tag', 'confirmations']),
  confirmations: z.number().int().min(1).optional(),
})
const HeadSchema = z.object({ number: UintStringSchema, hash: Bytes32Schema, timestamp: isoTime })

export const ChainSchema = z.object({
  ref: ChainRefSchema,
  kind: z.enum(['evm', 'substrate', 'fabric']),
  domain,
  chainId: UintStringSchema.optional(),
  bridge: z.string(),
  finality: FinalitySchema,
  head: HeadSchema.optional().meta({ description: 'absent when the chain did not answer in time' }),
})

export const ChainsResponseSchema = z.object({ chains: z.array(ChainSchema) })
export type ChainsResponse = z.infer<typeof ChainsResponseSchema>

const RouteSchema = z.object({ from: ChainRefSchema, to: ChainRefSchema })
export const AssetSchema = z.object({
  assetId: Bytes32Schema,
  symbol: z.string(),
  decimals: z.number().int(),
  home: z.object({ chain: ChainRefSchema, domain, address: z.string() }),
  representations: z.array(
    z.object({ chain: ChainRefSchema, domain, address: z.string(), kind: z.enum(['wrapped', 'native']) }),
  ),
  routes: z.array(RouteSchema),
})

export const AssetsResponseSchema = z.object({ assets: z.array(AssetSchema) })
export type AssetsResponse = z.infer<typeof AssetsResponseSchema>

// ---------- quote ----------

export const QuoteRequestSchema = z
  .strictObject({
    from: ChainRefSchema,
    to: ChainRefSchema,
    kind: z.enum(['token', 'message']),
    assetId: Bytes32Schema.optional().meta({ description: 'required for kind token' }),
    amount: UintStringSchema.optional().meta({ description: 'base units; required for kind token' }),
    payloadBytes: z.number().int().min(0).max(65_535).optional().meta({ description: 'app payload size (message)' }),
  })
  .superRefine((q, ctx) => {
    if (q.kind !== 'token') return
    if (q.assetId === undefined) ctx.addIssue({ code: 'custom', path: ['assetId'], message: 'required for kind token' })
    if (q.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'required for kind token' })
  })

export type QuoteRequest = z.infer<typeof QuoteRequestSchema>

const FeeItemSchema = z.object({
  item: z.string().meta({
    description: 'source_gas, approve_gas (EVM), source_fee (Substrate, Fabric), protocol_fee, destination_delivery',
  }),
  amount: UintStringSchema,
  currency: z
    .string()
    .meta({ description: '`native:<chain ref>` (wei for EVM; Fabric has no native currency: its items are 0)' }),
  paidBy: z
    .enum(['user', 'relayers', 'committee'])
    .meta({ description: 'committee: the committee pays (a Substrate multisig delivery; a Fabric deliver, 0)' }),
  note: z.string().optional().meta({ description: 'why an item is what it is (Fabric: no gas)' }),
})
const WarningSchema = z.object({
  code: z.enum(['destination_paused', 'rate_limited', 'queued_large_transfer']),
  detail: z.string(),
})
export const QuoteResponseSchema = z.object({
  route: RouteSchema,
  kind: z.enum(['token', 'message']),
  fee: z.object({
    total: UintStringSchema.meta({ description: 'sum of the items the user pays' }),
    currency: z.string(),
    breakdown: z.array(FeeItemSchema),
  }),
  expectedSeconds: z.number(),
  finality: z.object({ blocks: z.number().int(), blockTimeSeconds: z.number() }),
  warnings: z.array(WarningSchema),
  validUntil: isoTime,
})

export type QuoteResponse = z.infer<typeof QuoteResponseSchema>

// ---------- transfers ----------

/** A Fabric identity by its parts; the API derives its bytes32 account (`fabricIdentityOf`). */
export const FabricIdentitySchema = z.strictObject({
  mspId: z.string().min(1).max(256),
  certificate: z
    .string()
    .min(1)
    .max(16_384)
    .regex(/-----BEGIN CERTIFICATE-----/, 'expected an X.509 certificate PEM')
    .meta({ description: 'the X.509 certificate PEM, byte for byte as the identity presents it' }),
})

export const TransferRequestSchema = z
  .strictObject({
    from: ChainRefSchema,
    to: ChainRefSchema,
    kind: z.enum(['token', 'message']),
    sender: AnyAccountSchema.meta({
      description: "the user's own account on `from` (it signs): an EVM address, or an AccountId32 / SS58 address",
    }),
    recipient: z
      .union([
        AnyAccountSchema,
        FabricIdentitySchema.meta({
          description: 'a Fabric identity (to a Fabric chain): bytes32 sha256(utf8(mspId) ‖ certificate PEM)',
        }),
      ])
      .meta({
        description:
          'beneficiary (token) or recipient (message) on `to`: an EVM address, a bytes32 account (Fabric: sha256(mspId ‖ certificate PEM)), an SS58 address (converted to its AccountId32), or a Fabric {mspId, certificate}',
      }),
    assetId: Bytes32Schema.optional(),
    amount: UintStringSchema.optional(),
    payload: z
      .string()
      .max(2 + 2 * 65_535)
      .regex(/^0x([0-9a-fA-F]{2})*$/, 'expected 0x-hex bytes')
      .optional()
      .meta({ description: 'app payload (kind message), at most 65535 bytes' }),
  })
  .superRefine((t, ctx) => {
    const need = (k: 'assetId' | 'amount' | 'payload', kind: string) => {
      if (t[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `required for kind ${kind}` })
    }
    if (t.kind === 'token') {
      need('assetId', 'token')
      need('amount', 'token')
      if (t.amount === '0') ctx.addIssue({ code: 'custom', path: ['amount'], message: 'must be greater than 0' })
    } else need('payload', 'message')
  })

export type TransferRequest = z.infer<typeof TransferRequestSchema>

export const UnsignedTxSchema = z.object({
  to: AddressSchema,
  data: z.string(),
  value: UintStringSchema,
  chainId: UintStringSchema,
  description: z.string(),
})
export const EvmTransferSchema = z.object({
  chain: ChainRefSchema,
  kind: z.literal('evm-tx'),
  /** The recipient as bytes32, as it goes into the message. */
  recipient: Bytes32Schema.optional(),
  txs: z.array(UnsignedTxSchema),
})
export const SubstrateTransferSchema = z.object({
  chain: ChainRefSchema,
  kind: z.literal('substrate-extrinsic'),
  recipient: Bytes32Schema.optional(),
  genesisHash: Bytes32Schema,
  specVersion: z.number().int(),
  transactionVersion: z.number().int(),
  call: z
    .string()
    .regex(/^0x([0-9a-f]{2})+$/)
    .meta({
      description:
        'SCALE call data of utility.batchAll([<asset movement to the committee account>, system.remarkWithEvent(<intent>)]); sign it as an extrinsic of `sender`',
    }),
  description: z.string(),
})
export const FabricTransferSchema = z.object({
  chain: ChainRefSchema,
  kind: z.literal('fabric-proposal'),
  recipient: Bytes32Schema.optional(),
  channel: z.string(),
  chaincode: z.string(),
  contract: z.string().meta({ description: 'the chaincode contract name (`isthmus`)' }),
  function: z.enum(['sendToken', 'dispatch']),
  args: z.array(z.string()).meta({
    description:
      'sendToken: [destination, assetId, amount, beneficiary]; dispatch: [destination, recipient, payloadHex]',
  }),
  description: z.string(),
})
export const TransferResponseSchema = z.discriminatedUnion('kind', [
  EvmTransferSchema,
  SubstrateTransferSchema,
  FabricTransferSchema,
])

/** The EVM answer of `POST /v1/transfers` (`kind: 'evm-tx'`). */
export type TransferResponse = z.infer<typeof EvmTransferSchema>
/** The Substrate answer of `POST /v1/transfers` (`kind: 'substrate-extrinsic'`). */
export type SubstrateTransferResponse = z.infer<typeof SubstrateTransferSchema>
/** The Fabric answer of `POST /v1/transfers` (`kind: 'fabric-proposal'`). */
export type FabricTransferResponse = z.infer<typeof FabricTransferSchema>
/** Any answer of `POST /v1/transfers`, by source chain kind. */
export type AnyTransferResponse = z.infer<typeof TransferResponseSchema>

// ---------- messages ----------

/** Statuses the API reports: the event statuses plus `dispatched` (on the source, not final yet) and `queued`. */
export const API_STATUSES = ['dispatched', ...EVENT_STATUSES, 'queued'] as const
export type ApiStatus = (typeof API_STATUSES)[number]

export const WAITING_CODES = [
  'finality',
  'quorum',
  'destination_paused',
  'rate_limited',
  'recipient_reverted',
  'queued_large_transfer',
  'delivery_pending',
] as const
export type WaitingCode = (typeof WAITING_CODES)[number]

export const WaitingForSchema = z.object({
  code: z.enum(WAITING_CODES),
  detail: z.string().meta({ example: 'finality 12/64 blocks' }),
  progress: z.object({ have: z.number(), need: z.number() }).optional(),
  until: isoTime.optional(),
})
export type WaitingFor = z.infer<typeof WaitingForSchema>

const STAGE_KEYS = ['dispatched', 'observed', 'verified', 'attested', 'certified', 'submitted', 'delivered', 'failed']
export const MessageSchema = z.object({
  id: Bytes32Schema,
  origin: domain,
  destination: domain,
  route: RouteSchema.optional(),
  nonce: UintStringSchema,
  sender: Bytes32Schema.optional(),
  recipient: Bytes32Schema.optional(),
  transfer: z.object({ assetId: Bytes32Schema, amount: UintStringSchema, beneficiary: Bytes32Schema }).optional(),
  status: z.enum(API_STATUSES),
  stages: z.partialRecord(z.enum(STAGE_KEYS as [string, ...string[]]), isoTime),
  source: z.object({ chain: ChainRefSchema, blockNumber: UintStringSchema, txHash: Bytes32Schema }).optional(),
  submission: z.object({ chain: ChainRefSchema, txHash: Bytes32Schema }).optional(),
  delivery: z.object({ chain: ChainRefSchema, txHash: Bytes32Schema, blockNumber: UintStringSchema }).optional(),
  attestations: z.object({ count: z.number().int(), threshold: z.number().int() }).optional(),
  failure: z
    .object({
      reason: z.string(),
      code: z.string().optional(),
      detail: z.string().optional(),
      retryable: z.boolean(),
      at: isoTime,
    })
    .optional(),
  waitingFor: WaitingForSchema.optional().meta({ description: 'present when the message is not moving on its own' }),
})

export type MessageView = z.infer<typeof MessageSchema>

export const MessageIdParamsSchema = z.strictObject({ id: Bytes32Schema })

/** A domain number or a configured chain ref. */
const chainFilter = z
  .string()
  .regex(/^(\d{1,10}|(evm|substrate|fabric):[A-Za-z0-9._-]+)$/, 'expected a domain number or a chain ref')
export const MessagesQuerySchema = z.strictObject({
  sender: AccountSchema.optional().meta({ description: 'origin sender (address or bytes32)' }),
  status: z.enum(API_STATUSES).optional(),
  origin: chainFilter.optional(),
  destination: chainFilter.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a cursor from nextCursor')
    .optional(),
})
export type MessagesQuery = z.infer<typeof MessagesQuerySchema>
export const MessagesPageSchema = z.object({ messages: z.array(MessageSchema), nextCursor: z.string().nullable() })

export type MessagesPage = z.infer<typeof MessagesPageSchema>

// ---------- events (SSE) ----------

export const EventsQuerySchema = z.strictObject({
  status: z
    .enum([
      'observed',
      'verified',
      'attested',
      'certified',
      'submitted',
      'delivered',
      'failed',
      'retracted',
      'halted',
      'alert',
    ])
    .optional(),
  origin: chainFilter.optional(),
  destination: chainFilter.optional(),
  id: Bytes32Schema.optional(),
  since: z.iso.datetime().optional().meta({ description: 'replay from this time (ISO 8601)' }),
  fromSeq: z.coerce.number().int().min(1).optional().meta({ description: 'replay from this EVENTS sequence' }),
})
export type EventsQuery = z.infer<typeof EventsQuerySchema>

// ---------- committee and alerts ----------

const AddressLowerSchema = z.string().regex(/^0x[0-9a-f]{40}$/, 'expected a lower-case 20-byte address')
export const CommitteeMemberSchema = z.object({
  id: z.string(),
  address: AddressLowerSchema,
  operatorId: z.string(),
  lastSignedAt: isoTime.optional().meta({ description: 'time of its newest `attested` event; absent when none seen' }),
  signatures: z.number().int().min(0).meta({ description: '`attested` events of this member the API has seen' }),
  silent: z.boolean().meta({ description: 'no signature within `silentWindowMs` while others signed' }),
})
export const CommitteeResponseSchema = z.object({
  epoch: UintStringSchema,
  threshold: z.number().int(),
  policy: z.enum(['majority', 'bft']),
  silentWindowMs: z.number().int(),
  members: z.array(CommitteeMemberSchema),
  /** Signers seen in `attested` events that are not configured members (another epoch's keys). */
  otherSigners: z.array(z.object({ address: AddressLowerSchema, lastSignedAt: isoTime, signatures: z.number().int() })),
  quorumHeadroom: z
    .number()
    .int()
    .meta({ description: 'active (not silent) members minus the threshold; ≤ 0: at risk' }),
})
export type CommitteeResponse = z.infer<typeof CommitteeResponseSchema>

export const AlertSchema = z.object({
  seq: z.number().int().meta({ description: 'EVENTS stream sequence' }),
  alert: z
    .string()
    .meta({ description: 'kind (docs/events.md "Alerts"), or `route-halted` for a route `halted` event' }),
  severity: z.enum(['critical', 'warning']),
  origin: domain.optional(),
  destination: domain.optional(),
  chain: z.string().optional(),
  id: Bytes32Schema.optional(),
  signer: AddressLowerSchema.optional(),
  value: z.string().optional(),
  threshold: z.string().optional(),
  detail: z.string(),
  at: isoTime,
  relayer: z.string().optional(),
})
export const AlertsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) })
export const AlertsResponseSchema = z.object({
  alerts: z.array(AlertSchema).meta({ description: 'newest first, from the events the API has consumed' }),
})
export type AlertView = z.infer<typeof AlertSchema>
export type AlertsResponse = z.infer<typeof AlertsResponseSchema>

// ---------- operations ----------

export const HealthResponseSchema = z.object({ ok: z.literal(true) })
export const ReadyResponseSchema = z.object({
  ready: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
})
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>
