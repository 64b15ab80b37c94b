import { jest } from '@jest/globals'
import type { JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { Subscription } from 'rxjs'
import { map } from 'rxjs'
import { NatsUnavailableError, ProcessFailedError } from '../../../errors.js'
import { verifyQuorumCertificate } from '../../../proofs/quorum/verifyQuorumCertificate.js'
import {
  type AggregateOutcome,
  aggregateAttestations,
  type RouteInfo,
} from '../../../relayer/aggregate/aggregateAttestations.js'
import { attestationCount, decodeMessageRecord } from '../../../relayer/aggregate/messageRecord.js'
import {
  aggregatorConsumer,
  type DurableConsumerSpec,
  ensureDurableConsumer,
} from '../../../relayer/nats/durableConsumers.js'
import { ensureTopology } from '../../../relayer/nats/ensureTopology.js'
import { parseStatusEvent } from '../../../relayer/nats/events.js'
import { fromConsumer$ } from '../../../relayer/nats/fromConsumer.js'
import { publishDedup } from '../../../relayer/nats/publishDedup.js'
import { DEAD_LETTER_HEADERS } from '../../../relayer/nats/settle.js'
import { BUCKETS, STREAMS } from '../../../relayer/nats/subjects.js'
import { parseCertificate } from '../../../relayer/nats/wire.js'
import {
  addressOf,
  COMMITTEE,
  DEST,
  digestFor,
  EPOCH,
  K0,
  K1,
  K2,
  makeMessage,
  OUTSIDER,
  publishAttestation,
  routeFor,
} from './attestationFixture.js'
import { eventually, type NatsFixture, startNatsFixture, useNatsWithTopology } from './natsFixture.js'

jest.setTimeout(60_000)

interface Instance {
  js: JetStreamClient
  outcomes: AggregateOutcome[]
  seen: JsMsg[]
  error: jest.Mock
  sub: Subscription
}

const startAggregator = async (
  f: NatsFixture,
  name: string,
  spec: DurableConsumerSpec,
  o: {
    routeFor?: (d: number) => Promise<RouteInfo | undefined>
    wrap?: (m: JsMsg) => JsMsg
    concurrency?: number
  } = {},
): Promise<Instance> => {
  const { js } = await f.connect(name)
  const { consumer } = await ensureDurableConsumer(js, spec)
  const messages = await new Kvm(js).open(BUCKETS.messages)
  const outcomes: AggregateOutcome[] = []
  const seen: JsMsg[] = []
  const error = jest.fn()
  const sub = fromConsumer$(consumer, { max_messages: 32 })
    .pipe(
      map((m) => {
        seen.push(m)
        return o.wrap ? o.wrap(m) : m
      }),
      aggregateAttestations({
        js,
        messages,
        log: f.log.child({ instance: name }),
        routeFor: o.routeFor ?? routeFor,
        maxDeliver: spec.maxDeliver,
        retryDelaysMs: [100],
        publishEvents: true,
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      }),
    )
    .subscribe({ next: (x) => outcomes.push(x), error })
  return { js, outcomes, seen, error, sub }
}

const streamMessages = async (jsm: JetStreamManager, stream: string) => {
  const info = await jsm.streams.info(stream)
  const out: StoredMsg[] = []
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq })
    if (m) out.push(m)
  }
  return out
}

const spec = (durable: string, t: Partial<DurableConsumerSpec> = {}): DurableConsumerSpec => ({
  ...aggregatorConsumer({ ackWaitMs: 2_000, maxDeliver: 3 }),
  durable,
  ...t,
})

