// Crashes and hangs of real processes mid-run (RELIABILITY.md F-13, F-14, F-20 and relayer crash /
// restart): every message is still delivered exactly once, checked with I1-I9 at quiescence.
import { readFileSync } from 'node:fs'
import { jest } from '@jest/globals'
import type { Hex } from '../../types.js'
import { deliveryProgress, STATUS } from '../harness/chainState.js'
import { type E2eDevnet, payloads, startE2eDevnet } from '../harness/e2eDevnet.js'
import { eventually, sleep } from '../harness/waitFor.js'

jest.setTimeout(180_000)

let e: E2eDevnet

beforeAll(async () => {
  e = await startE2eDevnet('crashes')
})
afterAll(async () => {
  await e?.stop()
})

const delivered = async () => (await deliveryProgress(e.target)).delivered

const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])

interface PendingTx {
  hash: Hex
  from: string
  to: string | null
}

describe('crash recovery', () => {
  it('delivers 100 messages exactly once while a relayer is SIGKILLed and restarted', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const calls = await client.recipientCalls('B')
    const user = devnet.users[0]!
    const r2 = devnet.relayers[1]!
    const first = await client.dispatchApp({
      from: 'A',
      user,
      recipient: devnet.b.recipient,
      payloads: payloads('crash-1', 50),
    })
    await eventually(
      'some of the first 50 delivered',
      async () => ((await delivered()) > before ? true : undefined),
      30_000,
      100,
    )
    await r2.kill()
    const second = await client.dispatchApp({
      from: 'A',
      user,
      recipient: devnet.b.recipient,
      payloads: payloads('crash-2', 50),
    })
    await sleep(2_000)
    await r2.start()
    const { progress } = await e.settleAndCheck({ timeoutMs: 120_000, minDeliveries: before + 100 })
    expect(progress.delivered).toBe(before + 100)
    expect(await client.recipientCalls('B')).toBe(calls + 100n)
    for (const id of [first[0]!, first[49]!, second[0]!, second[49]!])
      expect(await client.status('B', id)).toBe(STATUS.delivered)
  })

  it('delivers every message exactly once across a nats-server SIGKILL and restart on the same store (F-13)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const user = devnet.users[1]!
    const url = devnet.nats.url
    await client.dispatchApp({ from: 'A', user, recipient: devnet.b.recipient, payloads: payloads('nats-kill-1', 20) })
    await client.dispatchApp({ from: 'B', user, recipient: devnet.a.recipient, payloads: payloads('nats-kill-1b', 5) })
    await eventually(
      'some delivered before the crash',
      async () => ((await delivered()) > before ? true : undefined),
      30_000,
      100,
    )
    await devnet.nats.kill()
    await client.dispatchApp({ from: 'A', user, recipient: devnet.b.recipient, payloads: payloads('nats-kill-2', 10) })
    await sleep(3_000)
    await devnet.nats.restart()
    expect(devnet.nats.url).toBe(url) // the relayers' configs name this URL
    const { progress } = await e.settleAndCheck({ timeoutMs: 120_000, minDeliveries: before + 35 })
    expect(progress.delivered).toBe(before + 35)
  })

  it('resumes without duplicate effects after nats-server is SIGSTOPped for 8 s, with bounded relayer memory (F-14)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    const user = devnet.users[2]!
    await client.dispatchApp({ from: 'A', user, recipient: devnet.b.recipient, payloads: payloads('nats-stop-1', 15) })
    devnet.nats.process.signal('SIGSTOP')
    try {
      await client.dispatchApp({
        from: 'A',
        user,
        recipient: devnet.b.recipient,
        payloads: payloads('nats-stop-2', 10),
      })
      await sleep(8_000)
    } finally {
      devnet.nats.process.signal('SIGCONT')
    }
    for (const r of devnet.relayers) expect(rssKb(r.process!.pid)).toBeLessThan(800 * 1024)
    const { progress } = await e.settleAndCheck({ timeoutMs: 120_000, minDeliveries: before + 25 })
    expect(progress.delivered).toBe(before + 25)
  })

  it('executes once when the relayer holding a pending destination tx is SIGKILLed before its ack (F-20)', async () => {
    const { client, devnet } = e
    const before = await delivered()
    await devnet.b.setMining('paused')
    let victim: (typeof devnet.relayers)[number] | undefined
    try {
      const [id] = await client.dispatchApp({
        from: 'A',
        user: devnet.users[0]!,
        recipient: devnet.b.recipient,
        payloads: ['0x0f20'],
      })
      const pending = await eventually(
        'a delivery tx pending on B',
        async () => {
          const txs = await devnet.b.node.rpc<PendingTx[]>('eth_pendingTransactions')
          return txs.find((t) => t.to?.toLowerCase() === devnet.b.bridge.toLowerCase())
        },
        30_000,
        100,
      )
      victim = devnet.relayers.find((r) => r.deliveryAddress.toLowerCase() === pending.from.toLowerCase())
      expect(victim).toBeDefined()
      await victim!.kill()
      expect(await client.status('B', id!)).toBe(STATUS.none)
    } finally {
      await devnet.b.setMining('interval')
    }
    await victim!.start()
    const { progress } = await e.settleAndCheck({ timeoutMs: 90_000, minDeliveries: before + 1 })
    expect(progress.delivered).toBe(before + 1)
    // Nothing left in the mempool and no nonce gap on any delivery account.
    expect(await devnet.b.node.rpc('eth_pendingTransactions')).toEqual([])
    for (const r of devnet.relayers) {
      const [latest, pending] = await Promise.all([
        devnet.b.node.rpc<string>('eth_getTransactionCount', [r.deliveryAddress, 'latest']),
        devnet.b.node.rpc<string>('eth_getTransactionCount', [r.deliveryAddress, 'pending']),
      ])
      expect(BigInt(pending)).toBe(BigInt(latest))
    }
  })
})
