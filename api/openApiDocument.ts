import { z } from 'zod'
import {
  AlertsQuerySchema,
  AlertsResponseSchema,
  AssetsResponseSchema,
  ChainsResponseSchema,
  CommitteeResponseSchema,
  ErrorResponseSchema,
  EventsQuerySchema,
  HealthResponseSchema,
  MessageIdParamsSchema,
  MessageSchema,
  MessagesPageSchema,
  MessagesQuerySchema,
  QuoteRequestSchema,
  QuoteResponseSchema,
  ReadyResponseSchema,
  TransferRequestSchema,
  TransferResponseSchema,
} from './schemas.js'

type Schema = z.ZodType
type Json = Record<string, unknown>

interface Response {
  description: string
  schema?: Schema
  /** default application/json */
  contentType?: string
  headers?: Json
}

/** One documented route: the same zod schemas validate its requests (`registerRoutes`). */
export interface RouteDoc {
  method: 'get' | 'post'
  /** OpenAPI path template (`{id}`). */
  path: string
  summary: string
  query?: z.ZodObject
  params?: z.ZodObject
  headers?: { name: string; description: string; schema: Json }[]
  body?: Schema
  responses: Record<string, Response>
}

const err = (description: string): Response => ({ description, schema: ErrorResponseSchema })
const COMMON_ERRORS = { '429': err('rate_limited: too many requests from this address') }
const BAD = err('request_invalid: the field named in `error.field` is missing, unknown or malformed')