describe.each([
  ['sharing one durable consumer', ['aggregator', 'aggregator']],
  ['on separate durables (every attestation seen by both)', ['aggregator-a', 'aggregator-b']],
])('aggregateAttestations with two competing instances %s', (_, durables) => {
  let f: NatsFixture
  const instances: Instance[] = []
  beforeAll(async () => {
    f = await startNatsFixture()
    const { js } = await f.connect('setup')
    await ensureTopology(js)
  })
  afterAll(async () => {
    for (const i of instances) i.sub.unsubscribe()
    await f.close()
  })

  it('publishes exactly one certificate per message when 3 members attest (2-of-3)', async () => {
    for (const [i, d] of durables.entries()) instances.push(await startAggregator(f, `agg-${i}`, spec(d!)))
    const { js, jsm } = await f.connect('relayers')
    const msgs = Array.from({ length: 8 }, (_, i) => makeMessage(BigInt(i + 1)))
    await Promise.all(msgs.flatMap((m) => [K0, K1, K2].map((k) => publishAttestation(js, k, m))))

    const perInstance = durables[0] === durables[1] ? 1 : 2
    await eventually(async () =>
      instances.reduce((n, i) => n + i.outcomes.length, 0) >= msgs.length * 3 * perInstance ? true : undefined,
    )
    const certs = (await streamMessages(jsm, STREAMS.deliveries)).map((s) => ({
      subject: s.subject,
      doc: parseCertificate(s.data),
    }))
    expect(certs.map((c) => c.doc.id).sort()).toEqual(msgs.map((m) => m.id).sort())
    for (const { subject, doc } of certs) {
      expect(subject).toBe(`isthmus.dlv.${DEST}`)
      const signers = verifyQuorumCertificate({
        certificate: { epoch: doc.epoch, signatures: doc.signatures },
        committee: COMMITTEE,
        digest: digestFor(doc.id),
      })
      expect(signers).toEqual(doc.signers)
      expect(doc.decoded.nonce).toBe(doc.nonce)
    }
    const kv = await new Kvm(js).open(BUCKETS.messages)
    for (const m of msgs) {
      const rec = decodeMessageRecord((await kv.get(m.id))!.value)
      expect(rec).toMatchObject({ status: 'certified', epoch: EPOCH, threshold: 2 })
      expect(attestationCount(rec)).toBe(3)
      expect(rec.dispatched?.seq).toBeGreaterThan(0)
      expect(Object.keys(rec.stages).sort()).toEqual(['attested', 'certified', 'dispatched'])
    }
    const all = instances.flatMap((i) => i.outcomes)
    expect(all.filter((o) => o.kind === 'certified' && !o.duplicate)).toHaveLength(msgs.length)
    expect(all.filter((o) => o.kind === 'rejected' || o.kind === 'dead-lettered')).toEqual([])
    for (const i of instances) expect(i.error).not.toHaveBeenCalled()
    // One `certified` event per message, whatever the race.
    const certified = (await streamMessages(jsm, STREAMS.events))
      .map((e) => parseStatusEvent(e.data))
      .filter((e) => e.status === 'certified')
    expect(certified).toHaveLength(msgs.length)
  })
})

