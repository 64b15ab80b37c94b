// Faults of the PR tier through real processes (RELIABILITY.md F-05, F-17, F-25, F-34): a hung
// origin chain node, a late ack after the delivery AckWait, three copies of one certificate
// submitted at once, and a delivery account without funds. Every message is delivered exactly
// once, checked with I1-I9 at quiescence after each scenario.
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { BUCKETS, decodeMessageRecord, deliverySubject, encodeCertificate, STREAMS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import { deliveryProgress, scanChains } from '../harness/chainState.js'
import { type E2eDevnet, payloads, startE2eDevnet } from '../harness/e2eDevnet.js'
import { eventually, sleep } from '../harness/waitFor.js'
import { deliveryLinesAbout, linesAbout, logLines, pendingDeliveries, relayerOf } from './relayerView.js'

jest.setTimeout(150_000)

/** Short delivery AckWait for the whole devnet (members must agree on it): the F-17 late ack. */
const ACK_WAIT_MS = 2_000
let e: E2eDevnet

beforeAll(async () => {
  e = await startE2eDevnet('faults', { relayerTuning: { deliveryAckWaitMs: ACK_WAIT_MS } })
})
afterAll(async () => {
  await e?.stop()
})

const delivered = async () => (await deliveryProgress(e.target)).delivered
const deadLetters = () =>
  e.withJsm(async (jsm) => (await jsm.streams.info(STREAMS.deadLetters).catch(() => undefined))?.state.messages ?? 0)

/** Settled-at-destination outcomes every relayer logged for `id`. */
const outcomesOf = (id: Hex) =>
  e.devnet.relayers.flatMap((r) =>
    linesAbout(r, id)
      .filter((l) => l.msg === 'message settled at the destination')
      .map((l) => ({ relayer: r.id, outcome: String(l['outcome']) })),
  )

describe('faults of the PR tier, end to end', () => {
  it('delivers every message exactly once across an 8 s SIGSTOP of the origin chain node (F-05)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const [callsA, callsB] = [await client.recipientCalls('A'), await client.recipientCalls('B')]
    const user = devnet.users[0]!
    // Mined on A just before the hang, not yet final: the relayers' polls stall mid-range.
    await client.dispatchApp({ from: 'A', user, recipient: devnet.b.recipient, payloads: payloads('f05-before', 10) })
    const stoppedAt = Date.now()
    devnet.a.node.process.signal('SIGSTOP')
    try {
      // Towards the hung chain while it hangs: attested on B, the delivery waits for A.
      await client.dispatchApp({
        from: 'B',
        user: devnet.users[1]!,
        recipient: devnet.a.recipient,
        payloads: payloads('f05-during', 5),
      })
      await sleep(Math.max(0, 8_000 - (Date.now() - stoppedAt)))
    } finally {
      devnet.a.node.process.signal('SIGCONT')
    }
    // Right after: the adapter backfills from its cursor with getLogs, old and new alike.
    await client.dispatchApp({ from: 'A', user, recipient: devnet.b.recipient, payloads: payloads('f05-after', 10) })
    const { progress, report } = await e.settleAndCheck({ timeoutMs: 120_000, minDeliveries: before + 25 })
    expect(progress.delivered).toBe(before + 25)
    // I4 and I6's hole check ran on real data: the relayers record heads and scanned ranges.
    expect(report.stats.finalityClaims).toBeGreaterThanOrEqual(2 * report.stats.proofBundles)
    expect(report.stats.scannedRanges).toBeGreaterThan(0)
    expect(await client.recipientCalls('B')).toBe(callsB + 20n)
    expect(await client.recipientCalls('A')).toBe(callsA + 5n)
  })

  it('executes once when a hung deliverer acks after AckWait and the certificate went to another relayer (F-17)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const calls = await client.recipientCalls('B')
    const dead = await deadLetters()
    await devnet.b.setMining('paused')
    let victim: (typeof devnet.relayers)[number] | undefined
    let id: Hex | undefined
    try {
      ;[id] = await client.dispatchApp({
        from: 'A',
        user: devnet.users[2]!,
        recipient: devnet.b.recipient,
        payloads: ['0x0f17'],
      })
      const first = await eventually(
        'a delivery transaction pending on B',
        async () => (await pendingDeliveries(devnet.b))[0],
        30_000,
        100,
      )
      victim = relayerOf(devnet.relayers, first.from)
      expect(victim).toBeDefined()
      const others = devnet.relayers.filter((r) => r !== victim)
      // Alive and waiting longer than AckWait: its working() heartbeats keep the certificate to itself.
      await sleep(ACK_WAIT_MS + 1_500)
      for (const r of others) expect(deliveryLinesAbout(r, id!)).toEqual([])
      // Hung (SIGSTOP): no heartbeat, AckWait runs out and JetStream redelivers the certificate to
      // another relayer while the first one still holds its pending transaction.
      victim!.pause()
      const redelivered = await eventually(
        'the certificate redelivered to another relayer',
        async () => others.find((r) => deliveryLinesAbout(r, id!).length > 0),
        30_000,
        200,
      )
      expect(redelivered).toBeDefined()
    } finally {
      await devnet.b.setMining('interval')
      victim?.resume()
    }
    const { progress } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    expect(await client.recipientCalls('B')).toBe(calls + 1n)
    // Every copy settled (DELIVERIES is empty, I2) and exactly one deliverer reports the execution.
    const outcomes = await eventually(
      'the late ack to settle',
      async () => {
        const o = outcomesOf(id!)
        return o.some((x) => x.outcome === 'delivered') ? o : undefined
      },
      15_000,
    )
    expect(outcomes.filter((x) => x.outcome === 'delivered')).toHaveLength(1)
    expect(outcomes.every((x) => x.outcome === 'delivered' || x.outcome === 'already-delivered')).toBe(true)
    expect(await deadLetters()).toBe(dead)
  })

  it('executes once when three copies of one certificate are submitted at once (F-25)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const dead = await deadLetters()
    await devnet.b.setMining('paused')
    let id: Hex | undefined
    try {
      ;[id] = await client.dispatchApp({
        from: 'A',
        user: devnet.users[0]!,
        recipient: devnet.b.recipient,
        payloads: ['0x0f25'],
      })
      // The same certificate twice more under new Msg-Ids: no NATS claim stops the other relayers.
      await e.withJsm(async (_jsm, nc) => {
        const js = jetstream(nc)
        const kv = await new Kvm(js).open(BUCKETS.messages)
        const rec = await eventually(
          'the certificate',
          async () => {
            const entry = await kv.get(id!)
            const r = entry?.operation === 'PUT' ? decodeMessageRecord(entry.value) : undefined
            return r?.certificate ? r : undefined
          },
          30_000,
          100,
        )
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
        for (const k of [1, 2])
          await js.publish(deliverySubject(rec.destination), cert, { msgID: `f25-${k}-${rec.id}` })
      })
      // All three copies reach deliverers while blocks are held back.
      await eventually(
        'two relayers handling copies of the certificate',
        async () =>
          devnet.relayers.filter((r) => deliveryLinesAbout(r, id!).length > 0).length >= 2 ? true : undefined,
        20_000,
        200,
      )
    } finally {
      await devnet.b.setMining('interval')
    }
    const { progress } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    // Every copy was settled as a success (DELIVERIES is empty, I2): one execution, the rest already delivered.
    const outcomes = await eventually(
      'the copies settled',
      async () => {
        const o = outcomesOf(id!)
        return o.some((x) => x.outcome === 'already-delivered') ? o : undefined
      },
      15_000,
    )
    expect(outcomes.filter((x) => x.outcome === 'delivered')).toHaveLength(1)
    expect(outcomes.every((x) => x.outcome === 'delivered' || x.outcome === 'already-delivered')).toBe(true)
    expect(await deadLetters()).toBe(dead)
    // Not an error storm: no relayer raised an alert or an error about this message.
    for (const r of devnet.relayers) expect(linesAbout(r, id!).filter((l) => l.level >= 50)).toEqual([])
  })

  it('delivers everything through the other relayers when one delivery account runs dry, and that relayer says so (F-34)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const victim = devnet.relayers[2]!
    const balance = await devnet.b.node.rpc<string>('eth_getBalance', [victim.deliveryAddress, 'latest'])
    const fromLine = logLines(victim).length
    await devnet.b.node.rpc('hardhat_setBalance', [victim.deliveryAddress, '0x0'])
    let ids: Hex[] = []
    try {
      for (let k = 0; k < 4; k++) {
        ids = ids.concat(
          await client.dispatchApp({
            from: 'A',
            user: devnet.users[1]!,
            recipient: devnet.b.recipient,
            payloads: payloads(`f34-${k}`, 5),
          }),
        )
        await sleep(500)
      }
      const { progress } = await e.settleAndCheck({ timeoutMs: 120_000, minDeliveries: before + 20 })
      expect(progress.delivered).toBe(before + 20)
      // The drained relayer raises the F-34 alert, naming the node's "not enough funds" as the cause.
      const funds = logLines(victim)
        .slice(fromLine)
        .filter(
          (l) =>
            (l as { alert?: string }).alert === 'signer-funds' &&
            /enough funds|insufficient funds/i.test(JSON.stringify(l)),
        )
      expect(funds.length).toBeGreaterThan(0)
      // Every one executed once, by the funded relayers: the drained account never paid for a transaction.
      const scans = await scanChains(e.target)
      expect(ids.every((id) => scans.get(devnet.b.domain)!.delivered.get(id) === 1)).toBe(true)
      expect(await devnet.b.node.rpc<string>('eth_getBalance', [victim.deliveryAddress, 'latest'])).toBe('0x0')
    } finally {
      await devnet.b.node.rpc('hardhat_setBalance', [victim.deliveryAddress, balance])
    }
  })
})
