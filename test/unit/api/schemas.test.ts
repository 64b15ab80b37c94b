import { invalidRequest } from '../../../api/httpFailure.js'
import { openApiDocument } from '../../../api/openApiDocument.js'
import { decodeCursor, encodeCursor } from '../../../api/pageCursor.js'
import {
  EventsQuerySchema,
  MessagesQuerySchema,
  QuoteRequestSchema,
  TransferRequestSchema,
} from '../../../api/schemas.js'

const A = 'evm:31337'
const B = 'evm:31338'
const ADDR = `0x${'11'.repeat(20)}`
const ASSET = `0x${'ab'.repeat(32)}`

const errorOf = (
  schema: { safeParse(v: unknown): { success: boolean; error?: unknown } },
  v: unknown,
  where = 'body',
) => {
  const r = schema.safeParse(v)
  expect(r.success).toBe(false)
  return invalidRequest(r.error as never, where)
}

describe('request schemas', () => {
  it('accept a token quote and a message transfer', () => {
    expect(QuoteRequestSchema.safeParse({ from: A, to: B, kind: 'token', assetId: ASSET, amount: '5' }).success).toBe(
      true,
    )
    expect(
      TransferRequestSchema.safeParse({
        from: A,
        to: B,
        kind: 'message',
        sender: ADDR,
        recipient: ADDR,
        payload: '0x01',
      }).success,
    ).toBe(true)
  })

  it.each([
    ['an unknown field', { from: A, to: B, kind: 'message', colour: 'red' }, 'colour', 'Unknown field "colour"'],
    [
      'a token quote without amount',
      { from: A, to: B, kind: 'token', assetId: ASSET },
      'amount',
      'required for kind token',
    ],
    ['a bad chain ref', { from: 'btc', to: B, kind: 'message' }, 'from', 'chain ref'],
    [
      'a non-decimal amount',
      { from: A, to: B, kind: 'token', assetId: ASSET, amount: '1e18' },
      'amount',
      'decimal string',
    ],
    ['a wrong kind', { from: A, to: B, kind: 'nft' }, 'kind', 'kind'],
  ])('name the field for %s', (_name, body, field, text) => {
    const f = errorOf(QuoteRequestSchema, body)
    expect(f.httpStatus).toBe(400)
    expect(f.body.error.code).toBe('request_invalid')
    expect(f.body.error.field).toBe(field)
    expect(f.body.error.message).toContain(text)
  })

  it('refuses a zero token amount and a message transfer without payload', () => {
    const base = { from: A, to: B, sender: ADDR, recipient: ADDR }
    expect(
      errorOf(TransferRequestSchema, { ...base, kind: 'token', assetId: ASSET, amount: '0' }).body.error.field,
    ).toBe('amount')
    expect(errorOf(TransferRequestSchema, { ...base, kind: 'message' }).body.error.field).toBe('payload')
  })

  it('coerce query numbers, default the page size and bound it', () => {
    expect(MessagesQuerySchema.parse({}).limit).toBe(50)
    expect(MessagesQuerySchema.parse({ limit: '7' }).limit).toBe(7)
    expect(errorOf(MessagesQuerySchema, { limit: '201' }, 'query').body.error.field).toBe('limit')
    expect(errorOf(MessagesQuerySchema, { page: '2' }, 'query').body.error.field).toBe('page')
    expect(EventsQuerySchema.parse({ fromSeq: '12' }).fromSeq).toBe(12)
    expect(errorOf(EventsQuerySchema, { since: 'yesterday' }, 'query').body.error.field).toBe('since')
  })
})

describe('page cursors', () => {
  it('round-trip a sequence and refuse anything else', () => {
    expect(decodeCursor(encodeCursor(123456))).toBe(123456)
    expect(decodeCursor('bm9wZQ')).toBeUndefined()
    expect(decodeCursor(Buffer.from('s0').toString('base64url'))).toBeUndefined()
    expect(decodeCursor(Buffer.from('s-1').toString('base64url'))).toBeUndefined()
  })
})

describe('openApiDocument', () => {
  it('documents every v1 route with the request schema strict and the path parameter required', () => {
    const doc = openApiDocument('1.2.3') as {
      openapi: string
      info: { version: string }
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<string, { schema: { additionalProperties?: boolean; required?: string[] } }>
            }
            parameters?: { name: string; in: string; required: boolean }[]
          }
        >
      >
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.version).toBe('1.2.3')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/chains',
        '/v1/assets',
        '/v1/quote',
        '/v1/transfers',
        '/v1/messages/{id}',
        '/v1/messages',
        '/v1/events',
        '/healthz',
        '/readyz',
        '/metrics',
        '/openapi.json',
      ]),
    )
    const quote = doc.paths['/v1/quote']!.post!.requestBody!.content['application/json']!.schema
    expect(quote.additionalProperties).toBe(false)
    expect(quote.required).toEqual(['from', 'to', 'kind'])
    expect(doc.paths['/v1/messages/{id}']!.get!.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ])
    const events = doc.paths['/v1/events']!.get!.parameters!.map((p) => `${p.in}:${p.name}`)
    expect(events).toEqual([
      'query:status',
      'query:origin',
      'query:destination',
      'query:id',
      'query:since',
      'query:fromSeq',
      'header:Last-Event-ID',
    ])
  })
})
