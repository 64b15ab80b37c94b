import { jest } from '@jest/globals'
import { type JsMsg, jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { connectNats } from '../../../relayer/nats/connectNats.js'
import { delivererConsumer, ensureDurableConsumer } from '../../../relayer/nats/durableConsumers.js'
import { ensureTopology } from '../../../relayer/nats/ensureTopology.js'
import { fromConsumer$ } from '../../../relayer/nats/fromConsumer.js'
import { publishDedup } from '../../../relayer/nats/publishDedup.js'
import { BUCKETS, deliverySubject, STREAMS } from '../../../relayer/nats/subjects.js'
import { startFaultProxy } from './faultProxy.js'
import { eventually, startNatsFixture } from './natsFixture.js'

jest.setTimeout(60_000)

const enc = new TextEncoder()
const dec = new TextDecoder()

describe('nats-server crash and restart (F-13)', () => {
  it('keeps streams, KV and durable consumer state after SIGKILL, and connected clients continue', async () => {
    const f = await startNatsFixture()
    try {
      const { nc, js, jsm } = await f.connect('relayer')
      await ensureTopology(js)
      const kv = await new Kvm(js).open(BUCKETS.messages)
      await kv.put('0xabc', enc.encode('{"status":"certified"}'))
      const spec = delivererConsumer(5, { ackWaitMs: 3_000, maxDeliver: 5 })
      const { consumer } = await ensureDurableConsumer(js, spec)
      for (let i = 0; i < 6; i++) await publishDedup(js, deliverySubject(5), enc.encode(`before-${i}`), `id-${i}`)

      const got: { body: string; deliveries: number }[] = []
      const error = jest.fn()
      const sub = fromConsumer$(consumer, { max_messages: 10, expires: 2_000 }).subscribe({
        next: (m: JsMsg) => {
          got.push({ body: dec.decode(m.data), deliveries: m.info.deliveryCount })
          void m.ackAck().catch(() => undefined)
        },
        error,
      })
      await eventually(async () =>
        (await jsm.consumers.info(STREAMS.deliveries, spec.durable)).ack_floor.stream_seq === 6 ? true : undefined,
      )
      const portBefore = f.server.port

      await f.server.kill()
      // Published while the server is down: retried with the same Msg-Id until it is back.
      const pending = publishDedup(js, deliverySubject(5), enc.encode('during-outage'), 'id-outage', {
        attempts: 40,
        timeoutMs: 500,
        baseDelayMs: 100,
        maxDelayMs: 300,
      })
      await new Promise((r) => setTimeout(r, 700))
      await f.server.restart()
      expect(f.server.port).toBe(portBefore)

      const stored = await pending
      expect(stored.attempts).toBeGreaterThan(1)
      expect((await publishDedup(js, deliverySubject(5), enc.encode('during-outage'), 'id-outage')).duplicate).toBe(
        true,
      )
      await publishDedup(js, deliverySubject(5), enc.encode('after-restart'), 'id-after')

      await eventually(async () => (got.some((g) => g.body === 'after-restart') ? true : undefined), 20_000)
      await eventually(async () =>
        (await jsm.consumers.info(STREAMS.deliveries, spec.durable)).num_ack_pending === 0 ? true : undefined,
      )
      sub.unsubscribe()
      expect(error).not.toHaveBeenCalled()
      expect(nc.isClosed()).toBe(false)
      // Everything once: the acked messages were not redelivered after the crash.
      expect(got.map((g) => g.body).sort()).toEqual(
        [...Array.from({ length: 6 }, (_, i) => `before-${i}`), 'after-restart', 'during-outage'].sort(),
      )
      expect(got.every((g) => g.deliveries === 1)).toBe(true)
      const streams = (await jsm.streams.names().next()).sort()
      expect(streams).toEqual([...Object.values(STREAMS), `KV_${BUCKETS.cursors}`, `KV_${BUCKETS.messages}`].sort())
      expect(dec.decode((await kv.get('0xabc'))!.value)).toBe('{"status":"certified"}')
      expect((await jsm.streams.info(STREAMS.deliveries)).state.messages).toBe(0)
      expect((await ensureTopology(js)).streams).toEqual(
        Object.fromEntries(Object.values(STREAMS).map((s) => [s, 'unchanged'])),
      )
      expect(f.lines().some((l) => l.msg === 'nats disconnected, reconnecting')).toBe(true)
      expect(f.lines().some((l) => l.msg === 'nats reconnected')).toBe(true)
    } finally {
      await f.close()
    }
  })

  it('redelivers a message that was in flight, unacked, when the server was killed', async () => {
    const f = await startNatsFixture()
    try {
      const { js, jsm } = await f.connect('relayer')
      await ensureTopology(js)
      const spec = delivererConsumer(6, { ackWaitMs: 1_000, maxDeliver: 5 })
      const { consumer } = await ensureDurableConsumer(js, spec)
      await publishDedup(js, deliverySubject(6), enc.encode('in-flight'), 'id-flight')
      const seen: number[] = []
      const sub = fromConsumer$(consumer, { expires: 2_000 }).subscribe((m: JsMsg) => {
        seen.push(m.info.deliveryCount)
        // First delivery: "work" but no ack before the crash. Later: ack.
        if (m.info.deliveryCount > 1) m.ack()
      })
      await eventually(async () => (seen.length === 1 ? true : undefined))
      await f.server.kill()
      await f.server.restart()
      await eventually(async () => (seen.length >= 2 ? true : undefined), 20_000)
      await eventually(async () =>
        (await jsm.streams.info(STREAMS.deliveries)).state.messages === 0 ? true : undefined,
      )
      sub.unsubscribe()
      expect(seen[0]).toBe(1)
      expect(seen.at(-1)).toBeGreaterThan(1)
    } finally {
      await f.close()
    }
  })
})

describe('publishDedup when the PubAck is lost (F-15)', () => {
  it('retries with the same Msg-Id; the stream keeps one copy and the retry reports duplicate', async () => {
    const f = await startNatsFixture()
    const proxy = await startFaultProxy(f.server.port)
    try {
      const { js: setup, jsm } = await f.connect('setup')
      await ensureTopology(setup)
      const nc = await connectNats(
        { servers: [`nats://127.0.0.1:${proxy.port}`], name: 'via-proxy', reconnectTimeWaitMs: 100 },
        f.log,
      )
      const js = jetstream(nc)
      proxy.dropAfter('isthmus.proof.1.0xf15')
      const r = await publishDedup(js, 'isthmus.proof.1.0xf15', enc.encode('bundle'), 'proof:0xf15', {
        timeoutMs: 1_000,
        attempts: 10,
        baseDelayMs: 100,
      })
      expect(proxy.fired()).toBe(1)
      expect(r).toMatchObject({ stream: STREAMS.proofs, duplicate: true })
      expect(r.attempts).toBeGreaterThan(1)
      const info = await jsm.streams.info(STREAMS.proofs, { subjects_filter: 'isthmus.proof.1.0xf15' })
      expect(info.state.subjects).toEqual({ 'isthmus.proof.1.0xf15': 1 })
      await nc.close()
    } finally {
      await proxy.close()
      await f.close()
    }
  })
})
