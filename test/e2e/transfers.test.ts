// Happy paths and destination-side outcomes through real processes: two hardhat chains,
// nats-server, three `isthmus start` relayers. Every scenario ends at quiescence with I1-I9 checked.
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { addressToBytes32 } from '../../protocol/index.js'
import {
  BUCKETS,
  cursorKey,
  decodeMessageRecord,
  deliverySubject,
  encodeCertificate,
  parseStatusEvent,
  STREAMS,
} from '../../relayer/index.js'
import { readStream, STATUS, scanChains } from '../harness/chainState.js'
import { type E2eDevnet, payloads, startE2eDevnet } from '../harness/e2eDevnet.js'
import { eventually, sleep } from '../harness/waitFor.js'

jest.setTimeout(120_000)

const TOKEN = 10n ** 18n
let e: E2eDevnet

beforeAll(async () => {
  e = await startE2eDevnet('transfers')
})
afterAll(async () => {
  await e?.stop()
})

describe('token transfers', () => {
  it('move A->B and back B->A with exact balances and wrapped supply == locked at every quiescent point', async () => {
    const { client, devnet } = e
    const [alice, bob, carol] = [devnet.users[0]!, devnet.users[1]!, devnet.users[2]!]
    const aliceA = await client.tokenBalance('A', alice.address)
    const carolA = await client.tokenBalance('A', carol.address)

    const out = await client.sendToken({ from: 'A', user: alice, amount: 100n * TOKEN, beneficiary: bob.address })
    const first = await e.settleAndCheck()
    expect(first.report.stats.supply[devnet.token.assetId]).toEqual({ locked: 100n * TOKEN, wrapped: 100n * TOKEN })
    expect(await client.status('B', out)).toBe(STATUS.delivered)
    expect(await client.tokenBalance('A', alice.address)).toBe(aliceA - 100n * TOKEN)
    expect(await client.tokenBalance('B', bob.address)).toBe(100n * TOKEN)

    const back = await client.sendToken({ from: 'B', user: bob, amount: 40n * TOKEN, beneficiary: carol.address })
    const second = await e.settleAndCheck({ minDeliveries: 2 })
    expect(second.report.stats.supply[devnet.token.assetId]).toEqual({ locked: 60n * TOKEN, wrapped: 60n * TOKEN })
    expect(await client.status('A', back)).toBe(STATUS.delivered)
    expect(await client.tokenBalance('B', bob.address)).toBe(60n * TOKEN)
    expect(await client.tokenBalance('A', carol.address)).toBe(carolA + 40n * TOKEN)
    expect(await client.tokenBalance('A', alice.address)).toBe(aliceA - 100n * TOKEN)
  })
})

describe('app messages', () => {
  it('reach the recipient contract on B (and on A) with origin, sender and payload', async () => {
    const { client, devnet } = e
    const user = devnet.users[0]!
    const callsB = await client.recipientCalls('B')
    const callsA = await client.recipientCalls('A')
    const [toB] = await client.dispatchApp({
      from: 'A',
      user,
      recipient: devnet.b.recipient,
      payloads: ['0x68656c6c6f'],
    })
    const [toA] = await client.dispatchApp({ from: 'B', user, recipient: devnet.a.recipient, payloads: ['0xb0b0'] })
    await e.settleAndCheck()
    expect([await client.status('B', toB!), await client.status('A', toA!)]).toEqual([
      STATUS.delivered,
      STATUS.delivered,
    ])
    expect(await client.recipientCalls('B')).toBe(callsB + 1n)
    expect(await client.recipientCalls('A')).toBe(callsA + 1n)
    expect(await client.recipientLast('B')).toEqual({
      origin: devnet.a.domain,
      sender: addressToBytes32(user.address).toLowerCase(),
      payload: '0x68656c6c6f',
    })
    expect((await client.recipientLast('A')).payload).toBe('0xb0b0')
  })

  it('report a reverting recipient as failed with a reason, without blocking later messages', async () => {
    const { client, devnet } = e
    const user = devnet.users[1]!
    const calls = await client.recipientCalls('B')
    const [bad] = await client.dispatchApp({
      from: 'A',
      user,
      recipient: devnet.b.revertingRecipient,
      payloads: ['0x0bad'],
    })
    const later = await client.dispatchApp({
      from: 'A',
      user,
      recipient: devnet.b.recipient,
      payloads: payloads('after-revert', 3),
    })
    const { progress } = await e.settleAndCheck()
    expect(progress.failed).toBe(1)
    expect(await client.status('B', bad!)).toBe(STATUS.failed)
    // The bridge keeps the first 256 bytes of the recipient's 4 KiB revert data as the reason.
    const reasons = (await scanChains(e.target)).get(devnet.b.domain)!.failed.get(bad!)
    expect(reasons).toEqual([`0x${'41'.repeat(256)}`])
    for (const id of later) expect(await client.status('B', id)).toBe(STATUS.delivered)
    expect(await client.recipientCalls('B')).toBe(calls + 3n)
    // The relay reports it too: the message record and a public `failed` event with a reason code.
    const failed = await eventually(
      'the failed status event',
      () =>
        e.withJsm(async (jsm) => {
          const events = (await readStream(jsm, STREAMS.events)).map((m) => parseStatusEvent(m.data))
          return events.find((ev) => ev.id === bad && ev.status === 'failed')
        }),
      10_000,
    )
    expect(failed).toMatchObject({ status: 'failed', reason: 'RECIPIENT_REVERTED' })
  })
})