describe('aggregateAttestations with byzantine and malformed input', () => {
  let f: NatsFixture
  let agg: Instance
  beforeAll(async () => {
    f = await startNatsFixture()
    const { js } = await f.connect('setup')
    await ensureTopology(js)
    agg = await startAggregator(f, 'agg', spec('aggregator'))
  })
  afterAll(async () => {
    agg.sub.unsubscribe()
    await f.close()
  })

  it('drops and counts invalid signatures and still certifies with honest ones (F-31)', async () => {
    const { js, jsm } = await f.connect('relayers')
    const m = makeMessage(100n)
    await publishAttestation(js, K0, m, { digest: digestFor(makeMessage(999n).id), relayer: 'evil-digest' })
    await publishAttestation(js, K0, m, { signature: `0x${'5a'.repeat(64)}1b`, relayer: 'evil-garbage' })
    await publishAttestation(js, K0, m, { epoch: EPOCH - 1n, relayer: 'evil-epoch' })
    await publishAttestation(js, OUTSIDER, m, { relayer: 'evil-outsider' })
    await publishAttestation(js, K1, m, { signer: addressOf(K2), relayer: 'evil-claim' })
    await eventually(async () => (agg.outcomes.filter((o) => o.kind === 'rejected').length === 5 ? true : undefined))
    await publishAttestation(js, K2, m)
    await publishAttestation(js, K1, m)
    await eventually(async () => (agg.outcomes.some((o) => o.kind === 'certified' && o.id === m.id) ? true : undefined))
    const rejected = agg.outcomes.filter(
      (o): o is Extract<AggregateOutcome, { kind: 'rejected' }> => o.kind === 'rejected',
    )
    expect(rejected.map((r) => r.check).sort()).toEqual([
      'EPOCH_MISMATCH',
      'NON_MEMBER',
      'SIGNER_MISMATCH',
      'SIGNER_MISMATCH',
      'UNRECOVERABLE',
    ])
    expect(f.lines().filter((l) => l.msg === 'ALERT invalid attestation dropped')).toHaveLength(5)
    const [cert] = (await streamMessages(jsm, STREAMS.deliveries)).map((s) => parseCertificate(s.data))
    expect(cert!.signers).toEqual([addressOf(K1), addressOf(K2)].sort())
  })

  it('dead-letters a malformed attestation at once and keeps the flow going (F-18)', async () => {
    const { js, jsm } = await f.connect('poison')
    const before = (await jsm.streams.info(STREAMS.deadLetters)).state.messages
    const m = makeMessage(200n)
    const enc = new TextEncoder()
    await js.publish(`isthmus.att.${DEST}.${m.id}.broken`, enc.encode('{"v":1,"id":'))
    await js.publish(`isthmus.att.${DEST}.${m.id}.wrongid`, enc.encode(JSON.stringify({ v: 1, id: m.id })))
    await publishAttestation(js, K0, m)
    await publishAttestation(js, K1, m)
    await eventually(async () => (agg.outcomes.some((o) => o.kind === 'certified' && o.id === m.id) ? true : undefined))
    await eventually(async () =>
      agg.outcomes.filter((o) => o.kind === 'dead-lettered').length >= 2 ? true : undefined,
    )
    const dlq = (await streamMessages(jsm, STREAMS.deadLetters)).slice(before)
    expect(dlq.map((d) => d.subject).sort()).toEqual([
      `isthmus.dlq.att.${DEST}.${m.id}.broken`,
      `isthmus.dlq.att.${DEST}.${m.id}.wrongid`,
    ])
    for (const d of dlq) {
      expect(d.header.get(DEAD_LETTER_HEADERS.code)).toBe('WIRE_INVALID')
      expect(d.header.get(DEAD_LETTER_HEADERS.deliveries)).toBe('1')
    }
    expect(f.lines().filter((l) => l.msg === 'ALERT message dead-lettered')).toHaveLength(2)
    expect(agg.error).not.toHaveBeenCalled()
  })

  it('retries a retryable failure and dead-letters it after MaxDeliver without blocking others (F-18)', async () => {
    const flaky = await startAggregator(f, 'flaky', spec('aggregator-flaky', { filterSubjects: ['isthmus.att.9.>'] }), {
      routeFor: async (d) => {
        if (d === 9) throw new NatsUnavailableError({ op: 'committee of domain 9' })
        return routeFor(d)
      },
    })
    const { js, jsm } = await f.connect('flaky-relayer')
    const stuck = makeMessage(300n, 9)
    await publishAttestation(js, K0, stuck)
    const ok = makeMessage(301n)
    await publishAttestation(js, K0, ok)
    await publishAttestation(js, K2, ok)
    await eventually(async () => (flaky.outcomes.some((o) => o.kind === 'dead-lettered') ? true : undefined))
    expect(flaky.outcomes.map((o) => o.kind)).toEqual(['retry', 'retry', 'dead-lettered'])
    expect(flaky.seen.map((m) => m.info.deliveryCount)).toEqual([1, 2, 3])
    const last = (await streamMessages(jsm, STREAMS.deadLetters)).at(-1)!
    expect(last.subject).toBe(`isthmus.dlq.att.9.${stuck.id}.relayer-${addressOf(K0).slice(2, 8)}`)
    expect(last.header.get(DEAD_LETTER_HEADERS.code)).toBe('NATS_UNAVAILABLE')
    expect(last.header.get(DEAD_LETTER_HEADERS.deliveries)).toBe('3')
    await eventually(async () =>
      agg.outcomes.some((o) => o.kind === 'certified' && o.id === ok.id) ? true : undefined,
    )
    flaky.sub.unsubscribe()
  })
})

