import { jest } from '@jest/globals'
import { computeAddress } from 'ethers'
import { setLargeTransfer } from '../../../contracts/deploy.js'
import { type FailpointName, parseStatusEvent, STREAMS, SUBJECTS } from '../../../relayer/index.js'
import type { Hex } from '../../../types.js'
import { type RelayNet, startRelayNet, type TestNode, waitUntil } from './relayNetFixture.js'

jest.setTimeout(120_000)

const STATUS = { delivered: 1, queued: 3 } as const
const FAST = { releasePollMs: 200, clockCheckMs: 0 }
/** Transactions the node's delivery account has mined on `chain`. */
const txCount = (chain: RelayNet['b'], n: TestNode) =>
  chain.node.rpc<string>('eth_getTransactionCount', [computeAddress(n.member.deliveryKey), 'latest'])

describe('relayer: submitted events, releases of queued transfers, failpoints (2 hardhat chains, real NATS)', () => {
  let net: RelayNet
  let nodes: TestNode[]

  beforeAll(async () => {
    net = await startRelayNet()
    nodes = await Promise.all([0, 1].map((k) => net.startNode(k, { tuning: FAST })))
  })
  afterAll(async () => {
    await net?.close()
  })

  const recordWith = (id: Hex, status: string, timeoutMs = 20_000) =>
    waitUntil(
      async () => {
        const r = await net.record(id)
        return r?.status === status ? r : undefined
      },
      timeoutMs,
      `KV status ${status} of ${id}`,
    )
  const eventOf = async (status: string, id: Hex) => {
    const subject = `${SUBJECTS.events}.${status}.${net.a.domain}.${net.b.domain}`
    const m = await waitUntil(
      async () => {
        const last = await net.lastMessage(STREAMS.events, subject)
        return last && parseStatusEvent(last.data).id === id ? last : undefined
      },
      10_000,
      `a ${status} event for ${id}`,
    )
    return { seq: m.seq, event: parseStatusEvent(m.data) }
  }

  it('publishes submitted (with the tx hash) before delivered and records the submitted stage', async () => {
    const id = await net.dispatchApp(net.a, net.b, await net.b.recipient.getAddress(), '0x5b')
    const rec = await recordWith(id, 'delivered')
    const submitted = await eventOf('submitted', id)
    const delivered = await eventOf('delivered', id)
    expect(submitted.seq).toBeLessThan(delivered.seq)
    expect(submitted.event).toMatchObject({ status: 'submitted', chain: net.b.ref, txHash: rec.delivery?.txHash })
    expect(delivered.event).toMatchObject({ status: 'delivered', txHash: rec.delivery?.txHash })
    expect(rec.submission).toMatchObject({ chain: net.b.ref, txHash: rec.delivery?.txHash })
    expect(rec.stages.submitted! <= rec.stages.delivered!).toBe(true)
    expect(rec.stages.certified! <= rec.stages.submitted!).toBe(true)
    expect(await net.deliveredEvents(net.b, id)).toBe(1)
  })

  it('releases a queued large transfer exactly once, never before releaseAt in chain time (NT-17, F-29)', async () => {
    const { a, b, token, user } = net
    await setLargeTransfer(b.bridge, { assetId: token.assetId, threshold: 10n ** 20n, delaySeconds: 3_600n })
    try {
      const amount = 5n * 10n ** 20n
      const before = (await token.wrapped.getFunction('balanceOf')(user.address)) as bigint
      const id = await net.sendToken(a, b, token.homeAddress, amount, user.address)
      const queued = await recordWith(id, 'queued')
      expect(await net.statusOn(b, id)).toBe(STATUS.queued)
      const releaseAt = queued.delivery?.releaseAt
      expect(releaseAt).toBeGreaterThan(0n)
      const queuedEvent = await eventOf('failed', id)
      expect(queuedEvent.event).toMatchObject({ reason: 'QUEUED_LARGE_TRANSFER', retryable: false })

      // Chain time 10 s before the release: several polls later it is still queued, nothing sent.
      await b.node.rpc('evm_setNextBlockTimestamp', [Number(releaseAt! - 10n)])
      await b.node.rpc('evm_mine')
      const txsBefore = await Promise.all(nodes.map((n) => txCount(b, n)))
      await new Promise((r) => setTimeout(r, 1_500))
      expect(await net.statusOn(b, id)).toBe(STATUS.queued)
      expect((await net.record(id))?.status).toBe('queued')
      expect(await Promise.all(nodes.map((n) => txCount(b, n)))).toEqual(txsBefore)

      // Chain time reaches releaseAt: one release, KV delivered, a delivered event.
      await b.node.rpc('evm_setNextBlockTimestamp', [Number(releaseAt!)])
      await b.node.rpc('evm_mine')
      // Every node's releaser may settle it; the one that sent the release adds its tx hash.
      const rec = await waitUntil(
        async () => {
          const r = await net.record(id)
          return r?.status === 'delivered' && r.delivery?.txHash ? r : undefined
        },
        20_000,
        `KV delivered with the release tx of ${id}`,
      )
      expect(await net.statusOn(b, id)).toBe(STATUS.delivered)
      expect(await net.deliveredEvents(b, id)).toBe(1) // I1
      const [ev] = await b.bridge.queryFilter(b.bridge.filters.Delivered!(id), b.deployBlock)
      const block = await b.provider.getBlock(ev!.blockNumber)
      expect(BigInt(block!.timestamp)).toBeGreaterThanOrEqual(releaseAt!)
      expect(rec.delivery).toMatchObject({ txHash: ev!.transactionHash.toLowerCase(), detail: 'released' })
      expect((await eventOf('delivered', id)).event).toMatchObject({ txHash: ev!.transactionHash.toLowerCase() })
      expect(await token.wrapped.getFunction('balanceOf')(user.address)).toBe(before + amount)
      // Quiet afterwards: nobody releases again.
      await new Promise((r) => setTimeout(r, 600))
      expect(await net.deliveredEvents(b, id)).toBe(1)
    } finally {
      await setLargeTransfer(b.bridge, { assetId: token.assetId, threshold: 0n, delaySeconds: 0n })
    }
  })

  it('fires each armed failpoint once, at its place in the pipeline (fake crash)', async () => {
    // relayer-3 is the only deliverer; relayer-1 and -2 only observe/attest/aggregate.
    for (const n of nodes) await n.stop()
    const crashed: { name: FailpointName; at: number }[] = []
    const observers = await Promise.all(
      [0, 1].map((k) => net.startNode(k, { tuning: FAST, node: { roles: { deliver: false } } })),
    )
    const armed = await net.startNode(2, {
      tuning: FAST,
      node: {
        failpoints: ['attest.afterSign', 'deliver.afterBroadcast', 'confirm.afterReceipt'],
        crash: (name) => crashed.push({ name, at: armed?.lines.length ?? 0 }),
      },
    })
    nodes = [...observers, armed]
    const recipient = await net.b.recipient.getAddress()
    const first = await net.dispatchApp(net.a, net.b, recipient, '0xf1')
    await recordWith(first, 'delivered')
    const second = await net.dispatchApp(net.a, net.b, recipient, '0xf2')
    await recordWith(second, 'delivered')
    expect(crashed.map((c) => c.name)).toEqual(['attest.afterSign', 'deliver.afterBroadcast', 'confirm.afterReceipt'])
    const msgs = armed.lines.map((l) => (l.msg === 'failpoint hit' ? `hit ${String(l['failpoint'])}` : l.msg))
    const at = (s: string) => msgs.indexOf(s)
    expect(at('hit attest.afterSign')).toBeLessThan(at('message attested'))
    expect(at('hit deliver.afterBroadcast')).toBeLessThan(at('delivery submitted'))
    expect(at('delivery submitted')).toBeLessThan(at('hit confirm.afterReceipt'))
    expect(at('hit confirm.afterReceipt')).toBeLessThan(at('message settled at the destination'))
    expect(armed.lines.filter((l) => l.level === 'fatal')).toHaveLength(3)
    expect(net.nodeErrors).toEqual([])
  })
})
