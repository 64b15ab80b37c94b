// Crashes at exact points of the pipeline (RELIABILITY.md F-19, F-20, F-21) through the relayer's
// failpoints (ISTHMUS_FAILPOINTS: the process SIGKILLs itself there, once), and a restart with a
// weaker finality setting (F-36). Real processes; I1-I9 (with I4 and I6) at quiescence after each.
import { readFileSync, writeFileSync } from 'node:fs'
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { parse, stringify } from 'yaml'
import type { RelayerHandle } from '../../cli/devnet/relayerProcess.js'
import { ProcessFailedError } from '../../errors.js'
import { BUCKETS, cursorKey, STREAMS, SUBJECTS } from '../../relayer/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { deliveryProgress, readStream, STATUS, scanChains } from '../harness/chainState.js'
import { type E2eDevnet, startE2eDevnet } from '../harness/e2eDevnet.js'
import { rejected } from '../harness/thrown.js'
import { eventually } from '../harness/waitFor.js'
import { linesAbout, logLines, parseLogLines, pendingDeliveries, submittedEvents } from './relayerView.js'

jest.setTimeout(150_000)

let e: E2eDevnet

beforeAll(async () => {
  // A short AckWait: a certificate whose deliverer crashed before its ack comes back in 2 s, not 10.
  e = await startE2eDevnet('failpoints', { relayerTuning: { deliveryAckWaitMs: 2_000 } })
})
afterAll(async () => {
  await e?.stop()
})

const delivered = async () => (await deliveryProgress(e.target)).delivered

/** Restart `r` with one failpoint armed; it crashes (SIGKILL) the first time the pipeline gets there. */
const armed = async (r: RelayerHandle, failpoint: string) => {
  await r.stop()
  await r.start({ env: { ISTHMUS_FAILPOINTS: failpoint } })
}

/** Wait until `r` killed itself at `failpoint` (its fatal line is in the log, the process is gone). */
const crashedAt = async (r: RelayerHandle, failpoint: string, since: number) => {
  const line = await eventually(
    `${r.id} to crash at ${failpoint}`,
    async () =>
      !r.isRunning
        ? logLines(r)
            .slice(since)
            .find((l) => l.msg === 'failpoint hit' && l['failpoint'] === failpoint)
        : undefined,
    60_000,
    100,
  )
  expect(line.level).toBe(60)
  return line
}

/**
 * Only `r` can pay for deliveries on B: the others' accounts are drained (they still attest, and
 * still settle a certificate another relayer already executed). Returns the undo.
 */
const onlyDelivererOnB = async (r: RelayerHandle): Promise<() => Promise<void>> => {
  const { devnet } = e
  const others = devnet.relayers.filter((x) => x !== r)
  const saved = await Promise.all(
    others.map((x) => devnet.b.node.rpc<string>('eth_getBalance', [x.deliveryAddress, 'latest'])),
  )
  for (const x of others) await devnet.b.node.rpc('hardhat_setBalance', [x.deliveryAddress, '0x0'])
  return async () => {
    for (const [k, x] of others.entries()) await devnet.b.node.rpc('hardhat_setBalance', [x.deliveryAddress, saved[k]])
  }
}

/** Settled-at-destination outcomes every relayer logged for `id`. */
const outcomesOf = (id: Hex) =>
  e.devnet.relayers.flatMap((r) =>
    linesAbout(r, id)
      .filter((l) => l.msg === 'message settled at the destination')
      .map((l) => ({ relayer: r.id, outcome: String(l['outcome']) })),
  )

const cursorOf = (r: RelayerHandle, chain: ChainRef) =>
  e.withJsm(async (_jsm, nc) => {
    const entry = await (await new Kvm(jetstream(nc)).open(BUCKETS.cursors)).get(cursorKey(r.id, chain))
    return entry?.operation === 'PUT' ? BigInt((entry.json() as { block: string }).block) : undefined
  })

const dispatchOne = async (payload: Hex, user = 0): Promise<Hex> =>
  (
    await e.client.dispatchApp({
      from: 'A',
      user: e.devnet.users[user]!,
      recipient: e.devnet.b.recipient,
      payloads: [payload],
    })
  )[0]!