describe('aggregateAttestations when an instance crashes after the effect, before the ack (F-16)', () => {
  let f: NatsFixture
  useNatsWithTopology((x) => {
    f = x
  })

  it('redelivers to another instance, which finds the work done and publishes nothing new', async () => {
    const durable = spec('aggregator', { ackWaitMs: 1_000 })
    let crashed = false
    const a = await startAggregator(f, 'agg-a', durable, {
      concurrency: 1,
      // Failpoint consume.afterEffect=crash on the second message: the certificate is published and
      // recorded, then the process dies before its ack.
      wrap: (m) =>
        new Proxy(m, {
          get(t, p) {
            if (p === 'ackAck') {
              return async () => {
                if (a.seen.length >= 2) {
                  crashed = true
                  a.sub.unsubscribe()
                  throw new ProcessFailedError({ name: 'agg-a', detail: 'crashed before ack' })
                }
                return t.ackAck()
              }
            }
            const v = Reflect.get(t, p, t) as unknown
            return typeof v === 'function' ? v.bind(t) : v
          },
        }),
    })
    const { js, jsm } = await f.connect('relayers')
    const m = makeMessage(400n)
    await publishAttestation(js, K0, m)
    await eventually(async () => (a.outcomes.length === 1 ? true : undefined))
    await publishAttestation(js, K1, m)
    await eventually(async () => (crashed ? true : undefined))
    // The process died inside its ack: the first outcome is all it reported, yet the effect happened.
    expect(a.outcomes.map((o) => o.kind)).toEqual(['recorded'])
    expect((await jsm.streams.info(STREAMS.deliveries)).state.messages).toBe(1)
    const kv = await new Kvm(js).open(BUCKETS.messages)
    expect(decodeMessageRecord((await kv.get(m.id))!.value).dispatched?.seq).toBe(1)

    const b = await startAggregator(f, 'agg-b', durable)
    await eventually(async () => (b.outcomes.length >= 1 ? true : undefined))
    expect(b.seen[0]!.info.deliveryCount).toBe(2)
    expect(b.outcomes).toEqual([{ kind: 'duplicate', id: m.id, signer: addressOf(K1) }])
    expect((await jsm.streams.info(STREAMS.deliveries)).state.messages).toBe(1)
    expect((await jsm.streams.info(STREAMS.attestations)).state.messages).toBe(2)
    const rec = decodeMessageRecord((await kv.get(m.id))!.value)
    expect(attestationCount(rec)).toBe(2)
    b.sub.unsubscribe()
  })
})

describe('aggregateAttestations replays', () => {
  it('records nothing new and keeps one stream copy when an attestation is republished (F-19, F-27)', async () => {
    const f = await startNatsFixture()
    try {
      const { js, jsm } = await f.connect('setup')
      await ensureTopology(js)
      const agg = await startAggregator(f, 'agg', spec('aggregator'))
      const m = makeMessage(500n)
      const first = await publishAttestation(js, K0, m)
      const again = await publishAttestation(js, K0, m)
      expect(again).toMatchObject({ duplicate: true, seq: first.seq })
      // A relayer that lost its Msg-Id (restarted past the window) republishes under a new one.
      const raw = (await jsm.streams.getMessage(STREAMS.attestations, { seq: first.seq }))!
      await publishDedup(js, raw.subject, raw.data, 'replayed-with-new-id')
      await eventually(async () => (agg.outcomes.length === 2 ? true : undefined))
      expect(agg.outcomes.map((o) => o.kind).sort()).toEqual(['duplicate', 'recorded'])
      // F-19: still one signature per (relayer, id) in the stream (max one message per subject).
      const info = await jsm.streams.info(STREAMS.attestations, { subjects_filter: raw.subject })
      expect(info.state.subjects).toEqual({ [raw.subject]: 1 })
      agg.sub.unsubscribe()
    } finally {
      await f.close()
    }
  })
})
