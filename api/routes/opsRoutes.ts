import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ApiContext } from '../apiContext.js'
import { fail } from '../httpFailure.js'
import { openApiDocument } from '../openApiDocument.js'
import type { ReadyResponse } from '../schemas.js'

const CHECK_TIMEOUT_MS = 2_000
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
}
const NO_RATE_LIMIT = { config: { rateLimit: false } } as const

/** Run one readiness check: `run` resolves with a problem (string) or undefined; a rejection or a timeout fails it. */
const check = async (
  name: string,
  run: () => Promise<string | undefined>,
): Promise<ReadyResponse['checks'][number]> => {
  let timer: NodeJS.Timeout | undefined
  const problem = await Promise.race([
    run().catch((e: unknown) =>
      String((e as { message?: unknown })?.message ?? e)
        .split('\n')[0]!
        .slice(0, 200),
    ),
    new Promise<string>((r) => {
      timer = setTimeout(() => r(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS)
    }),
  ])
  clearTimeout(timer)
  return problem === undefined ? { name, ok: true } : { name, ok: false, detail: problem }
}

/** Serve one file under the dashboard dir (no path escapes it); 404 when absent. */
const sendStatic = async (ctx: ApiContext, reply: FastifyReply, rel: string) => {
  const clean = normalize(rel).replace(/^(\.\.(\/|\\|$))+/, '')
  const path = join(ctx.dashboardDir, clean)
  if (!path.startsWith(ctx.dashboardDir) || clean.includes('\0')) {
    const f = fail(404, 'not_found', 'No such dashboard file.')
    return reply.code(f.httpStatus).send(f.body)
  }
  try {
    const body = await readFile(path)
    return reply
      .type(TYPES[extname(path)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(body)
  } catch {
    const f = fail(404, 'not_found', `No dashboard file ${clean}.`)
    return reply.code(f.httpStatus).send(f.body)
  }
}

/** /healthz, /readyz, /metrics, /openapi.json, / and the dashboard's static files. */
export const registerOpsRoutes = (app: FastifyInstance, ctx: ApiContext): void => {
  const doc = openApiDocument(ctx.version)
  app.get('/healthz', NO_RATE_LIMIT, async () => ({ ok: true as const }))
  app.get('/readyz', NO_RATE_LIMIT, async (_req, reply) => {
    const checks = await Promise.all([
      check('nats', async () => {
        if (ctx.nc.isClosed()) return 'connection closed'
        await ctx.nc.flush()
        return undefined
      }),
      check('event-index', async () => (ctx.index.stats().running ? undefined : 'not consuming EVENTS')),
      ...ctx.setup.chains
        .filter((c) => c.reader)
        .map((c) => check(`chain ${c.ref}`, async () => void (await c.reader!.head('latest')))),
      ...ctx.setup.chains.flatMap((c) =>
        c.substrate ? [check(`chain ${c.ref}`, async () => void (await c.substrate!.reader.head()))] : [],
      ),
    ])
    const ready = checks.every((c) => c.ok)
    return reply.code(ready ? 200 : 503).send({ ready, checks })
  })
  app.get('/metrics', NO_RATE_LIMIT, async (_req, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  )
  app.get('/openapi.json', async () => doc)
  app.get('/', async (_req, reply) => reply.redirect('/dashboard/', 302))
  app.get('/dashboard', async (_req, reply) => reply.redirect('/dashboard/', 302))
  app.get('/dashboard/', async (_req, reply) => sendStatic(ctx, reply, 'index.html'))
  app.get('/dashboard/*', async (req, reply) => sendStatic(ctx, reply, (req.params as { '*': string })['*']))
}
