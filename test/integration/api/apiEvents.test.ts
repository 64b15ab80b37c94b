// The API's event side against a real nats-server: status folding, reason codes, the KV fallback,
// SSE filters / resume / limits and back-pressure, readiness.
import { Writable } from 'node:stream'
import { jest } from '@jest/globals'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import type { ApiSetup } from '../../../api/apiChains.js'
import { type ApiServer, createApiServer, type IndexedStreamMessage } from '../../../api/index.js'
import type { MessagesPage, MessageView } from '../../../api/schemas.js'
import { type SseSink, serveEvents } from '../../../api/serveEvents.js'
import { addressToBytes32, encodeMessage, encodeTokenTransferBody, messageId } from '../../../protocol/index.js'
import {
  BUCKETS,
  encodeMessageRecord,
  type MessageRecord,
  publishStatusEvent,
  type StatusEvent,
} from '../../../relayer/index.js'
import type { ChainRef, Hex, Message } from '../../../types.js'
import { openSse } from '../../harness/readSse.js'
import { eventually } from '../../harness/waitFor.js'
import { type NatsFixture, useNatsWithTopology } from '../nats/natsFixture.js'

jest.setTimeout(60_000)

const SETUP: ApiSetup = {
  chains: [
    {
      ref: 'evm:1' as ChainRef,
      kind: 'evm',
      domain: 1,
      chainId: 1n,
      bridge: `0x${'01'.repeat(20)}`,
      finality: { mode: 'confirmations', confirmations: 2 },
      destinationConfirmations: 1,
    },
    {
      ref: 'evm:2' as ChainRef,
      kind: 'evm',
      domain: 2,
      chainId: 2n,
      bridge: `0x${'02'.repeat(20)}`,
      finality: { mode: 'finalized-tag' },
      destinationConfirmations: 1,
    },
  ],
  routes: [{ from: 'evm:1' as ChainRef, to: 'evm:2' as ChainRef }],
  assets: [],
}
const TX = `0x${'aa'.repeat(32)}` as Hex
const SENDER = `0x${'5e'.repeat(20)}` as Hex
const at = (ms = 0) => new Date(Date.UTC(2026, 10, 21, 12, 0, 0, ms)).toISOString()
const message = (nonce: bigint): Message => ({
  version: 1,
  nonce,
  origin: 1,
  sender: addressToBytes32(SENDER),
  destination: 2,
  recipient: addressToBytes32(`0x${'22'.repeat(20)}`),
  body: encodeTokenTransferBody({
    asset: `0x${'ab'.repeat(32)}`,
    amount: 1000n,
    beneficiary: addressToBytes32(`0x${'22'.repeat(20)}`),
  }),
})
const base = (m: Message, ms: number) => ({
  v: 1 as const,
  id: messageId(m),
  origin: 1,
  destination: 2,
  nonce: m.nonce,
  at: at(ms),
})
const ev = {
  observed: (m: Message, ms = 0): StatusEvent => ({
    ...base(m, ms),
    status: 'observed',
    source: { chain: 'evm:1', blockNumber: 7n, blockHash: TX, txHash: TX, logIndex: 0 },
  }),
  verified: (m: Message, ms = 10): StatusEvent => ({ ...base(m, ms), status: 'verified', proofKind: 'evm-receipt' }),
  attested: (m: Message, count: number, ms = 20): StatusEvent => ({
    ...base(m, ms),
    status: 'attested',
    epoch: 1n,
    count,
    threshold: 2,
    signer: `0x${count.toString().padStart(40, '0')}` as Hex,
  }),
  certified: (m: Message, ms = 40): StatusEvent => ({
    ...base(m, ms),
    status: 'certified',
    epoch: 1n,
    threshold: 2,
    signers: [`0x${'01'.repeat(20)}`, `0x${'02'.repeat(20)}`] as Hex[],
  }),
  delivered: (m: Message, ms = 60): StatusEvent => ({
    ...base(m, ms),
    status: 'delivered',
    chain: 'evm:2',
    txHash: TX,
    blockNumber: 9n,
  }),
  failed: (m: Message, ms = 50): StatusEvent => ({
    ...base(m, ms),
    status: 'failed',
    reason: 'RECIPIENT_REVERTED',
    detail: `Err(${'x'.repeat(900)})`,
    retryable: false,
  }),
}

let f: NatsFixture
useNatsWithTopology((x) => {
  f = x
})

const startApi = async (
  over: Partial<Parameters<typeof createApiServer>[0]> = {},
): Promise<{ api: ApiServer; nc: NatsConnection }> => {
  const { nc } = await f.connect(`api-${Math.random().toString(36).slice(2, 8)}`)
  const api = await createApiServer({ setup: SETUP, nc, log: f.log, ...over })
  return { api, nc }
}
const getJson = async <T>(url: string): Promise<{ status: number; body: T }> => {
  const r = await fetch(url)
  return { status: r.status, body: (await r.json()) as T }
}

