import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs'
import {
  ApiUnavailableError,
  createIsthmusClient,
  type FetchFn,
  type Hex,
  IsthmusApiError,
  UnsupportedChainKindError,
} from '../../../sdk/index.js'
import { rejected as rejectedFn } from '../../harness/thrown.js'

const rejected = async (p: Promise<unknown>) => (await rejectedFn(() => p)) as Error & Record<string, unknown>

const API = 'http://127.0.0.1:1'
const ID = `0x${'ab'.repeat(32)}` as Hex

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** An SSE response whose body is the given chunks, then the end of the stream. */
const sse = (chunks: string[]) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(new TextEncoder().encode(x))
        c.close()
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  )

const event = (seq: number, status: string, extra: Record<string, unknown> = {}) =>
  `id: ${seq}\nevent: ${status}\ndata: ${JSON.stringify({ v: 1, status, id: ID, origin: 1, destination: 2, nonce: '0', at: new Date(seq * 1000).toISOString(), ...extra })}\n\n`

interface Call {
  url: URL
  init: RequestInit | undefined
}

const fakeFetch = (route: (c: Call, n: number) => Response | Promise<Response>) => {
  const calls: Call[] = []
  const fn: FetchFn = async (input, init) => {
    const c = { url: new URL(input), init }
    calls.push(c)
    return route(c, calls.length)
  }
  return { fn, calls }
}

const CHAINS = {
  chains: [
    {
      ref: 'evm:31337',
      kind: 'evm',
      domain: 1,
      chainId: '31337',
      bridge: `0x${'11'.repeat(20)}`,
      finality: { mode: 'confirmations', confirmations: 2 },
    },
    { ref: 'substrate:dev', kind: 'substrate', domain: 3, bridge: 'x', finality: { mode: 'finalized-tag' } },
    { ref: 'fabric:ch', kind: 'fabric', domain: 4, bridge: 'ch/bridge', finality: { mode: 'finalized-tag' } },
  ],
}

