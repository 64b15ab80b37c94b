// The HTTP API against a running devnet (`isthmus api` process, three relayers, real chains): every
// route of /openapi.json exercised, a transfer built by the API, signed by the test's own wallet and
// followed to `delivered` by status and SSE, SSE resume without gap or duplicate, and 4xx answers.
import { jest } from '@jest/globals'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Interface, JsonRpcProvider, Wallet } from 'ethers'
import { BRIDGE_ABI } from '../../adapters/evm/bridgeAbi.js'
import { apiSetupOf, createApiServer } from '../../api/index.js'
import {
  type AlertsResponse,
  AssetsResponseSchema,
  ChainsResponseSchema,
  type CommitteeResponse,
  MessageSchema,
  type MessagesPage,
  MessagesPageSchema,
  type MessageView,
  QuoteResponseSchema,
  type TransferResponse,
  TransferResponseSchema,
} from '../../api/schemas.js'
import { createLogger } from '../../cli/createLogger.js'
import { loadConfig } from '../../config/index.js'
import { connectNats } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import { type E2eDevnet, startE2eDevnet } from '../harness/e2eDevnet.js'
import { openSse, type SseEvent } from '../harness/readSse.js'
import { eventually } from '../harness/waitFor.js'

jest.setTimeout(120_000)

const TOKEN = 10n ** 18n
const BRIDGE = new Interface(BRIDGE_ABI)
let e: E2eDevnet
let api: string
const exercised = new Set<string>()