describe('API event index', () => {
  it('folds published events into stage timestamps, with the quorum reason until certified', async () => {
    const seen: IndexedStreamMessage[] = []
    const { api } = await startApi({ onIndexEvent: (m) => seen.push(m) })
    try {
      const { js } = await f.connect('pub-1')
      const m = message(1n)
      for (const e of [ev.observed(m), ev.verified(m), ev.attested(m, 1)]) await publishStatusEvent(js, e)
      const last = (await publishStatusEvent(js, ev.attested(m, 1))).seq
      expect(await api.index.waitForSeq(last, 5_000)).toBe(true)
      const mid = await getJson<MessageView>(`${api.url}/v1/messages/${messageId(m)}`)
      expect(mid.status).toBe(200)
      expect(mid.body).toMatchObject({
        status: 'attested',
        nonce: '1',
        route: { from: 'evm:1', to: 'evm:2' },
        stages: { observed: at(0), verified: at(10), attested: at(20) },
        source: { chain: 'evm:1', blockNumber: '7', txHash: TX },
        waitingFor: { code: 'quorum', detail: 'quorum 1/2', progress: { have: 1, need: 2 } },
      })
      await publishStatusEvent(js, ev.certified(m))
      const done = (await publishStatusEvent(js, ev.delivered(m))).seq
      await api.index.waitForSeq(done, 5_000)
      const end = await getJson<MessageView>(`${api.url}/v1/messages/${messageId(m)}`)
      expect(end.body.status).toBe('delivered')
      expect(end.body.waitingFor).toBeUndefined()
      expect(end.body.stages.delivered).toBe(at(60))
      expect(seen.map((s) => s.subject.split('.')[2])).toEqual([
        'observed',
        'verified',
        'attested',
        'certified',
        'delivered',
      ])
      expect(seen.every((s, i) => i === 0 || s.seq > seen[i - 1]!.seq)).toBe(true)
    } finally {
      await api.close()
    }
  })

  it('answers from KV isthmus-messages for a message the bounded index dropped, with its sender', async () => {
    const { js } = await f.connect('pub-2')
    const old = message(100n)
    const record: MessageRecord = {
      v: 1,
      id: messageId(old),
      origin: 1,
      destination: 2,
      nonce: 100n,
      message: `0x${Buffer.from(encodeMessage(old)).toString('hex')}` as Hex,
      status: 'failed',
      epoch: 1n,
      threshold: 2,
      attestations: {},
      failure: { reason: 'RECIPIENT_REVERTED', detail: 'Nope()', retryable: false, at: at(5) },
      stages: { attested: at(1), certified: at(2), failed: at(5) },
      updatedAt: at(5),
    }
    await (await new Kvm(js).open(BUCKETS.messages)).put(record.id, encodeMessageRecord(record))
    await publishStatusEvent(js, ev.observed(old))
    const others = [101n, 102n, 103n].map(message)
    let last = 0
    for (const o of others) last = (await publishStatusEvent(js, ev.observed(o))).seq
    const { api } = await startApi({ limits: { indexMaxMessages: 2 } })
    try {
      await api.index.waitForSeq(last, 5_000)
      expect(api.index.stats()).toMatchObject({ messages: 2, evicted: expect.any(Number) })
      const r = await getJson<MessageView>(`${api.url}/v1/messages/${record.id}`)
      expect(r.status).toBe(200)
      expect(r.body).toMatchObject({
        status: 'failed',
        sender: addressToBytes32(SENDER).toLowerCase(),
        transfer: { amount: '1000' },
        stages: { attested: at(1), certified: at(2), failed: at(5) },
        waitingFor: { code: 'recipient_reverted', detail: 'recipient reverted: Nope()' },
      })
      const page = await getJson<MessagesPage>(`${api.url}/v1/messages?limit=5`)
      expect(page.body.messages.map((x) => x.id)).toEqual([messageId(others[2]!), messageId(others[1]!)])
      expect(page.body.nextCursor).toBeNull()
      const unknown = await getJson<{ error: { code: string } }>(`${api.url}/v1/messages/0x${'ee'.repeat(32)}`)
      expect(unknown).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'message_not_found' }) } })
    } finally {
      await api.close()
    }
  })

  it('skips an invalid event and keeps indexing, and readiness fails once NATS is gone', async () => {
    const { api, nc } = await startApi()
    try {
      const { js } = await f.connect('pub-3')
      const bad = await js.publish('isthmus.evt.observed.1.2', new TextEncoder().encode('{"v":1,"status":"observed"}'))
      const m = message(200n)
      const good = (await publishStatusEvent(js, ev.observed(m))).seq
      await api.index.waitForSeq(good, 5_000)
      expect(api.index.stats().invalid).toBeGreaterThanOrEqual(1)
      expect(bad.seq).toBeLessThan(good)
      expect((await getJson<MessageView>(`${api.url}/v1/messages/${messageId(m)}`)).body.status).toBe('observed')
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200)
      await nc.close()
      const r = await getJson<{ ready: boolean; checks: { name: string; ok: boolean }[] }>(`${api.url}/readyz`)
      expect(r.status).toBe(503)
      expect(r.body.checks.find((c) => c.name === 'nats')?.ok).toBe(false)
    } finally {
      await api.close()
    }
  })
})

