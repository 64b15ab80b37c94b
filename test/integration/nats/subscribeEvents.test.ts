import { jest } from '@jest/globals'
import type { JetStreamClient } from '@nats-io/jetstream'
import { firstValueFrom, type Observable, take, timeout, toArray } from 'rxjs'
import {
  createAlert,
  publishAlert,
  publishStatusEvent,
  type StatusEvent,
  type StreamedEvent,
  subscribeEvents$,
} from '../../../relayer/index.js'
import { publishRouteHalted } from '../../../relayer/stream/routeEvents.js'
import type { Hex } from '../../../types.js'
import { eventually, type NatsFixture, useNatsWithTopology } from './natsFixture.js'

jest.setTimeout(60_000)

const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const ev = (n: number, status: 'delivered' | 'verified', origin: number, destination: number): StatusEvent =>
  status === 'delivered'
    ? {
        v: 1,
        status,
        id: id(n),
        origin,
        destination,
        nonce: BigInt(n),
        at: new Date().toISOString(),
        chain: 'evm:31338',
        txHash: id(900 + n),
        blockNumber: 7n,
      }
    : {
        v: 1,
        status,
        id: id(n),
        origin,
        destination,
        nonce: BigInt(n),
        at: new Date().toISOString(),
        proofKind: 'evm-receipt',
      }
const first = (o: Observable<StreamedEvent>, n: number) => firstValueFrom(o.pipe(take(n), toArray(), timeout(15_000)))
const describeOf = (x: StreamedEvent) =>
  x.kind === 'status'
    ? `${x.event.status}:${Number(x.event.nonce)}`
    : x.kind === 'alert'
      ? `alert:${x.event.alert}`
      : x.kind

describe('subscribeEvents$ (real nats-server)', () => {
  let f: NatsFixture
  let js: JetStreamClient
  useNatsWithTopology((x) => {
    f = x
  })
  const seqs: number[] = []
  let between: Date

  beforeAll(async () => {
    ;({ js } = await f.connect('events'))
    seqs.push((await publishStatusEvent(js, ev(1, 'verified', 1, 2))).seq)
    seqs.push((await publishStatusEvent(js, ev(2, 'delivered', 1, 2))).seq)
    seqs.push((await publishStatusEvent(js, ev(3, 'delivered', 2, 1))).seq)
    await new Promise((r) => setTimeout(r, 50))
    between = new Date()
    await new Promise((r) => setTimeout(r, 50))
    seqs.push((await publishStatusEvent(js, ev(4, 'delivered', 1, 2))).seq)
    seqs.push(
      (
        await publishAlert(
          js,
          createAlert({ alert: 'message-stuck', origin: 1, destination: 2, id: id(4), detail: 'late', at: new Date() }),
          id(4),
        )
      ).seq,
    )
    seqs.push(
      (
        await publishRouteHalted(js, {
          origin: 1,
          destination: 2,
          chain: 'evm:31337',
          at: new Date().toISOString(),
          relayer: 'relayer-1',
          code: 'ENDPOINT_DISAGREEMENT',
          detail: 'x',
        })
      ).seq,
    )
    seqs.push((await js.publish('isthmus.evt.delivered.1.2', '{"v":1,"status":"delivered"}')).seq)
  })

  it('replays the whole stream in order with stream sequences and parsed kinds', async () => {
    const got = await first(subscribeEvents$({ js, start: 'all' }), 7)
    expect(got.map((x) => x.seq)).toEqual(seqs)
    expect(got.map(describeOf)).toEqual([
      'verified:1',
      'delivered:2',
      'delivered:3',
      'delivered:4',
      'alert:message-stuck',
      'halted',
      'invalid',
    ])
    expect(got[6]).toMatchObject({ kind: 'invalid', error: { code: 'WIRE_INVALID' } })
  })

  it('filters by status, origin and destination', async () => {
    const got = await first(subscribeEvents$({ js, start: 'all', filter: { statuses: ['delivered'], origin: 1 } }), 3)
    expect(got.map(describeOf)).toEqual(['delivered:2', 'delivered:4', 'invalid'])
    const back = await first(subscribeEvents$({ js, start: 'all', filter: { destination: 1 } }), 1)
    expect(back.map(describeOf)).toEqual(['delivered:3'])
    const alerts = await first(subscribeEvents$({ js, start: 'all', filter: { statuses: ['alert', 'halted'] } }), 2)
    expect(alerts.map((x) => x.kind)).toEqual(['alert', 'halted'])
  })

  it('replays from a stream sequence (Last-Event-ID + 1) and from a point in time', async () => {
    const fromSeq = await first(subscribeEvents$({ js, start: { seq: seqs[2]! } }), 2)
    expect(fromSeq.map((x) => x.seq)).toEqual([seqs[2], seqs[3]])
    const fromTime = await first(
      subscribeEvents$({ js, start: { time: between }, filter: { statuses: ['delivered'] } }),
      1,
    )
    expect(fromTime.map(describeOf)).toEqual(['delivered:4'])
  })

  it('follows new events only with start new, and keeps following across a nats-server restart without gaps or repeats', async () => {
    const got: StreamedEvent[] = []
    const sub = subscribeEvents$({
      js,
      start: 'new',
      filter: { statuses: ['verified'] },
      log: f.log,
      retryBaseMs: 50,
      retryMaxMs: 300,
    }).subscribe((x) => got.push(x))
    try {
      await new Promise((r) => setTimeout(r, 300))
      await publishStatusEvent(js, ev(10, 'verified', 1, 2))
      await eventually(async () => (got.length === 1 ? true : undefined))
      await f.server.kill()
      await f.server.restart()
      await eventually(async () => {
        try {
          await publishStatusEvent(js, ev(11, 'verified', 1, 2))
          return true
        } catch {
          return undefined
        }
      }, 20_000)
      await publishStatusEvent(js, ev(12, 'verified', 1, 2))
      await eventually(async () => (got.length >= 3 ? true : undefined), 20_000)
      expect(got.map(describeOf)).toEqual(['verified:10', 'verified:11', 'verified:12'])
      expect(got.every((x, i) => i === 0 || x.seq > got[i - 1]!.seq)).toBe(true)
    } finally {
      sub.unsubscribe()
    }
  })
})