/** fetch `path` on the API, recording the documented route `template` as exercised. */
const call = (method: 'GET' | 'POST', template: string, path: string, init: RequestInit = {}) => {
  exercised.add(`${method.toLowerCase()} ${template}`)
  return fetch(`${api}${path}`, { method, redirect: 'manual', ...init })
}
const post = (template: string, body: unknown) =>
  call('POST', template, template, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const json = async <T>(r: Response): Promise<T> => (await r.json()) as T
/** The body of a 200 answer, checked against the response schema /openapi.json documents. */
const valid = <T>(schema: { parse(v: unknown): unknown }, v: T): T => {
  schema.parse(v)
  return v
}

const send = async (from: 'A' | 'B', key: Hex, txs: TransferResponse['txs']): Promise<Hex> => {
  const provider = new JsonRpcProvider(from === 'A' ? e.devnet.a.rpcUrl : e.devnet.b.rpcUrl, undefined, {
    staticNetwork: true,
    batchMaxCount: 1,
    pollingInterval: 100,
  })
  try {
    const wallet = new Wallet(key, provider)
    let id: Hex | undefined
    for (const tx of txs) {
      const sent = await wallet.sendTransaction({
        to: tx.to,
        data: tx.data,
        value: BigInt(tx.value),
        chainId: BigInt(tx.chainId),
      })
      const receipt = await sent.wait(1, 30_000)
      expect(receipt?.status).toBe(1)
      for (const l of receipt?.logs ?? []) {
        const ev = BRIDGE.parseLog(l)
        if (ev?.name === 'Dispatch') id = (ev.args.getValue('id') as string).toLowerCase() as Hex
      }
    }
    expect(id).toBeDefined()
    return id!
  } finally {
    provider.destroy()
  }
}

const statusOf = async (id: string): Promise<MessageView> =>
  valid(MessageSchema, await json<MessageView>(await call('GET', '/v1/messages/{id}', `/v1/messages/${id}`)))

beforeAll(async () => {
  e = await startE2eDevnet('api', { api: true })
  api = e.devnet.api!.url
  expect(e.devnet.manifest().api?.url).toBe(api)
}, 150_000)
afterAll(async () => {
  await e?.stop()
})

describe('isthmus api on a devnet', () => {
  it('serves a valid OpenAPI 3.1 document', async () => {
    const r = await call('GET', '/openapi.json', '/openapi.json')
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(r)
    expect(doc.openapi).toBe('3.1.0')
    const v = new Validator()
    const result = await v.validate(doc as never)
    expect(result).toEqual({ valid: true })
    expect(v.version).toBe('3.1')
  })

  it('lists the chains with heads and the test token with its wrapped representation and routes', async () => {
    const { chains } = valid(
      ChainsResponseSchema,
      await json<{ chains: { ref: string; domain: number; head?: { number: string } }[] }>(
        await call('GET', '/v1/chains', '/v1/chains'),
      ),
    )
    expect(chains.map((c) => [c.ref, c.domain])).toEqual([
      [e.devnet.a.ref, 1],
      [e.devnet.b.ref, 2],
    ])
    for (const c of chains) expect(BigInt(c.head!.number)).toBeGreaterThan(0n)
    const { assets } = await json<{
      assets: {
        assetId: string
        representations: { chain: string; address: string; kind: string }[]
        routes: unknown[]
      }[]
    }>(await call('GET', '/v1/assets', '/v1/assets'))
    AssetsResponseSchema.parse({ assets })
    expect(assets).toHaveLength(1)
    expect(assets[0]!.assetId).toBe(e.devnet.token.assetId.toLowerCase())
    expect(assets[0]!.representations).toEqual([
      { chain: e.devnet.a.ref, domain: 1, address: e.devnet.token.homeToken.toLowerCase(), kind: 'native' },
      { chain: e.devnet.b.ref, domain: 2, address: e.devnet.token.wrappedToken.toLowerCase(), kind: 'wrapped' },
    ])
    expect(assets[0]!.routes).toEqual([
      { from: e.devnet.a.ref, to: e.devnet.b.ref },
      { from: e.devnet.b.ref, to: e.devnet.a.ref },
    ])
  })

  it('quotes a token transfer and a message from live fee data and finality', async () => {
    const t0 = Date.now()
    const r = await post('/v1/quote', {
      from: e.devnet.a.ref,
      to: e.devnet.b.ref,
      kind: 'token',
      assetId: e.devnet.token.assetId,
      amount: (5n * TOKEN).toString(),
    })
    expect(r.status).toBe(200)
    const q = await json<{
      fee: { total: string; breakdown: { item: string; amount: string; paidBy: string }[] }
      expectedSeconds: number
      finality: { blocks: number; blockTimeSeconds: number }
      validUntil: string
      warnings: unknown[]
    }>(r)
    QuoteResponseSchema.parse(q)
    expect(q.finality.blocks).toBe(e.devnet.a.confirmations)
    expect(q.expectedSeconds).toBeGreaterThan(0)
    const userItems = q.fee.breakdown.filter((b) => b.paidBy === 'user')
    expect(BigInt(q.fee.total)).toBe(userItems.reduce((s, b) => s + BigInt(b.amount), 0n))
    expect(BigInt(q.fee.total)).toBeGreaterThan(0n)
    expect(Date.parse(q.validUntil)).toBeGreaterThan(t0)
    expect(q.warnings).toEqual([])
    const m = await post('/v1/quote', { from: e.devnet.b.ref, to: e.devnet.a.ref, kind: 'message', payloadBytes: 32 })
    expect(m.status).toBe(200)
  })

  it('builds a token transfer the test wallet signs, then follows it by status and SSE to delivered', async () => {
    const user = e.devnet.users[1]!
    const built = await post('/v1/transfers', {
      from: e.devnet.a.ref,
      to: e.devnet.b.ref,
      kind: 'token',
      sender: user.address,
      recipient: user.address,
      assetId: e.devnet.token.assetId,
      amount: (7n * TOKEN).toString(),
    })
    expect(built.status).toBe(200)
    const plan = valid(TransferResponseSchema, await json<TransferResponse>(built))
    expect(plan.txs.map((t) => t.description.split(' ')[0])).toEqual(['approve', 'send'])
    const before = await e.client.tokenBalance('B', user.address)
    const id = await send('A', user.privateKey, plan.txs)

    const sse = await openSse(`${api}/v1/events?id=${id}&fromSeq=1`)
    exercised.add('get /v1/events')
    expect(sse.status).toBe(200)
    expect(sse.contentType).toMatch(/^text\/event-stream/)
    const events = await sse.until((x) => x.event === 'delivered', 60_000)
    sse.close()
    expect(events.every((x) => (JSON.parse(x.data) as { id: string }).id === id)).toBe(true)
    expect(events.map((x) => x.event)).toEqual(
      expect.arrayContaining(['observed', 'verified', 'attested', 'certified', 'delivered']),
    )

    const view = await eventually(
      'the API to report delivered',
      async () => {
        const v = await statusOf(id)
        return v.status === 'delivered' ? v : undefined
      },
      20_000,
    )
    const order = ['observed', 'verified', 'attested', 'certified', 'delivered'] as const
    const times = order.map((s) => Date.parse(view.stages[s]!))
    expect(times.every((t) => Number.isFinite(t))).toBe(true)
    expect([...times].sort((x, y) => x - y)).toEqual(times)
    expect(view.waitingFor).toBeUndefined()
    expect(view.route).toEqual({ from: e.devnet.a.ref, to: e.devnet.b.ref })
    expect(view.transfer?.amount).toBe((7n * TOKEN).toString())
    expect(view.delivery?.chain).toBe(e.devnet.b.ref)
    expect(await e.client.tokenBalance('B', user.address)).toBe(before + 7n * TOKEN)
  })

  it('reports a dispatched message waiting for finality, then app messages listed by sender across pages', async () => {
    const user = e.devnet.users[2]!
    const build = async (payload: string) =>
      json<TransferResponse>(
        await post('/v1/transfers', {
          from: e.devnet.a.ref,
          to: e.devnet.b.ref,
          kind: 'message',
          sender: user.address,
          recipient: e.devnet.b.recipient,
          payload,
        }),
      )
    // Hold chain A's blocks: the dispatch lands in one mined block, 1 of the 2 confirmations.
    await e.devnet.a.setMining('paused')
    let held: Hex
    try {
      const plan = await build('0x0101')
      const provider = new JsonRpcProvider(e.devnet.a.rpcUrl, undefined, { staticNetwork: true, batchMaxCount: 1 })
      const wallet = new Wallet(user.privateKey, provider)
      const sent = await wallet.sendTransaction({
        to: plan.txs[0]!.to,
        data: plan.txs[0]!.data,
        chainId: BigInt(plan.txs[0]!.chainId),
      })
      await e.devnet.a.node.rpc('evm_mine', [])
      const receipt = await sent.wait(1, 10_000)
      provider.destroy()
      held = (
        BRIDGE.parseLog(receipt!.logs.find((l) => BRIDGE.parseLog(l)?.name === 'Dispatch')!)!.args.getValue(
          'id',
        ) as string
      ).toLowerCase() as Hex
      const waiting = await statusOf(held)
      expect(waiting.status).toBe('dispatched')
      expect(waiting.waitingFor).toEqual({
        code: 'finality',
        detail: 'finality 1/2 blocks',
        progress: { have: 1, need: 2 },
      })
      expect(waiting.stages.dispatched).toBeDefined()
    } finally {
      await e.devnet.a.setMining('interval')
    }
    const ids = [
      held,
      await send('A', user.privateKey, (await build('0x0202')).txs),
      await send('A', user.privateKey, (await build('0x0303')).txs),
    ]
    await eventually(
      'all three delivered',
      async () => {
        const all = await Promise.all(ids.map(statusOf))
        return all.every((v) => v.status === 'delivered') ? all : undefined
      },
      60_000,
    )
    const seen: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 10; page++) {
      const path: string = `/v1/messages?sender=${user.address}&status=delivered&origin=${e.devnet.a.ref}&destination=2&limit=1${cursor ? `&cursor=${cursor}` : ''}`
      const p: MessagesPage = valid(
        MessagesPageSchema,
        await json<MessagesPage>(await call('GET', '/v1/messages', path)),
      )
      seen.push(...p.messages.map((m) => m.id))
      cursor = p.nextCursor
      if (!cursor) break
    }
    expect(seen).toEqual([...ids].reverse())
  })

  it('resumes SSE with Last-Event-ID without a gap or a duplicate, and replays from a time', async () => {
    const full = await openSse(`${api}/v1/events?fromSeq=1`)
    const all: SseEvent[] = []
    for (let i = 0; i < 20; i++) all.push(await full.next(10_000))
    full.close()
    const first = await openSse(`${api}/v1/events?fromSeq=1`)
    const head: SseEvent[] = []
    for (let i = 0; i < 7; i++) head.push(await first.next(10_000))
    first.close()
    const resumed = await openSse(`${api}/v1/events?fromSeq=1`, { 'Last-Event-ID': head.at(-1)!.id! })
    const tail: SseEvent[] = []
    for (let i = 0; i < 13; i++) tail.push(await resumed.next(10_000))
    resumed.close()
    const joined = [...head, ...tail].map((x) => Number(x.id))
    expect(joined).toEqual(all.map((x) => Number(x.id)))
    expect(joined).toEqual(Array.from({ length: 20 }, (_, i) => joined[0]! + i))
    const since = await openSse(
      `${api}/v1/events?since=${encodeURIComponent(new Date(0).toISOString())}&status=delivered`,
    )
    const d = await since.next(10_000)
    since.close()
    expect(d.event).toBe('delivered')
  })

  it('answers health, readiness, metrics, the root redirect and the dashboard', async () => {
    expect(await json(await call('GET', '/healthz', '/healthz'))).toEqual({ ok: true })
    const ready = await call('GET', '/readyz', '/readyz')
    expect(ready.status).toBe(200)
    expect((await json<{ ready: boolean }>(ready)).ready).toBe(true)
    const metrics = await (await call('GET', '/metrics', '/metrics')).text()
    expect(metrics).toMatch(
      /isthmus_api_http_request_duration_seconds_count\{method="GET",route="\/v1\/chains",status="200"\} \d+/,
    )
    expect(metrics).toMatch(/isthmus_api_index_messages [1-9]/)
    const root = await call('GET', '/', '/')
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/dashboard/')
    const dash = await call('GET', '/dashboard/', '/dashboard/')
    expect(dash.status).toBe(200)
    expect(dash.headers.get('content-type')).toMatch(/^text\/html/)
    const file = await call('GET', '/dashboard/{file}', '/dashboard/index.html')
    expect(file.status).toBe(200)
    expect((await call('GET', '/dashboard/{file}', '/dashboard/..%2f..%2fpackage.json')).status).toBe(404)
  })

  it('answers bad requests with 400/404/413 naming the field', async () => {
    const expectError = async (r: Response, status: number, code: string, field?: string) => {
      expect(r.status).toBe(status)
      const body = await json<{ error: { code: string; field?: string; message: string } }>(r)
      expect(body.error.code).toBe(code)
      if (field !== undefined) expect(body.error.field).toBe(field)
      expect(body.error.message.length).toBeGreaterThan(0)
    }
    await expectError(
      await post('/v1/quote', { from: e.devnet.a.ref, to: e.devnet.b.ref, kind: 'message', colour: 'red' }),
      400,
      'request_invalid',
      'colour',
    )
    await expectError(
      await post('/v1/quote', {
        from: e.devnet.a.ref,
        to: e.devnet.b.ref,
        kind: 'token',
        assetId: e.devnet.token.assetId,
      }),
      400,
      'request_invalid',
      'amount',
    )
    await expectError(
      await post('/v1/quote', { from: 'evm:999', to: e.devnet.b.ref, kind: 'message' }),
      400,
      'route_unknown',
      'from',
    )
    await expectError(
      await post('/v1/transfers', {
        from: e.devnet.a.ref,
        to: e.devnet.b.ref,
        kind: 'token',
        sender: '0x12',
        recipient: e.devnet.users[0]!.address,
        assetId: e.devnet.token.assetId,
        amount: '1',
      }),
      400,
      'request_invalid',
      'sender',
    )
    await expectError(
      await post('/v1/transfers', {
        from: e.devnet.a.ref,
        to: e.devnet.b.ref,
        kind: 'token',
        sender: e.devnet.users[0]!.address,
        recipient: e.devnet.users[0]!.address,
        assetId: `0x${'ab'.repeat(32)}`,
        amount: '1',
      }),
      400,
      'asset_unknown',
      'assetId',
    )
    await expectError(await call('GET', '/v1/messages/{id}', '/v1/messages/0x1234'), 400, 'request_invalid', 'id')
    await expectError(
      await call('GET', '/v1/messages/{id}', `/v1/messages/0x${'77'.repeat(32)}`),
      404,
      'message_not_found',
      'id',
    )
    await expectError(await call('GET', '/v1/messages', '/v1/messages?limit=1000'), 400, 'request_invalid', 'limit')
    await expectError(await call('GET', '/v1/messages', '/v1/messages?cursor=bm9wZQ'), 400, 'request_invalid', 'cursor')
    await expectError(await call('GET', '/v1/events', '/v1/events?fromSeq=-3'), 400, 'request_invalid', 'fromSeq')
    await expectError(
      await call('GET', '/v1/events', '/v1/events', { headers: { 'last-event-id': 'abc' } }),
      400,
      'request_invalid',
      'Last-Event-ID',
    )
    await expectError(await post('/v1/transfers', { payload: `0x${'00'.repeat(70_000)}` }), 413, 'payload_too_large')
    await expectError(await call('GET', '/v1/nothing', '/v1/nothing'), 404, 'not_found')
    exercised.delete('get /v1/nothing')
  })

  it('answers 429 rate_limited beyond the per-address limit', async () => {
    const log = createLogger({ level: 'warn' })
    const cfg = loadConfig(process.env, `${e.devnet.stateDir}/api/config.yaml`)
    const nc = await connectNats({ servers: [e.devnet.nats.url], name: 'api-e2e-429' }, log)
    const limited = await createApiServer({
      setup: apiSetupOf(cfg, log),
      nc,
      log,
      limits: { rateLimitMax: 3, rateLimitWindowMs: 60_000 },
    })
    try {
      const codes: number[] = []
      for (let i = 0; i < 4; i++) codes.push((await fetch(`${limited.url}/v1/chains`)).status)
      expect(codes).toEqual([200, 200, 200, 429])
      const r = await fetch(`${limited.url}/v1/assets`)
      expect(r.status).toBe(429)
      expect((await json<{ error: { code: string } }>(r)).error.code).toBe('rate_limited')
      expect((await fetch(`${limited.url}/healthz`)).status).toBe(200)
    } finally {
      await limited.close()
      await nc.close()
    }
  })

  it('reports committee health from attested events, and recent alerts', async () => {
    const r = await call('GET', '/v1/committee', '/v1/committee')
    expect(r.status).toBe(200)
    const c = await json<CommitteeResponse>(r)
    expect(c.threshold).toBe(e.devnet.committee.threshold)
    expect(c.members.map((m) => m.address)).toEqual(e.devnet.committee.signers.map((s) => s.toLowerCase()))
    // Transfers were delivered above: at least the threshold of members signed, none is silent yet.
    const signed = c.members.filter((m) => m.signatures > 0 && m.lastSignedAt !== undefined)
    expect(signed.length).toBeGreaterThanOrEqual(c.threshold)
    expect(c.members.every((m) => !m.silent)).toBe(true)
    expect(c.quorumHeadroom).toBe(c.members.length - c.threshold)
    const a = await call('GET', '/v1/alerts', '/v1/alerts?limit=5')
    expect(a.status).toBe(200)
    expect(Array.isArray((await json<AlertsResponse>(a)).alerts)).toBe(true)
    const bad = await call('GET', '/v1/alerts', '/v1/alerts?limit=0')
    expect(bad.status).toBe(400)
    expect((await json<{ error: { code: string; field?: string } }>(bad)).error).toMatchObject({
      code: 'request_invalid',
      field: 'limit',
    })
  })

  it('exercised every documented route', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      await call('GET', '/openapi.json', '/openapi.json'),
    )
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect([...exercised].sort()).toEqual(documented.sort())
  })
})