describe('createIsthmusClient', () => {
  it('throws IsthmusApiError with the API code, field and HTTP status on an error document', async () => {
    const f = fakeFetch(() => json(400, { error: { code: 'request_invalid', message: 'unknown field', field: 'foo' } }))
    const e = await rejected(
      createIsthmusClient({ apiUrl: API, fetch: f.fn }).quote({ from: 'evm:1', to: 'evm:2', kind: 'message' }),
    )
    expect(e).toBeInstanceOf(IsthmusApiError)
    expect(e).toMatchObject({
      code: 'API_ERROR',
      apiCode: 'request_invalid',
      field: 'foo',
      status: 400,
      retryable: false,
    })
  })

  it('marks 429 and 5xx answers retryable', async () => {
    const f = fakeFetch(() => json(429, { error: { code: 'rate_limited', message: 'slow down' } }))
    expect(await rejected(createIsthmusClient({ apiUrl: API, fetch: f.fn }).getMessage(ID))).toMatchObject({
      retryable: true,
      status: 429,
    })
  })

  it('throws ApiUnavailableError when the API cannot be reached or answers with something that is not JSON', async () => {
    const down = createIsthmusClient({ apiUrl: API, fetch: () => Promise.reject(new TypeError('fetch failed')) })
    expect(await rejected(down.getMessage(ID))).toBeInstanceOf(ApiUnavailableError)
    const html = createIsthmusClient({
      apiUrl: API,
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502 }),
    })
    expect(await rejected(html.getMessage(ID))).toMatchObject({ code: 'API_UNAVAILABLE' })
  })

  it('sends bigint amounts as decimal strings and builds URLs under the API base path', async () => {
    const f = fakeFetch(() => json(200, { route: {}, fee: { total: '1' } }))
    await createIsthmusClient({ apiUrl: `${API}/base`, fetch: f.fn }).quote({
      from: 'evm:31337',
      to: 'evm:31338',
      kind: 'token',
      assetId: ID,
      amount: 5n * 10n ** 30n,
    })
    expect(f.calls[0]!.url.pathname).toBe('/base/v1/quote')
    expect(JSON.parse(String(f.calls[0]!.init?.body))).toMatchObject({ amount: '5000000000000000000000000000000' })
  })

  it('watch: parses events split across chunks and resumes with Last-Event-ID after the stream ends', async () => {
    const whole = event(1, 'observed') + event(2, 'verified')
    const f = fakeFetch((_, n) =>
      n === 1
        ? sse([whole.slice(0, 17), whole.slice(17, 140), whole.slice(140)])
        : sse([': heartbeat\n\n', event(3, 'attested', { count: 1 })]),
    )
    const client = createIsthmusClient({ apiUrl: API, fetch: f.fn, reconnectDelayMs: 1 })
    const got = await lastValueFrom(client.watch({ destination: 2, status: 'observed' }).pipe(take(3), toArray()))
    expect(got.map((w) => [w.seq, w.event.status])).toEqual([
      ['1', 'observed'],
      ['2', 'verified'],
      ['3', 'attested'],
    ])
    expect(f.calls[0]!.url.searchParams.get('destination')).toBe('2')
    expect(f.calls[0]!.url.searchParams.get('status')).toBe('observed')
    expect(new Headers(f.calls[1]!.init?.headers).get('last-event-id')).toBe('2')
  })

  it('watch: a 4xx answer ends the stream with IsthmusApiError instead of reconnecting', async () => {
    const f = fakeFetch(() => json(400, { error: { code: 'request_invalid', message: 'bad id', field: 'id' } }))
    const e = await rejected(
      firstValueFrom(createIsthmusClient({ apiUrl: API, fetch: f.fn, reconnectDelayMs: 1 }).watch({ id: ID })),
    )
    expect(e).toMatchObject({ apiCode: 'request_invalid', field: 'id' })
    expect(f.calls).toHaveLength(1)
  })

  it('status$: completes at delivered from events, emitting each change once although SSE and poll both report it', async () => {
    const f = fakeFetch((c) => {
      if (c.url.pathname === '/v1/events')
        return sse([
          event(1, 'observed'),
          event(2, 'attested', { count: 1 }),
          event(3, 'attested', { count: 1 }),
          event(4, 'delivered', { txHash: ID }),
        ])
      return json(200, {
        id: ID,
        origin: 1,
        destination: 2,
        nonce: '0',
        status: 'observed',
        stages: { observed: new Date(1000).toISOString() },
      })
    })
    const client = createIsthmusClient({ apiUrl: API, fetch: f.fn, pollIntervalMs: 5 })
    const got = await lastValueFrom(client.status$(ID).pipe(toArray()))
    expect(got.map((u) => u.status)).toEqual(['observed', 'attested', 'delivered'])
    expect(got.at(-1)!.via).toBe('event')
  })

  it('status$: falls back to polling when the event stream is down, through a 404 before the message is observed', async () => {
    let polls = 0
    const f = fakeFetch((c) => {
      if (c.url.pathname === '/v1/events') return json(503, { error: { code: 'internal', message: 'down' } })
      polls += 1
      if (polls === 1) return json(404, { error: { code: 'message_not_found', message: 'no such message' } })
      const status = polls < 4 ? 'observed' : 'delivered'
      return json(200, {
        id: ID,
        origin: 1,
        destination: 2,
        nonce: '0',
        status,
        stages: { [status]: new Date().toISOString() },
      })
    })
    const client = createIsthmusClient({ apiUrl: API, fetch: f.fn, pollIntervalMs: 5, reconnectDelayMs: 1 })
    const got = await lastValueFrom(client.status$(ID).pipe(toArray()))
    expect(got.map((u) => [u.status, u.via])).toEqual([
      ['observed', 'poll'],
      ['delivered', 'poll'],
    ])
  })

  it('status$: a failed event the relay retries does not end it; a final one does', async () => {
    const f = fakeFetch((c) =>
      c.url.pathname === '/v1/events'
        ? sse([
            event(1, 'failed', { reason: 'DESTINATION_PAUSED', retryable: true }),
            event(2, 'failed', { reason: 'RECIPIENT_REVERTED', retryable: false }),
            event(3, 'delivered'),
          ])
        : json(404, { error: { code: 'message_not_found', message: 'x' } }),
    )
    const got = await lastValueFrom(
      createIsthmusClient({ apiUrl: API, fetch: f.fn, pollIntervalMs: 50 }).status$(ID).pipe(toArray()),
    )
    expect(got.map((u) => u.event?.reason)).toEqual(['DESTINATION_PAUSED', 'RECIPIENT_REVERTED'])
  })

  it('transfer: refuses a Substrate signer for a Fabric source before building anything', async () => {
    const f = fakeFetch((c) => (c.url.pathname === '/v1/chains' ? json(200, CHAINS) : json(500, {})))
    const client = createIsthmusClient({ apiUrl: API, fetch: f.fn })
    const e = await rejected(
      client.transfer(
        { kind: 'message', from: 'fabric:ch', to: 'evm:31337', recipient: `0x${'22'.repeat(20)}`, payload: '0x01' },
        { kind: 'substrate', api: {} as never, address: '5Grw', signer: {} },
      ),
    )
    expect(e).toBeInstanceOf(UnsupportedChainKindError)
    expect(e).toMatchObject({ code: 'UNSUPPORTED_CHAIN_KIND', meta: { chain: 'fabric:ch', kind: 'fabric' } })
    expect(f.calls.map((c) => c.url.pathname)).toEqual(['/v1/chains'])
  })

  it('transfer: refuses a signer that does not fit the source chain kind', async () => {
    const f = fakeFetch(() => json(200, CHAINS))
    const e = await rejected(
      createIsthmusClient({ apiUrl: API, fetch: f.fn }).transfer(
        { kind: 'message', from: 'evm:31337', to: 'substrate:dev', recipient: `0x${'22'.repeat(32)}`, payload: '0x01' },
        { kind: 'fabric', gateway: {} as never },
      ),
    )
    expect(e).toMatchObject({ code: 'UNSUPPORTED_CHAIN_KIND' })
    expect(e.message).toContain('a fabric signer cannot sign for it')
  })
})