describe('crash points of the relayer pipeline', () => {
  it('re-signs once after a crash between signing and publishing: one attestation per (signer, id) (F-19)', async () => {
    const { devnet } = e
    const before = await delivered()
    const victim = devnet.relayers[0]!
    await armed(victim, 'attest.afterSign')
    const since = logLines(victim).length
    const id = await dispatchOne('0x0f19')
    const hit = await crashedAt(victim, 'attest.afterSign', since)
    expect(String(hit['msgId']).toLowerCase()).toBe(id.toLowerCase())
    // The two others reach the quorum without it; the victim signs again on restart from its cursor.
    await victim.start()
    const attestations = await eventually(
      `${victim.id}'s attestation after the restart`,
      () =>
        e.withJsm(async (jsm) => {
          const subjects = (await readStream(jsm, STREAMS.attestations))
            .map((m) => m.subject)
            .filter((s) => s.startsWith(`${SUBJECTS.attestations}.${devnet.b.domain}.${id}.`))
          return subjects.includes(`${SUBJECTS.attestations}.${devnet.b.domain}.${id}.${victim.id}`)
            ? subjects
            : undefined
        }),
      30_000,
    )
    // Exactly one signature per (signer, id), the restarted signer's included.
    expect([...attestations].sort()).toEqual(
      devnet.relayers.map((r) => `${SUBJECTS.attestations}.${devnet.b.domain}.${id}.${r.id}`).sort(),
    )
    const { progress } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    expect(await e.client.status('B', id)).toBe(STATUS.delivered)
  })

  it('classifies a delivery that succeeded before the crash as already delivered: no second execution, cursor catches up (F-21)', async () => {
    const { devnet, client } = e
    const before = await delivered()
    const calls = await client.recipientCalls('B')
    const victim = devnet.relayers[1]!
    await armed(victim, 'confirm.afterReceipt')
    const since = logLines(victim).length
    const restore = await onlyDelivererOnB(victim)
    let id: Hex
    try {
      id = await dispatchOne('0x0f21', 1)
      const hit = await crashedAt(victim, 'confirm.afterReceipt', since)
      expect((hit['msgIds'] as string[]).map((x) => x.toLowerCase())).toContain(id.toLowerCase())
      // On chain before the crash; the certificate was never acked.
      expect(await client.status('B', id)).toBe(STATUS.delivered)
      // Its certificate comes back after AckWait; a relayer finds it executed and acks — no funds needed.
      await eventually(
        'the unacked certificate settled as already delivered',
        async () => (outcomesOf(id).some((o) => o.outcome === 'already-delivered') ? true : undefined),
        30_000,
      )
    } finally {
      await restore()
    }
    const headA = BigInt(await client.provider('A').getBlockNumber())
    await victim.start()
    await eventually(
      `${victim.id}'s cursor on A to catch up`,
      async () => ((await cursorOf(victim, devnet.a.ref))! >= headA - 1n ? true : undefined),
      30_000,
    )
    const { progress } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    expect(await client.recipientCalls('B')).toBe(calls + 1n)
    expect((await scanChains(e.target)).get(devnet.b.domain)!.delivered.get(id!)).toBe(1)
    // The crashed relayer never settled it itself; every settlement of it was "already delivered".
    expect(outcomesOf(id!).every((o) => o.outcome === 'already-delivered')).toBe(true)
  })

  it('executes once, with no nonce gap, after a crash right after broadcasting the delivery (F-20, failpoint)', async () => {
    const { devnet } = e
    const before = await delivered()
    const victim = devnet.relayers[2]!
    await armed(victim, 'deliver.afterBroadcast')
    const since = logLines(victim).length
    const restore = await onlyDelivererOnB(victim)
    let id: Hex
    await devnet.b.setMining('paused')
    try {
      id = await dispatchOne('0x0f20', 2)
      const hit = await crashedAt(victim, 'deliver.afterBroadcast', since)
      // Broadcast and still pending on B; nothing recorded by the crashed relayer.
      const pending = await pendingDeliveries(devnet.b)
      expect(pending.map((t) => t.hash.toLowerCase())).toContain(String(hit['txHash']).toLowerCase())
      expect(await submittedEvents(e, id)).toEqual([])
      // Back up while its transaction is still pending: it must not build a second one with a fresh nonce.
      await victim.start()
    } finally {
      await devnet.b.setMining('interval')
      await restore()
    }
    const { progress } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    expect((await scanChains(e.target)).get(devnet.b.domain)!.delivered.get(id!)).toBe(1)
    expect(await pendingDeliveries(devnet.b)).toEqual([])
    const [latest, pendingCount] = await Promise.all([
      devnet.b.node.rpc<string>('eth_getTransactionCount', [victim.deliveryAddress, 'latest']),
      devnet.b.node.rpc<string>('eth_getTransactionCount', [victim.deliveryAddress, 'pending']),
    ])
    expect(BigInt(pendingCount)).toBe(BigInt(latest))
  })
})

describe('config change across a restart (F-36)', () => {
  it('refuses fewer confirmations than the scanned range was recorded with, unless the migration is allowed', async () => {
    const { devnet } = e
    const before = await delivered()
    const victim = devnet.relayers[2]!
    const original = readFileSync(victim.configPath, 'utf8')
    const edited = (f: (doc: Record<string, unknown>) => void) => {
      const doc = parse(original) as Record<string, unknown>
      f(doc)
      writeFileSync(victim.configPath, stringify(doc))
    }
    const lowerConfirmations = (doc: Record<string, unknown>) => {
      for (const c of doc['chains'] as { finality: { confirmations: number } }[]) c.finality.confirmations = 1
    }
    await victim.stop()
    try {
      edited(lowerConfirmations)
      const err = await rejected(() => victim.start())
      expect(err).toBeInstanceOf(ProcessFailedError)
      expect((err as Error).message).toContain('exited (1)')
      expect(victim.output()).toMatch(/error FINALITY_DOWNGRADE: /)
      expect(victim.isRunning).toBe(false)

      edited((doc) => {
        lowerConfirmations(doc)
        doc['relayer'] = { ...(doc['relayer'] as object), allowFinalityDowngrade: true }
      })
      await victim.start()
      const migrations = parseLogLines(victim.output()).filter((l) => l['migration'] === 'finality-downgrade')
      expect(migrations.map((l) => l['chain']).sort()).toEqual([devnet.a.ref, devnet.b.ref].sort())
      for (const m of migrations) {
        expect(m.level).toBe(40)
        expect(m['recorded']).toBe('2 confirmations')
        expect(String(m['configured'])).toMatch(/^1 confirmation/)
      }
      await victim.stop()
    } finally {
      writeFileSync(victim.configPath, original)
    }
    // Back to the recorded setting: a stronger one than the migrated range's, accepted as is.
    await victim.start()
    await dispatchOne('0x0f36')
    const { progress, report } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    // The migrated ranges are still contiguous (I6) and nothing was signed on a block not final (I4).
    expect(report.stats.scannedRanges).toBeGreaterThan(0)
    expect(report.stats.finalityClaims).toBeGreaterThan(0)
  })
})
