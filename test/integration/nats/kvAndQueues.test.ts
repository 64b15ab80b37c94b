import { jest } from '@jest/globals'
import type { JsMsg } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { firstValueFrom, take, toArray } from 'rxjs'
import { KvConflictError, WireFormatError } from '../../../errors.js'
import { advanceCursor, cursorKey, tryGetCursor } from '../../../relayer/nats/cursors.js'
import { delivererConsumer, ensureDurableConsumer } from '../../../relayer/nats/durableConsumers.js'
import { fromConsumer$ } from '../../../relayer/nats/fromConsumer.js'
import { updateWithCas } from '../../../relayer/nats/kvCas.js'
import { publishDedup } from '../../../relayer/nats/publishDedup.js'
import { BUCKETS, deliverySubject, STREAMS } from '../../../relayer/nats/subjects.js'
import { rejected } from '../../harness/thrown.js'
import { eventually, type NatsFixture, useNatsWithTopology } from './natsFixture.js'

jest.setTimeout(60_000)

const enc = new TextEncoder()
const dec = new TextDecoder()
const counter = { decode: (raw: Uint8Array) => JSON.parse(dec.decode(raw)) as { n: number } }

describe('KV helpers (real nats-server)', () => {
  let f: NatsFixture
  useNatsWithTopology((x) => {
    f = x
  })

  it('loses no update when 3 clients race 30 compare-and-set increments on one key', async () => {
    const clients = await Promise.all(
      ['a', 'b', 'c'].map(async (n) => new Kvm((await f.connect(`cas-${n}`)).js).open(BUCKETS.messages)),
    )
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        updateWithCas(clients[i % 3]!, 'counter', (cur: { n: number } | undefined) => ({ n: (cur?.n ?? 0) + 1 }), {
          ...counter,
          attempts: 100,
        }),
      ),
    )
    const stored = await clients[0]!.get('counter')
    expect(counter.decode(stored!.value)).toEqual({ n: 30 })
    expect(results.every((r) => r.changed)).toBe(true)
    expect(results.reduce((s, r) => s + r.conflicts, 0)).toBeGreaterThan(0)
  })

  it('leaves the key untouched when the update function returns undefined', async () => {
    const kv = await new Kvm((await f.connect('noop')).js).open(BUCKETS.messages)
    const first = await updateWithCas(kv, 'noop', () => ({ n: 1 }), counter)
    const second = await updateWithCas(kv, 'noop', () => undefined, counter)
    expect(second).toEqual({ value: { n: 1 }, revision: first.revision, changed: false, conflicts: 0 })
  })

  it('throws KvConflictError when every attempt loses the race', async () => {
    const kv = await new Kvm((await f.connect('loser')).js).open(BUCKETS.messages)
    await kv.put('contended', enc.encode('{"n":0}'))
    // Each attempt's function writes behind our back, so its own write always conflicts.
    let n = 0
    const e = await rejected(() =>
      updateWithCas(
        kv,
        'contended',
        (cur: { n: number } | undefined) => {
          void kv.put('contended', enc.encode(JSON.stringify({ n: ++n * 100 })))
          return { n: (cur?.n ?? 0) + 1 }
        },
        { ...counter, attempts: 3 },
      ),
    )
    expect(e).toBeInstanceOf(KvConflictError)
    expect((e as KvConflictError).retryable).toBe(true)
  })

  it('never moves a cursor backwards, whatever order concurrent writers land in (I6)', async () => {
    const kv = await new Kvm((await f.connect('cursors')).js).open(BUCKETS.cursors)
    expect(await tryGetCursor(kv, 'relayer-a', 'evm:31337')).toBeUndefined()
    const blocks = [5n, 9n, 3n, 12n, 7n, 12n, 1n, 11n]
    await Promise.all(blocks.map((b) => advanceCursor(kv, 'relayer-a', 'evm:31337', b)))
    expect(await tryGetCursor(kv, 'relayer-a', 'evm:31337')).toBe(12n)
    expect(await advanceCursor(kv, 'relayer-a', 'evm:31337', 4n)).toEqual({ block: 12n, advanced: false })
    expect(await advanceCursor(kv, 'relayer-a', 'evm:31337', 2n ** 70n)).toEqual({ block: 2n ** 70n, advanced: true })
    // Another relayer / chain has its own key.
    expect(await tryGetCursor(kv, 'relayer-b', 'evm:31337')).toBeUndefined()
    expect(cursorKey('relayer-a', 'fabric:trade.channel')).toBe('relayer-a.fabric=3atrade=2echannel')
  })

  it('throws WireFormatError when a stored cursor is corrupt', async () => {
    const kv = await new Kvm((await f.connect('corrupt')).js).open(BUCKETS.cursors)
    await kv.put(cursorKey('relayer-c', 'evm:1'), enc.encode('{"v":1,"block":"-3"}'))
    expect(await rejected(() => tryGetCursor(kv, 'relayer-c', 'evm:1'))).toBeInstanceOf(WireFormatError)
  })
})