describe('API request errors', () => {
  it('answers malformed JSON with 400 naming the body, another media type with 415, an unknown route with 404', async () => {
    const { api } = await startApi()
    try {
      const bad = await fetch(`${api.url}/v1/quote`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"from":',
      })
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: { code: string; field: string } }).error).toMatchObject({
        code: 'request_invalid',
        field: 'body',
      })
      const text = await fetch(`${api.url}/v1/quote`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      })
      expect(text.status).toBe(415)
      expect(((await text.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type')
      const none = await fetch(`${api.url}/v2/anything`)
      expect(none.status).toBe(404)
      expect(((await none.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: 'not_found',
        message: 'No route GET /v2/anything.',
      })
    } finally {
      await api.close()
    }
  })
})

describe('API event stream (SSE)', () => {
  it('streams live events by filter, and Last-Event-ID takes precedence over fromSeq', async () => {
    const { api } = await startApi({ limits: { maxSseClients: 2 } })
    try {
      const { js } = await f.connect('pub-4')
      const live = await openSse(`${api.url}/v1/events?status=delivered&origin=evm:1`)
      const other = await openSse(`${api.url}/v1/events`)
      const third = await fetch(`${api.url}/v1/events`)
      expect(third.status).toBe(503)
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('too_many_streams')
      const m = message(300n)
      const seqs: number[] = []
      for (const e of [ev.observed(m), ev.certified(m), ev.delivered(m)])
        seqs.push((await publishStatusEvent(js, e)).seq)
      const got = await live.next(5_000)
      expect(got).toEqual({ id: String(seqs[2]), event: 'delivered', data: expect.stringContaining(messageId(m)) })
      expect((await other.next(5_000)).id).toBe(String(seqs[0]))
      live.close()
      other.close()
      await eventually(
        'the server to see both streams closed',
        async () =>
          (await api.registry.getSingleMetric('isthmus_api_sse_clients')?.get())?.values[0]?.value === 0
            ? true
            : undefined,
        5_000,
        50,
      )
      const resumed = await openSse(`${api.url}/v1/events?fromSeq=1`, { 'Last-Event-ID': String(seqs[0]) })
      expect((await resumed.next(5_000)).id).toBe(String(seqs[1]))
      resumed.close()
    } finally {
      await api.close()
    }
  })

  it('sends retry advice and heartbeat comments on an idle stream', async () => {
    const { api } = await startApi({ limits: { heartbeatMs: 100 } })
    const ac = new AbortController()
    try {
      const r = await fetch(`${api.url}/v1/events`, { signal: ac.signal })
      expect(r.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(r.headers.get('cache-control')).toBe('no-cache, no-transform')
      const reader = r.body!.getReader()
      let text = ''
      const deadline = Date.now() + 5_000
      while ((text.match(/: heartbeat\n\n/g) ?? []).length < 2 && Date.now() < deadline)
        text += new TextDecoder().decode((await reader.read()).value)
      expect(text.startsWith('retry: 2000\n')).toBe(true)
      expect((text.match(/: heartbeat\n\n/g) ?? []).length).toBeGreaterThanOrEqual(2)
    } finally {
      ac.abort()
      await api.close()
    }
  })

  it('drops a client that stops reading once its buffer passes the limit, with a logged reason', async () => {
    const { js, nc } = await f.connect('pub-5')
    const m = message(400n)
    let last = 0
    for (let i = 0; i < 60; i++) last = (await publishStatusEvent(js, ev.failed(m, 100 + i))).seq
    // A socket whose reader never reads: every write is buffered and none drains.
    const stalled = Object.assign(new Writable({ highWaterMark: 1_024, write: () => {} }), {
      writeHead: () => stalled,
    }) as unknown as SseSink & Writable
    let why: string | undefined
    await serveEvents({
      js,
      log: f.log,
      res: stalled,
      start: { seq: 1 },
      limits: { heartbeatMs: 60_000, maxBufferedBytes: 8_192, slowClientMs: 300 },
      closing: new Promise(() => {}),
      onEnd: (r) => {
        why = r
      },
    })
    expect(why).toBe('too slow')
    expect(stalled.destroyed).toBe(true)
    // at most the limit plus the frame that crossed it, far less than the 60 frames published
    expect(stalled.writableLength).toBeLessThan(8_192 + 2_048)
    expect(last).toBeGreaterThan(60)
    expect(f.lines().some((l) => l.msg === 'sse client dropped' && l.reason === 'too slow')).toBe(true)
    await nc.flush()
  })
})
