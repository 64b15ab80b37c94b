import { jest } from '@jest/globals'
import { Kvm } from '@nats-io/kv'
import { keccak256, toUtf8Bytes } from 'ethers'
import {
  attestationCount,
  encodeSignerRecord,
  parseRouteHaltedEvent,
  parseStatusEvent,
  SIGNER_RECORDS_BUCKET,
  STREAMS,
  SUBJECTS,
  signerRecordKey,
} from '../../../relayer/index.js'
import type { Hex } from '../../../types.js'
import { checkInvariants } from '../../harness/oracles.js'
import { MEMBERS, type RelayNet, startRelayNet, type TestNode, waitUntil } from './relayNetFixture.js'

jest.setTimeout(150_000)

const DELIVERED = 1

describe('relayer nodes under faults (restart, partial quorum, equivocation, NATS crash)', () => {
  let net: RelayNet
  const nodes: (TestNode | undefined)[] = []

  beforeAll(async () => {
    net = await startRelayNet()
    for (const k of [0, 1, 2]) nodes[k] = await net.startNode(k)
  })
  afterAll(async () => {
    await net?.close()
  })

  const delivered = (id: Hex, timeoutMs = 30_000) =>
    waitUntil(async () => (await net.statusOn(net.b, id)) === DELIVERED, timeoutMs, `delivery of ${id}`)
  const attestedBy = async (id: Hex, k: number) => Boolean((await net.record(id))?.attestations[MEMBERS[k]!.address])
  const attestationSubjectOf = (id: Hex, k: number) =>
    `${SUBJECTS.attestations}.${net.b.domain}.${id}.${MEMBERS[k]!.id}`
  const appTo = (payload: Hex) => net.dispatchApp(net.a, net.b, net.b.recipient.target as string, payload)

  it('keeps delivering with one member down, and a recreated node resumes from its cursor without re-attesting (I5) or losing messages (I2)', async () => {
    const m1 = await appTo('0x01')
    await delivered(m1)
    await waitUntil(() => attestedBy(m1, 2), 10_000, 'relayer-3 attested m1')
    const firstSeq = (await net.lastMessage(STREAMS.attestations, attestationSubjectOf(m1, 2)))!.seq
    await nodes[2]!.stop()

    const m2 = await appTo('0x02')
    const m3 = await appTo('0x03')
    await delivered(m2)
    await delivered(m3)
    expect(await attestedBy(m3, 2)).toBe(false)

    const again = await net.startNode(2)
    nodes[2] = again
    await waitUntil(() => attestedBy(m3, 2), 20_000, 'the recreated relayer-3 attests m3 from its cursor')
    expect(await attestedBy(m2, 2)).toBe(true)
    // It started after m1: no attestation work for m1, and the stream still holds the first one.
    const attestedNow = again.lines.filter((l) => l.msg === 'message attested').map((l) => l.msgId)
    expect(attestedNow).not.toContain(m1)
    expect(attestedNow).toEqual(expect.arrayContaining([m2, m3]))
    expect((await net.lastMessage(STREAMS.attestations, attestationSubjectOf(m1, 2)))!.seq).toBe(firstSeq)
    expect([await net.deliveredEvents(net.b, m2), await net.deliveredEvents(net.b, m3)]).toEqual([1, 1])
  })

  it('waits with two members down (attested 1 of 2, nothing delivered) and completes when one returns (F-30)', async () => {
    await Promise.all([nodes[1]!.stop(), nodes[2]!.stop()])
    const m4 = await appTo('0x04')
    const rec = await waitUntil(
      async () => {
        const r = await net.record(m4)
        return r && attestationCount(r) === 1 ? r : undefined
      },
      15_000,
      'relayer-1 attestation of m4',
    )
    expect(rec).toMatchObject({ status: 'attested', threshold: 2 })
    await new Promise((r) => setTimeout(r, 1_500))
    expect(await net.statusOn(net.b, m4)).toBe(0)
    expect((await net.record(m4))?.status).toBe('attested')

    nodes[1] = await net.startNode(1)
    await delivered(m4)
    expect(await net.deliveredEvents(net.b, m4)).toBe(1)
    nodes[2] = await net.startNode(2)
  })

  it('refuses to sign a second id for a used (origin, nonce): alert, retracted event, only that source halts (S3, S5)', async () => {
    const nonce = (await net.a.bridge.getFunction('nextNonce')()) as bigint
    const fakeId = keccak256(toUtf8Bytes('another message with the same nonce')) as Hex
    const kv = await new Kvm(net.js).open(SIGNER_RECORDS_BUCKET)
    await kv.create(
      signerRecordKey(MEMBERS[0]!.address, net.a.domain, nonce),
      encodeSignerRecord({
        v: 1,
        id: fakeId,
        origin: net.a.domain,
        nonce,
        destination: net.b.domain,
        epoch: 1n,
        at: new Date().toISOString(),
      }),
    )
    const m5 = await appTo('0x05')
    // Members 2 and 3 still make the quorum.
    await delivered(m5)
    expect(await attestedBy(m5, 0)).toBe(false)
    const n0 = nodes[0]!
    await waitUntil(() => n0.activities.find((x) => x.kind === 'halted'), 10_000, 'relayer-1 halts evm:31337')
    expect(n0.activities.filter((x) => x.kind === 'halted')).toEqual([
      expect.objectContaining({ chain: net.a.ref, code: 'EQUIVOCATION' }),
    ])
    expect(n0.lines.some((l) => l.level === 'error' && l.alert === 'equivocation')).toBe(true)
    const retracted = await waitUntil(
      () => net.lastMessage(STREAMS.events, `${SUBJECTS.events}.retracted.${net.a.domain}.${net.b.domain}`),
      10_000,
      'a retracted event',
    )
    expect(parseStatusEvent(retracted.data)).toMatchObject({ id: m5, reason: 'EQUIVOCATION', relayer: 'relayer-1' })
    const halted = await waitUntil(
      () => net.lastMessage(STREAMS.events, `${SUBJECTS.events}.halted.${net.a.domain}.${net.b.domain}`),
      10_000,
      'a halted route event',
    )
    expect(parseRouteHaltedEvent(halted.data)).toMatchObject({ relayer: 'relayer-1', code: 'EQUIVOCATION' })

    // Its other source (B -> A) is unaffected: relayer-1 still attests there.
    const back = await net.dispatchApp(net.b, net.a, net.a.recipient.target as string, '0x06')
    await waitUntil(async () => (await net.statusOn(net.a, back)) === DELIVERED, 30_000, 'B -> A delivery')
    await waitUntil(
      async () => Boolean((await net.record(back))?.attestations[MEMBERS[0]!.address]),
      10_000,
      'relayer-1 attests B -> A',
    )
    // Restart relayer-1 so later tests have three members again (it halts again only on that nonce: already past).
    await n0.stop()
    await kv.delete(signerRecordKey(MEMBERS[0]!.address, net.a.domain, nonce))
    nodes[0] = await net.startNode(0)
  })

  it('survives a NATS crash and restart on the same store (F-13): messages sent meanwhile are delivered once', async () => {
    await net.nats.kill()
    const during = await appTo('0x07')
    await new Promise((r) => setTimeout(r, 1_000))
    await net.nats.restart()
    const after = await appTo('0x08')
    await delivered(during, 60_000)
    await delivered(after, 60_000)
    expect([await net.deliveredEvents(net.b, during), await net.deliveredEvents(net.b, after)]).toEqual([1, 1])
  })

  it('passes the termination oracles I1 I2 I3 I5 I6 I8 I9 at quiescence', async () => {
    await waitUntil(
      async () => ((await net.jsm.streams.info(STREAMS.deliveries)).state.messages === 0 ? true : undefined),
      30_000,
      'an empty delivery queue',
    )
    expect(net.nodeErrors).toEqual([])
    const report = await checkInvariants(net.target, { minDeliveries: 8 })
    expect(report.violations).toEqual([])
  })
})
