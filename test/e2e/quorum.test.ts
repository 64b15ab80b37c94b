// The 2-of-3 committee with relayers missing: one down is invisible to users; with two down
// (killed, or hung: F-30) messages wait attested but uncertified, and complete once the
// threshold is back. I1-I9 hold at the end of each scenario.
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { BUCKETS, decodeMessageRecord, STREAMS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import { readStream, STATUS } from '../harness/chainState.js'
import { type E2eDevnet, payloads, startE2eDevnet } from '../harness/e2eDevnet.js'
import { eventually, sleep } from '../harness/waitFor.js'

jest.setTimeout(120_000)

let e: E2eDevnet

beforeAll(async () => {
  e = await startE2eDevnet('quorum', { keys: 'env' }) // attestation keys from env vars (the other files use keystores)
})
afterAll(async () => {
  await e?.stop()
})

/** The relayers whose attestation of each id is on ATTESTATIONS (subject isthmus.att.<dest>.<id>.<relayer>). */
const attesters = (ids: Hex[]): Promise<Map<Hex, string[]>> =>
  e.withJsm(async (jsm) => {
    const out = new Map<Hex, string[]>(ids.map((id) => [id, []]))
    for (const m of await readStream(jsm, STREAMS.attestations)) {
      const [, , , id, relayer] = m.subject.split('.')
      out.get(id as Hex)?.push(relayer!)
    }
    return out
  })

/**
 * Wait until `relayer` attested every id (the attestations are durable on ATTESTATIONS: nothing is
 * lost), then give the pipeline time to (wrongly) act on them: nothing may be certified or delivered.
 */
const expectStuckAfterAttestation = async (ids: Hex[], relayer: string) => {
  await eventually(
    `${relayer} attests every message`,
    async () => ([...(await attesters(ids)).values()].every((rs) => rs.includes(relayer)) ? true : undefined),
    30_000,
  )
  await sleep(3_000)
  for (const id of ids) expect(await e.client.status('B', id)).toBe(STATUS.none)
  const state = await e.withJsm(async (jsm, nc) => {
    const kv = await new Kvm(jetstream(nc)).open(BUCKETS.messages)
    // A hung aggregator may still hold the attestation unacked: then there is no record yet.
    const records = await Promise.all(
      ids.map(async (id) => {
        const entry = await kv.get(id)
        return entry?.operation === 'PUT' ? decodeMessageRecord(entry.value) : undefined
      }),
    )
    return { queued: (await jsm.streams.info(STREAMS.deliveries)).state.messages, records }
  })
  expect(state.queued).toBe(0) // no certificate was formed below the threshold
  const seen = state.records.filter((r) => r !== undefined)
  expect(seen.map((r) => ({ status: r.status, certified: r.certificate !== undefined }))).toEqual(
    seen.map(() => ({ status: 'attested', certified: false })),
  )
}

describe('committee availability', () => {
  it('keeps delivering at 2-of-3 while one relayer is down', async () => {
    const { client, devnet } = e
    const r3 = devnet.relayers[2]!
    await r3.stop()
    const user = devnet.users[0]!
    const ids = await client.dispatchApp({
      from: 'A',
      user,
      recipient: devnet.b.recipient,
      payloads: payloads('one-down', 5),
    })
    const transfer = await client.sendToken({ from: 'A', user, amount: 10n ** 18n, beneficiary: user.address })
    const { report } = await e.settleAndCheck()
    for (const id of [...ids, transfer]) expect(await client.status('B', id)).toBe(STATUS.delivered)
    const supply = report.stats.supply[devnet.token.assetId]!
    expect(supply.wrapped).toBe(supply.locked)
    const certified = await e.withJsm(async (_jsm, nc) => {
      const kv = await new Kvm(jetstream(nc)).open(BUCKETS.messages)
      return decodeMessageRecord((await kv.get(transfer))!.value).certificate!.signers
    })
    expect([...certified].sort()).toEqual(
      devnet.committee.signers
        .slice(0, 2)
        .map((s) => s.toLowerCase())
        .sort(),
    )
    await r3.start() // catches up on what it missed without a second effect
    await e.settleAndCheck()
  })

  it('holds messages attested but uncertified with two relayers killed, and delivers when one returns', async () => {
    const { client, devnet } = e
    const [r1, r2, r3] = [devnet.relayers[0]!, devnet.relayers[1]!, devnet.relayers[2]!]
    await Promise.all([r2.kill(), r3.kill()])
    const ids = await client.dispatchApp({
      from: 'A',
      user: devnet.users[1]!,
      recipient: devnet.b.recipient,
      payloads: payloads('two-down', 5),
    })
    await expectStuckAfterAttestation(ids, r1.id)
    await r2.start()
    await e.settleAndCheck()
    for (const id of ids) expect(await client.status('B', id)).toBe(STATUS.delivered)
    await r3.start()
    await e.settleAndCheck()
  })

  it('delivers nothing while two relayers hang, and everything once they resume (F-30)', async () => {
    const { client, devnet } = e
    const [r1, r2, r3] = [devnet.relayers[0]!, devnet.relayers[1]!, devnet.relayers[2]!]
    r1.pause()
    r2.pause()
    let ids: Hex[] = []
    try {
      ids = await client.dispatchApp({
        from: 'A',
        user: devnet.users[2]!,
        recipient: devnet.b.recipient,
        payloads: payloads('hung', 5),
      })
      await expectStuckAfterAttestation(ids, r3.id)
    } finally {
      r1.resume()
      r2.resume()
    }
    await e.settleAndCheck()
    for (const id of ids) expect(await client.status('B', id)).toBe(STATUS.delivered)
  })
})