/** Every route the API serves, with its schemas (the source of `/openapi.json`). */
export const API_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/chains',
    summary: 'Configured chains with their finality rule and current head',
    responses: { '200': { description: 'chains', schema: ChainsResponseSchema }, ...COMMON_ERRORS },
  },
  {
    method: 'get',
    path: '/v1/assets',
    summary: 'Registered assets per chain and the routes they can take',
    responses: { '200': { description: 'assets', schema: AssetsResponseSchema }, ...COMMON_ERRORS },
  },
  {
    method: 'post',
    path: '/v1/quote',
    summary: 'Fee and expected time of a transfer on a route, from live chain fee data and finality',
    body: QuoteRequestSchema,
    responses: {
      '200': { description: 'quote', schema: QuoteResponseSchema },
      '400': BAD,
      '413': err('payload_too_large: the body exceeds the limit'),
      '503': err('chain_unavailable: a chain did not answer'),
      ...COMMON_ERRORS,
    },
  },
  {
    method: 'post',
    path: '/v1/transfers',
    summary: "Unsigned source transactions of a transfer for the user's own wallet (the API never signs)",
    body: TransferRequestSchema,
    responses: {
      '200': {
        description:
          'by source kind: `evm-tx` transactions to sign and send in order, a `substrate-extrinsic` call to sign as an extrinsic of `sender`, or a `fabric-proposal` to endorse and submit with the user identity',
        schema: TransferResponseSchema,
      },
      '400': BAD,
      '413': err('payload_too_large: the body exceeds the limit'),
      '503': err('chain_unavailable: a chain did not answer'),
      ...COMMON_ERRORS,
    },
  },
  {
    method: 'get',
    path: '/v1/messages/{id}',
    summary: 'Status of one message: stage timestamps and, when it is not moving, why',
    params: MessageIdParamsSchema,
    responses: {
      '200': { description: 'message', schema: MessageSchema },
      '400': BAD,
      '404': err('message_not_found'),
      ...COMMON_ERRORS,
    },
  },
  {
    method: 'get',
    path: '/v1/messages',
    summary: 'Messages, newest first, filtered and cursor-paginated',
    query: MessagesQuerySchema,
    responses: { '200': { description: 'one page', schema: MessagesPageSchema }, '400': BAD, ...COMMON_ERRORS },
  },
  {
    method: 'get',
    path: '/v1/events',
    summary:
      'Server-Sent Events: status events (docs/events.md) with `id:` = EVENTS sequence; resumable with Last-Event-ID',
    query: EventsQuerySchema,
    headers: [
      {
        name: 'Last-Event-ID',
        description: 'resume after this EVENTS sequence (takes precedence over fromSeq and since)',
        schema: { type: 'string', pattern: '^\\d{1,16}$' },
      },
    ],
    responses: {
      '200': {
        description: 'event stream; heartbeat comments every 15 s',
        contentType: 'text/event-stream',
        schema: z.string(),
      },
      '400': BAD,
      '503': err('too_many_streams'),
      ...COMMON_ERRORS,
    },
  },
  {
    method: 'get',
    path: '/v1/committee',
    summary: 'Committee members with their last signature (from `attested` events), silent members, quorum headroom',
    responses: {
      '200': { description: 'committee health', schema: CommitteeResponseSchema },
      '404': err('not_found: no committee configured'),
      ...COMMON_ERRORS,
    },
  },
  {
    method: 'get',
    path: '/v1/alerts',
    summary: 'Recent alert events (docs/events.md "Alerts"), newest first',
    query: AlertsQuerySchema,
    responses: { '200': { description: 'alerts', schema: AlertsResponseSchema }, '400': BAD, ...COMMON_ERRORS },
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    responses: { '200': { description: 'up', schema: HealthResponseSchema } },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'NATS connected, event index running and chains reachable',
    responses: {
      '200': { description: 'ready', schema: ReadyResponseSchema },
      '503': { description: 'not ready, with the failing checks', schema: ReadyResponseSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: { '200': { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    responses: { '200': { description: 'OpenAPI 3.1 document', schema: z.object({ openapi: z.string() }) } },
  },
  {
    method: 'get',
    path: '/',
    summary: 'Redirect to the dashboard',
    responses: { '302': { description: 'to /dashboard/', headers: { location: { schema: { type: 'string' } } } } },
  },
  {
    method: 'get',
    path: '/dashboard/',
    summary: 'The dashboard',
    responses: { '200': { description: 'index.html', contentType: 'text/html', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/dashboard/{file}',
    summary: 'Dashboard static files',
    params: z.strictObject({ file: z.string() }),
    responses: {
      '200': { description: 'the file', contentType: 'application/octet-stream', schema: z.string() },
      '404': err('not_found'),
    },
  },
]

const jsonSchema = (s: Schema, io: 'input' | 'output'): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json
  return rest
}

const parametersOf = (obj: z.ZodObject, where: 'query' | 'path'): Json[] => {
  const js = jsonSchema(obj, 'input') as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(js.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema,
  }))
}

const operationOf = (r: RouteDoc): Json => ({
  summary: r.summary,
  operationId:
    `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}` ||
    'getRoot',
  ...(r.query || r.params || r.headers
    ? {
        parameters: [
          ...(r.params ? parametersOf(r.params, 'path') : []),
          ...(r.query ? parametersOf(r.query, 'query') : []),
          ...(r.headers ?? []).map((h) => ({
            name: h.name,
            in: 'header',
            description: h.description,
            schema: h.schema,
          })),
        ],
      }
    : {}),
  ...(r.body
    ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }
    : {}),
  responses: Object.fromEntries(
    Object.entries(r.responses).map(([code, resp]) => [
      code,
      {
        description: resp.description,
        ...(resp.headers ? { headers: resp.headers } : {}),
        ...(resp.schema
          ? { content: { [resp.contentType ?? 'application/json']: { schema: jsonSchema(resp.schema, 'output') } } }
          : {}),
      },
    ]),
  ),
})

/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas that validate its requests.
 * @example const doc = openApiDocument('0.1.0')
 */
export const openApiDocument = (version: string): Json => {
  const paths: Record<string, Json> = {}
  for (const r of API_ROUTES) paths[r.path] = { ...(paths[r.path] ?? {}), [r.method]: operationOf(r) }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Isthmus API',
      version,
      description:
        'Cross-chain transfers and message status of an Isthmus relay. JSON; bigints are decimal strings; hex is lower-case. Errors are `{ error: { code, message, field?, expected? } }`.',
    },
    paths,
  }
}
