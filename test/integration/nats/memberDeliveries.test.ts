import { jest } from '@jest/globals'
import type { JsMsg } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { firstValueFrom, map, take, toArray } from 'rxjs'
import { aggregateAttestations, type RouteInfo } from '../../../relayer/aggregate/aggregateAttestations.js'
import {
  aggregatorConsumer,
  delivererConsumer,
  ensureDurableConsumer,
  memberDelivererConsumer,
} from '../../../relayer/nats/durableConsumers.js'
import { fromConsumer$ } from '../../../relayer/nats/fromConsumer.js'
import { BUCKETS, STREAMS } from '../../../relayer/nats/subjects.js'
import { parseCertificate } from '../../../relayer/nats/wire.js'
import { DEST, K0, K1, makeMessage, publishAttestation, routeFor } from './attestationFixture.js'
import { type NatsFixture, useNatsWithTopology } from './natsFixture.js'

jest.setTimeout(60_000)

// A multisig destination executes only after `threshold` members each approved, so its certificates
// must reach every member, not one deliverer of the shared work queue.
describe('certificates of an every-member (multisig) destination', () => {
  let f: NatsFixture
  useNatsWithTopology((x) => {
    f = x
  })
  const everyMember = async (d: number): Promise<RouteInfo | undefined> => {
    const r = await routeFor(d)
    return r ? { ...r, everyMember: true } : undefined
  }

  const pullOne = async (member: string): Promise<JsMsg> => {
    const { js } = await f.connect(`deliverer-${member}`)
    const { consumer } = await ensureDurableConsumer(js, memberDelivererConsumer(DEST, member))
    const m = await firstValueFrom(fromConsumer$(consumer, { max_messages: 4 }).pipe(take(1)))
    m.ack()
    return m
  }

  it('go to MEMBER_DELIVERIES and each member’s own consumer receives the certificate', async () => {
    const { js, jsm } = await f.connect('aggregator')
    const { consumer } = await ensureDurableConsumer(js, aggregatorConsumer({ ackWaitMs: 2_000, maxDeliver: 3 }))
    const messages = await new Kvm(js).open(BUCKETS.messages)
    const m = makeMessage(77n)
    const outcomes = firstValueFrom(
      fromConsumer$(consumer, { max_messages: 8 }).pipe(
        aggregateAttestations({ js, messages, log: f.log, routeFor: everyMember, maxDeliver: 3, retryDelaysMs: [100] }),
        map((o) => o.kind),
        take(2),
        toArray(),
      ),
    )
    await publishAttestation(js, K0, m)
    await publishAttestation(js, K1, m)
    expect(await outcomes).toEqual(['recorded', 'certified'])

    const [a, b, c] = await Promise.all([pullOne('m1'), pullOne('m2'), pullOne('m3')])
    for (const got of [a, b, c]) {
      expect(got.subject).toBe(`isthmus.dlvm.${DEST}`)
      expect(parseCertificate(got.data).id).toBe(m.id)
    }
    // Nothing went to the shared work queue, and the members' acks do not remove it for the others.
    expect((await jsm.streams.info(STREAMS.deliveries)).state.messages).toBe(0)
    expect((await jsm.streams.info(STREAMS.memberDeliveries)).state.messages).toBe(1)
    expect(delivererConsumer(DEST).durable).not.toBe(memberDelivererConsumer(DEST, 'm1').durable)
  })
})
