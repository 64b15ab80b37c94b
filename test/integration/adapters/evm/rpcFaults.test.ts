import type { Subscription } from 'rxjs'
import { createEvmAdapter, type EvmAdapterOptions, type SourceBatch } from '../../../../adapters/index.js'
import { type FaultProxy, startFaultProxy } from '../../../harness/faultProxy.js'
import {
  adapterOptions,
  captureLogger,
  expectContiguous,
  headNumber,
  recipientBytes,
  startChain,
  type TestChain,
  waitUntil,
} from './fixture.js'

const DOMAIN_A = 401
let a: TestChain
let p1: FaultProxy
let p2: FaultProxy

beforeAll(async () => {
  a = await startChain(31_337n + 41n, DOMAIN_A)
  ;[p1, p2] = await Promise.all([
    startFaultProxy({ upstream: a.node.rpcUrl }),
    startFaultProxy({ upstream: a.node.rpcUrl }),
  ])
}, 60_000)
afterEach(() => {
  p1.setMode({ kind: 'pass' })
  p2.setMode({ kind: 'pass' })
})
afterAll(async () => {
  await Promise.all([p1?.close(), p2?.close()])
  await a?.node.stop()
})

let payloadSeq = 0
/** Dispatch `n` messages, one block each; returns their payloads. */
const dispatchSome = async (n: number): Promise<string[]> => {
  const out: string[] = []
  for (let k = 0; k < n; k++) {
    const payload = `0x${(++payloadSeq).toString(16).padStart(4, '0')}`
    await (await a.bridge.getFunction('dispatch')(902, recipientBytes(a.deployer.address), payload)).wait()
    out.push(`0x00${payload.slice(2)}`)
  }
  return out
}

const fast = (extra: Partial<EvmAdapterOptions>): EvmAdapterOptions =>
  adapterOptions(a, {
    requestTimeoutMs: 300,
    maxLogRangeBlocks: 3,
    finality: { mode: 'confirmations', confirmations: 1 },
    ...extra,
  })

const bodies = (batches: SourceBatch[]) => batches.flatMap((x) => x.messages.map((m) => m.message.body))

describe('EVM adapter under RPC faults', () => {
  it('times out a hanging endpoint, fails over and misses nothing (F-01)', async () => {
    const { log } = captureLogger('info')
    const adapter = createEvmAdapter(fast({ rpcUrls: [p1.url, p2.url, a.node.rpcUrl] }), { log })
    const start = (await headNumber(a)) + 1n
    const seen: SourceBatch[] = []
    let failed: unknown
    const sub: Subscription = adapter
      .observe$(start)
      .subscribe({ next: (x) => seen.push(x), error: (e) => (failed = e) })
    try {
      const before = await dispatchSome(3)
      await waitUntil(() => bodies(seen).length === 3, 10_000, 'the first messages')
      p1.setMode({ kind: 'hang' }) // the preferred endpoint stops answering mid-stream
      const t0 = Date.now()
      const after = await dispatchSome(4)
      await waitUntil(() => bodies(seen).length === 7, 15_000, 'the messages sent while an endpoint hangs')
      const recoveryMs = Date.now() - t0
      expect(bodies(seen)).toEqual([...before, ...after])
      expectContiguous(seen)
      expect(seen[0]!.fromBlock).toBe(start)
      expect(p1.faults()).toBeGreaterThan(0)
      expect(failed).toBeUndefined()
      // Bounded by a couple of timeouts plus backoff, not a global stall.
      expect(recoveryMs).toBeLessThan(8_000)
    } finally {
      sub.unsubscribe()
    }
  }, 40_000)

  it('backs off through HTTP 500/429 answers and an outage, resuming from the last emitted block with no gap (F-02)', async () => {
    const { log, lines } = captureLogger('info')
    const adapter = createEvmAdapter(fast({ rpcUrls: [p1.url], rpcMaxAttempts: 2, sourceMaxRetries: 100 }), { log })
    const start = (await headNumber(a)) + 1n
    const seen: SourceBatch[] = []
    let failed: unknown
    const sub = adapter.observe$(start).subscribe({ next: (x) => seen.push(x), error: (e) => (failed = e) })
    try {
      p1.setMode({
        kind: 'fail-every',
        method: 'eth_getLogs',
        every: 2,
        variant: 'drop',
        reply: { kind: 'http', status: 429 },
      })
      const first = await dispatchSome(3)
      await waitUntil(() => bodies(seen).length === 3, 10_000, 'messages through 429s')
      p1.setMode({ kind: 'status', status: 500 }) // full outage: nothing can be emitted
      const during = await dispatchSome(3)
      await waitUntil(
        () => lines.some((l) => l.msg === 'scan failed, retrying from the last emitted block'),
        10_000,
        'a retried scan',
      )
      const emittedInOutage = seen.length
      await new Promise((r) => setTimeout(r, 300))
      expect(seen.length).toBe(emittedInOutage)
      p1.setMode({ kind: 'pass' })
      await waitUntil(() => bodies(seen).length === 6, 10_000, 'the messages from the outage')
      expect(bodies(seen)).toEqual([...first, ...during])
      expectContiguous(seen)
      expect(failed).toBeUndefined()
    } finally {
      sub.unsubscribe()
    }
  }, 40_000)

  it('treats garbled and truncated answers as failures and never emits a partial batch (F-03)', async () => {
    const { log } = captureLogger('info')
    const adapter = createEvmAdapter(fast({ rpcUrls: [p1.url], rpcMaxAttempts: 2, sourceMaxRetries: 100 }), { log })
    const start = (await headNumber(a)) + 1n
    const sent = await dispatchSome(4)
    const last = await headNumber(a)
    p1.setMode({ kind: 'garble', methods: ['eth_getLogs'] })
    const seen: SourceBatch[] = []
    let failed: unknown
    const sub = adapter.observe$(start).subscribe({ next: (x) => seen.push(x), error: (e) => (failed = e) })
    try {
      await waitUntil(() => p1.faults() >= 3, 10_000, 'garbled eth_getLogs answers')
      p1.setMode({ kind: 'truncate', methods: ['eth_getBlockByNumber', 'eth_getTransactionReceipt'] })
      await waitUntil(() => p1.faults() >= 6, 10_000, 'truncated answers')
      expect(seen).toEqual([]) // nothing is emitted from partial data
      p1.setMode({ kind: 'pass' })
      await waitUntil(() => seen.at(-1)?.toBlock === last, 10_000, 'the scan after the faults')
      expect(bodies(seen)).toEqual(sent)
      expectContiguous(seen)
      expect(seen[0]!.fromBlock).toBe(start)
      expect(failed).toBeUndefined()
    } finally {
      sub.unsubscribe()
    }
  }, 40_000)

  it('refuses an endpoint behind a known URL that points at another chain (F-06)', async () => {
    const other = await startChain(31_337n + 42n, 499)
    try {
      p2.setUpstream(other.node.rpcUrl)
      const { log } = captureLogger('info')
      const adapter = createEvmAdapter(fast({ rpcUrls: [a.node.rpcUrl, p2.url] }), { log })
      await expect(adapter.preflight()).rejects.toMatchObject({ code: 'CHAIN_ID_MISMATCH' })
    } finally {
      p2.setUpstream(a.node.rpcUrl)
      await other.node.stop()
    }
  }, 30_000)
})
