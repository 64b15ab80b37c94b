import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Hex } from '../../types.js'
import { type ApiContext, domainOf, parseOr400 } from '../apiContext.js'
import { buildTransfer } from '../buildTransfer.js'
import { fail, isFailure } from '../httpFailure.js'
import { decodeCursor, encodeCursor } from '../pageCursor.js'
import { quoteTransfer } from '../quoteTransfer.js'
import { resolveAssets } from '../resolveAssets.js'
import {
  AlertsQuerySchema,
  type AlertsResponse,
  type ChainsResponse,
  type CommitteeResponse,
  EventsQuerySchema,
  MessageIdParamsSchema,
  MessagesQuerySchema,
  QuoteRequestSchema,
  TransferRequestSchema,
} from '../schemas.js'
import { serveEvents } from '../serveEvents.js'

const HEAD_TIMEOUT_MS = 2_000
const ASSETS_TTL_MS = 10_000

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())])

/** `/v1/*`: chains, assets, quote, transfers, messages and the SSE event stream. */
export const registerV1Routes = (app: FastifyInstance, ctx: ApiContext): void => {
  let assets: { at: number; value: ReturnType<typeof resolveAssets> } | undefined

  app.get('/v1/chains', async (): Promise<ChainsResponse> => {
    const chains = await Promise.all(
      ctx.setup.chains.map(async (c) => {
        const head = c.reader
          ? await withTimeout(c.reader.head('latest'), HEAD_TIMEOUT_MS)
          : c.substrate
            ? await withTimeout(c.substrate.reader.head(), HEAD_TIMEOUT_MS)
            : undefined
        return {
          ref: c.ref,
          kind: c.kind,
          domain: c.domain,
          ...(c.chainId === undefined ? {} : { chainId: c.chainId.toString() }),
          bridge: c.bridge,
          finality: c.finality,
          ...(head
            ? {
                head: {
                  number: head.number.toString(),
                  hash: head.hash.toLowerCase(),
                  timestamp: new Date(Number(head.timestamp) * 1000).toISOString(),
                },
              }
            : {}),
        }
      }),
    )
    return { chains }
  })

  app.get('/v1/assets', async () => {
    if (!assets || Date.now() - assets.at > ASSETS_TTL_MS)
      assets = { at: Date.now(), value: resolveAssets(ctx.setup, ctx.log) }
    return { assets: await assets.value }
  })

  app.post('/v1/quote', async (req, reply) => {
    const q = parseOr400(reply, QuoteRequestSchema, req.body, 'body')
    if (!q) return reply
    const r = await quoteTransfer(ctx.setup, q, ctx.now())
    return isFailure(r) ? reply.code(r.httpStatus).send(r.body) : r
  })

  app.post('/v1/transfers', async (req, reply) => {
    const t = parseOr400(reply, TransferRequestSchema, req.body, 'body')
    if (!t) return reply
    const r = await buildTransfer(ctx.setup, t)
    return isFailure(r) ? reply.code(r.httpStatus).send(r.body) : r
  })

  app.get('/v1/messages/:id', async (req, reply) => {
    const p = parseOr400(reply, MessageIdParamsSchema, req.params, 'path')
    if (!p) return reply
    const view = await ctx.status.get(p.id.toLowerCase() as Hex)
    if (!view) {
      const f = fail(
        404,
        'message_not_found',
        `No message ${p.id.toLowerCase()} is known to the relay or seen on a source chain.`,
        'id',
      )
      return reply.code(f.httpStatus).send(f.body)
    }
    return view
  })

  app.get('/v1/messages', async (req, reply) => {
    const q = parseOr400(reply, MessagesQuerySchema, req.query, 'query')
    if (!q) return reply
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor)
    if (q.cursor !== undefined && before === undefined) {
      const f = fail(400, 'request_invalid', 'Field "cursor" in the query is not a cursor this API issued.', 'cursor')
      return reply.code(f.httpStatus).send(f.body)
    }
    const origin = q.origin === undefined ? undefined : domainOf(ctx.setup, q.origin)
    const destination = q.destination === undefined ? undefined : domainOf(ctx.setup, q.destination)
    for (const [field, raw, d] of [
      ['origin', q.origin, origin],
      ['destination', q.destination, destination],
    ] as const) {
      if (raw !== undefined && d === undefined) {
        const f = fail(400, 'request_invalid', `Field "${field}" names a chain that is not configured.`, field)
        return reply.code(f.httpStatus).send(f.body)
      }
    }
    const sender =
      q.sender === undefined
        ? undefined
        : (q.sender.length === 42 ? `0x${'0'.repeat(24)}${q.sender.slice(2)}` : q.sender).toLowerCase()
    const page = ctx.index.list(
      {
        ...(sender === undefined ? {} : { sender }),
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(origin === undefined ? {} : { origin }),
        ...(destination === undefined ? {} : { destination }),
      },
      q.limit,
      before,
    )
    const messages = await Promise.all(page.items.map((m) => ctx.status.withReason(m)))
    const last = page.items.at(-1)
    return { messages, nextCursor: page.more && last ? encodeCursor(last.seq) : null }
  })

  app.get('/v1/committee', async (_req, reply): Promise<CommitteeResponse | FastifyReply> => {
    if (ctx.committee) return ctx.committee.committee()
    const f = fail(404, 'not_found', 'No committee is configured for this API.')
    return reply.code(f.httpStatus).send(f.body)
  })

  app.get('/v1/alerts', async (req, reply): Promise<AlertsResponse | FastifyReply> => {
    const q = parseOr400(reply, AlertsQuerySchema, req.query, 'query')
    if (!q) return reply
    return { alerts: ctx.committee?.alerts(q.limit) ?? [] }
  })

  app.get('/v1/events', async (req, reply) => {
    const q = parseOr400(reply, EventsQuerySchema, req.query, 'query')
    if (!q) return reply
    const lastId = req.headers['last-event-id']
    if (lastId !== undefined && (typeof lastId !== 'string' || !/^\d{1,16}$/.test(lastId))) {
      const f = fail(
        400,
        'request_invalid',
        'Header "Last-Event-ID" must be an EVENTS sequence number.',
        'Last-Event-ID',
      )
      return reply.code(f.httpStatus).send(f.body)
    }
    const origin = q.origin === undefined ? undefined : domainOf(ctx.setup, q.origin)
    const destination = q.destination === undefined ? undefined : domainOf(ctx.setup, q.destination)
    if (
      (q.origin !== undefined && origin === undefined) ||
      (q.destination !== undefined && destination === undefined)
    ) {
      const field = q.origin !== undefined && origin === undefined ? 'origin' : 'destination'
      const f = fail(400, 'request_invalid', `Field "${field}" names a chain that is not configured.`, field)
      return reply.code(f.httpStatus).send(f.body)
    }
    if (ctx.sse.open >= ctx.limits.maxSseClients) {
      const f = fail(
        503,
        'too_many_streams',
        `The API serves at most ${ctx.limits.maxSseClients} event streams at once.`,
      )
      return reply.code(f.httpStatus).send(f.body)
    }
    const start =
      lastId !== undefined
        ? { seq: Number(lastId) + 1 }
        : q.fromSeq !== undefined
          ? { seq: q.fromSeq }
          : q.since !== undefined
            ? { time: new Date(q.since).toISOString() }
            : ('new' as const)
    reply.hijack()
    ctx.sse.open += 1
    ctx.metrics.sseOpened()
    let counted = true
    const release = (reason: string) => {
      if (!counted) return
      counted = false
      ctx.sse.open -= 1
      ctx.metrics.sseClosed(reason)
    }
    try {
      await serveEvents({
        js: ctx.js,
        log: ctx.log,
        res: reply.raw,
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(origin === undefined ? {} : { origin }),
        ...(destination === undefined ? {} : { destination }),
        ...(q.id === undefined ? {} : { id: q.id.toLowerCase() }),
        start,
        limits: ctx.limits,
        closing: ctx.closing,
        onEnd: release,
      })
    } catch (err) {
      ctx.log.warn({ err }, 'event stream could not start')
      if (!reply.raw.headersSent) {
        const f = fail(503, 'events_unavailable', 'The event stream is unavailable (NATS).')
        reply.raw.writeHead(f.httpStatus, { 'content-type': 'application/json' })
        reply.raw.end(JSON.stringify(f.body))
      } else reply.raw.end()
    } finally {
      release('ended')
    }
  })
}