describe('destination faults', () => {
  it('holds messages while the destination is paused and delivers each exactly once after unpause (F-26)', async () => {
    const { client, devnet } = e
    const user = devnet.users[2]!
    await client.setPaused('B', true)
    const transfer = await client.sendToken({ from: 'A', user, amount: 7n * TOKEN, beneficiary: user.address })
    const [app] = await client.dispatchApp({ from: 'A', user, recipient: devnet.b.recipient, payloads: ['0x7a'] })
    await sleep(4_000) // several delivery attempts hit BridgePaused meanwhile
    expect([await client.status('B', transfer), await client.status('B', app!)]).toEqual([STATUS.none, STATUS.none])
    const queued = await e.withJsm(async (jsm) => (await jsm.streams.info(STREAMS.deliveries)).state.messages)
    expect(queued).toBe(2) // certified, parked in the work queue: not lost, not acked as done
    await client.setPaused('B', false)
    const { report } = await e.settleAndCheck()
    expect([await client.status('B', transfer), await client.status('B', app!)]).toEqual([
      STATUS.delivered,
      STATUS.delivered,
    ])
    expect(report.stats.supply[devnet.token.assetId]!.wrapped).toBe(report.stats.supply[devnet.token.assetId]!.locked)
  })

  it('ignores duplicate certificates, attestations and a rescanned source (F-27)', async () => {
    const { client, devnet } = e
    const before = await e.settleAndCheck()
    const [id] = await client.dispatchApp({
      from: 'A',
      user: devnet.users[0]!,
      recipient: devnet.b.recipient,
      payloads: ['0xd0d0'],
    })
    await e.settleAndCheck()
    const calls = await client.recipientCalls('B')

    await e.withJsm(async (jsm, nc) => {
      const js = jetstream(nc)
      // (1) The same certificate again under a new Msg-Id: a deliverer gets it and finds it delivered.
      const kv = await new Kvm(js).open(BUCKETS.messages)
      const rec = decodeMessageRecord((await kv.get(id!))!.value)
      expect(rec.certificate).toBeDefined()
      const cert = encodeCertificate({
        id: rec.id,
        origin: rec.origin,
        destination: rec.destination,
        nonce: rec.nonce,
        message: rec.message,
        certificate: { epoch: rec.certificate!.epoch, signatures: rec.certificate!.signatures },
        signers: rec.certificate!.signers,
        threshold: rec.threshold,
        certifiedAt: new Date(),
      })
      await js.publish(deliverySubject(rec.destination), cert, { msgID: `duplicate-${rec.id}` })
      // (2) Every attestation of it again under new Msg-Ids.
      const atts = (await readStream(jsm, STREAMS.attestations)).filter((m) => m.subject.includes(id!))
      expect(atts).toHaveLength(3)
      for (const a of atts) await js.publish(a.subject, a.data, { msgID: `replay-${a.subject}` })
    })

    // (3) relayer-1 loses its cursors and rescans both chains from the bridges' deployment.
    const r1 = devnet.relayers[0]!
    await r1.stop()
    await e.withJsm(async (_jsm, nc) => {
      const kv = await new Kvm(jetstream(nc)).open(BUCKETS.cursors)
      for (const c of [devnet.a, devnet.b]) await kv.purge(cursorKey(r1.id, c.ref))
    })
    await r1.start()
    const head = BigInt(await client.provider('A').getBlockNumber())
    await eventually(
      'relayer-1 to rescan chain A',
      () =>
        e.withJsm(async (_jsm, nc) => {
          const kv = await new Kvm(jetstream(nc)).open(BUCKETS.cursors)
          const entry = await kv.get(cursorKey(r1.id, devnet.a.ref))
          if (entry?.operation !== 'PUT') return undefined
          return BigInt((entry.json() as { block: string }).block) >= head ? true : undefined
        }),
      30_000,
    )
    const after = await e.settleAndCheck()
    expect(after.progress.delivered).toBe(before.progress.delivered + 1)
    expect(await client.recipientCalls('B')).toBe(calls)
    const dead = await e.withJsm(async (jsm) => (await jsm.streams.info(STREAMS.deadLetters)).state.messages)
    expect(dead).toBe(0)
  })
})