describe('DELIVERIES work queue (real nats-server)', () => {
  let f: NatsFixture
  useNatsWithTopology((x) => {
    f = x
  })

  it('hands each message to exactly one of two clients bound to the same durable, then forgets it', async () => {
    const spec = delivererConsumer(7, { ackWaitMs: 5_000, maxDeliver: 3, maxAckPending: 8, backoffMs: [500, 1_000] })
    const a = await f.connect('deliverer-a')
    const b = await f.connect('deliverer-b')
    const ca = await ensureDurableConsumer(a.js, spec)
    const cb = await ensureDurableConsumer(b.js, spec)
    expect([ca.change, cb.change]).toEqual(['created', 'unchanged'])
    const { js, jsm } = await f.connect('aggregator')
    const n = 40
    for (let i = 0; i < n; i++) await publishDedup(js, deliverySubject(7), enc.encode(`cert-${i}`), `0x${i}`)
    const got: string[][] = [[], []]
    const subs = [ca, cb].map((c, k) =>
      fromConsumer$(c.consumer, { max_messages: 4 }).subscribe((m: JsMsg) => {
        got[k]!.push(dec.decode(m.data))
        // Hold each message briefly so both clients get a share.
        setTimeout(() => m.ack(), 5)
      }),
    )
    await eventually(async () => (got[0]!.length + got[1]!.length >= n ? true : undefined))
    await eventually(async () => ((await jsm.streams.info(STREAMS.deliveries)).state.messages === 0 ? true : undefined))
    for (const s of subs) s.unsubscribe()
    const all = [...got[0]!, ...got[1]!]
    expect(all.sort()).toEqual(Array.from({ length: n }, (_, i) => `cert-${i}`).sort())
    expect(got[0]!.length).toBeGreaterThan(0)
    expect(got[1]!.length).toBeGreaterThan(0)
    const info = await jsm.consumers.info(STREAMS.deliveries, spec.durable)
    expect(info.config).toMatchObject({ max_ack_pending: 8, max_deliver: 3 })
    expect(info.config.backoff).toHaveLength(2)
  })

  it('updates a durable consumer whose tunables changed', async () => {
    const { js, jsm } = await f.connect('retune')
    const r = await ensureDurableConsumer(
      js,
      delivererConsumer(7, { ackWaitMs: 5_000, maxDeliver: 6, maxAckPending: 16 }),
    )
    expect(r.change).toBe('updated')
    const info = await jsm.consumers.info(STREAMS.deliveries, 'deliver-7')
    expect(info.config).toMatchObject({ max_ack_pending: 16, max_deliver: 6 })
  })

  it('completes a finite take() and closes the pull when unsubscribed', async () => {
    const { js, jsm } = await f.connect('take')
    const spec = delivererConsumer(8, { ackWaitMs: 5_000 })
    const { consumer } = await ensureDurableConsumer(js, spec)
    for (let i = 0; i < 3; i++) await publishDedup(js, deliverySubject(8), enc.encode(`x${i}`), `take-${i}`)
    const msgs = await firstValueFrom(fromConsumer$(consumer).pipe(take(3), toArray()))
    for (const m of msgs) m.ack()
    expect(msgs.map((m) => dec.decode(m.data))).toEqual(['x0', 'x1', 'x2'])
    await eventually(async () =>
      (await jsm.consumers.info(STREAMS.deliveries, spec.durable)).num_ack_pending === 0 ? true : undefined,
    )
  })
})
