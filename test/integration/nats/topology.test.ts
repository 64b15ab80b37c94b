import { jest } from '@jest/globals'
import { RetentionPolicy, StorageType } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { nanos } from '@nats-io/transport-node'
import { NatsApiError, NatsUnavailableError } from '../../../errors.js'
import { ensureTopology } from '../../../relayer/nats/ensureTopology.js'
import { publishDedup } from '../../../relayer/nats/publishDedup.js'
import { BUCKETS, STREAMS } from '../../../relayer/nats/subjects.js'
import { rejected } from '../../harness/thrown.js'
import { type NatsFixture, startNatsFixture, useNatsWithTopology } from './natsFixture.js'

jest.setTimeout(30_000)

describe('ensureTopology (real nats-server)', () => {
  let f: NatsFixture
  beforeAll(async () => {
    f = await startNatsFixture()
  })
  afterAll(() => f.close())

  it('creates every stream and bucket, then reports them unchanged when called again', async () => {
    const { js } = await f.connect('topology')
    const first = await ensureTopology(js, { duplicateWindowMs: 60_000 })
    expect(Object.values(first.streams)).toEqual(['created', 'created', 'created', 'created', 'created', 'created'])
    expect(first.buckets).toEqual({ [BUCKETS.messages]: 'created', [BUCKETS.cursors]: 'created' })
    const second = await ensureTopology(js, { duplicateWindowMs: 60_000 })
    expect(Object.values(second.streams).every((c) => c === 'unchanged')).toBe(true)
    expect(Object.values(second.buckets).every((c) => c === 'unchanged')).toBe(true)
  })

  it('uses file storage, work-queue retention for DELIVERIES and limits for EVENTS', async () => {
    const { jsm } = await f.connect('inspect')
    const dlv = (await jsm.streams.info(STREAMS.deliveries)).config
    const evt = (await jsm.streams.info(STREAMS.events)).config
    expect(dlv).toMatchObject({
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      subjects: ['isthmus.dlv.>'],
    })
    expect(evt).toMatchObject({
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      subjects: ['isthmus.evt.>'],
    })
    expect((await jsm.streams.info(STREAMS.deadLetters)).config.subjects).toEqual(['isthmus.dlq.>'])
    expect(dlv.duplicate_window).toBe(nanos(60_000))
  })

  it('updates what changed (duplicate window, KV history) and leaves the rest', async () => {
    const { js, jsm } = await f.connect('update')
    const r = await ensureTopology(js, { duplicateWindowMs: 90_000, kvHistory: { cursors: 10 } })
    expect(Object.values(r.streams).every((c) => c === 'updated')).toBe(true)
    expect(r.buckets).toEqual({ [BUCKETS.messages]: 'unchanged', [BUCKETS.cursors]: 'updated' })
    expect((await jsm.streams.info(STREAMS.attestations)).config.duplicate_window).toBe(nanos(90_000))
    expect((await (await new Kvm(js).open(BUCKETS.cursors)).status()).history).toBe(10)
  })

  it('throws NatsApiError when an existing stream cannot take the config in place', async () => {
    const { js, jsm } = await f.connect('conflict')
    // Someone made EVENTS a work queue: JetStream cannot turn it back into limits retention in place.
    await jsm.streams.delete(STREAMS.events)
    await jsm.streams.add({ name: STREAMS.events, subjects: ['isthmus.evt.>'], retention: RetentionPolicy.Workqueue })
    const e = await rejected(() => ensureTopology(js, { duplicateWindowMs: 90_000, kvHistory: { cursors: 10 } }))
    expect(e).toBeInstanceOf(NatsApiError)
    expect((e as NatsApiError).retryable).toBe(false)
    expect((e as NatsApiError).meta.op).toContain('stream update EVENTS')
  })
})

describe('publishDedup (real nats-server)', () => {
  let f: NatsFixture
  useNatsWithTopology((x) => {
    f = x
  })

  it('stores one copy and reports duplicate when the same Msg-Id is published twice', async () => {
    const { js, jsm } = await f.connect('dedup')
    const data = new TextEncoder().encode('{"x":1}')
    const a = await publishDedup(js, 'isthmus.proof.1.0xaa', data, 'proof:0xaa')
    const b = await publishDedup(js, 'isthmus.proof.1.0xaa', data, 'proof:0xaa')
    expect(a).toMatchObject({ stream: STREAMS.proofs, duplicate: false, attempts: 1 })
    expect(b).toMatchObject({ stream: STREAMS.proofs, seq: a.seq, duplicate: true })
    expect((await jsm.streams.info(STREAMS.proofs)).state.messages).toBe(1)
  })

  it('throws a retryable NatsUnavailableError after its attempts when no stream takes the subject', async () => {
    const { js } = await f.connect('nostream')
    const t0 = Date.now()
    const e = await rejected(() =>
      publishDedup(js, 'isthmus.nowhere', new Uint8Array(), 'x', { attempts: 3, timeoutMs: 500, baseDelayMs: 100 }),
    )
    expect(e).toBeInstanceOf(NatsUnavailableError)
    expect((e as NatsUnavailableError).retryable).toBe(true)
    // two backoff pauses (100 ms, 200 ms) between three attempts
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
  })
})
