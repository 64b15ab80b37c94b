import { jest } from '@jest/globals'
import { pino } from 'pino'
import { createRpcClient, type RpcTransport } from '../../../../adapters/evm/createRpcClient.js'
import { jsonRpcFaultOf } from '../../../../adapters/evm/toRelayError.js'
import { RpcError, RpcTimeoutError } from '../../../../errors.js'
import { rejected } from '../../../harness/thrown.js'

const log = pino({ level: 'silent' })
const ok = (result: unknown) => (body: string) => ({
  status: 200,
  text: JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, result }),
})
type Answer = (body: string) => { status: number; text: string } | 'hang'

/** A transport whose endpoints answer from scripted lists (the last answer repeats). */
const scripted = (script: Record<string, Answer[]>) => {
  const seen: string[] = []
  const transport: RpcTransport = (url, body, signal) => {
    seen.push(url)
    const list = script[url]!
    const a = list.length > 1 ? list.shift()! : list[0]!
    const r = a(body)
    if (r === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    return Promise.resolve(r)
  }
  return { transport, seen }
}

const client = (
  transport: RpcTransport,
  urls: string[],
  extra: { maxAttempts?: number; requestTimeoutMs?: number } = {},
) => {
  const sleeps: number[] = []
  const rpc = createRpcClient({
    chain: 'evm:1',
    urls,
    requestTimeoutMs: extra.requestTimeoutMs ?? 1000,
    maxAttempts: extra.maxAttempts ?? 4,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    log,
    transport,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
  })
  return { rpc, sleeps }
}

const A = 'http://127.0.0.1:1'
const B = 'http://127.0.0.1:2'

describe('createRpcClient', () => {
  it('returns the result of the first endpoint when it answers', async () => {
    const { transport, seen } = scripted({ [A]: [ok('0x1')], [B]: [ok('0x2')] })
    expect(await client(transport, [A, B]).rpc.request('eth_blockNumber')).toBe('0x1')
    expect(seen).toEqual([A])
  })

  it('fails over at once to the next endpoint on an HTTP 500 and then prefers it', async () => {
    const { transport, seen } = scripted({ [A]: [() => ({ status: 500, text: '' })], [B]: [ok('0x2')] })
    const { rpc, sleeps } = client(transport, [A, B])
    expect(await rpc.request('eth_blockNumber')).toBe('0x2')
    expect(await rpc.request('eth_blockNumber')).toBe('0x2')
    expect(seen).toEqual([A, B, B])
    expect(sleeps).toEqual([])
    expect(rpc.stats()[0]).toMatchObject({ calls: 1, failures: 1 })
  })

  it('counts garbled and truncated JSON as failures and retries (F-03)', async () => {
    const garbled: Answer = () => ({ status: 200, text: '{"jsonrpc":"2.0","id":1<<' })
    const truncated: Answer = (b) => ({ status: 200, text: ok('0x5')(b).text.slice(0, 20) })
    const { transport } = scripted({ [A]: [garbled, truncated, ok('0x5')] })
    const { rpc, sleeps } = client(transport, [A])
    expect(await rpc.request('eth_blockNumber')).toBe('0x5')
    expect(sleeps).toHaveLength(2)
    expect(rpc.stats()[0]?.failures).toBe(2)
  })

  it('refuses an answer whose id does not match the request', async () => {
    const wrongId: Answer = () => ({ status: 200, text: JSON.stringify({ jsonrpc: '2.0', id: 999, result: '0x1' }) })
    const { transport } = scripted({ [A]: [wrongId] })
    const e = await rejected(() => client(transport, [A], { maxAttempts: 2 }).rpc.request('eth_blockNumber'))
    expect(e).toBeInstanceOf(RpcError)
    expect((e as RpcError).retryable).toBe(true)
  })

  it('does not retry a deterministic JSON-RPC error and keeps it as cause', async () => {
    const revert: Answer = (b) => ({
      status: 200,
      text: JSON.stringify({
        jsonrpc: '2.0',
        id: JSON.parse(b).id,
        error: { code: 3, message: 'execution reverted', data: '0x12' },
      }),
    })
    const { transport, seen } = scripted({ [A]: [revert], [B]: [ok('0x0')] })
    const e = await rejected(() => client(transport, [A, B]).rpc.request('eth_call'))
    expect(jsonRpcFaultOf(e)).toMatchObject({ code: 3, data: '0x12' })
    expect(seen).toEqual([A])
  })

  it('backs off with growing delays once every endpoint failed, and gives up after maxAttempts', async () => {
    const { transport, seen } = scripted({
      [A]: [() => ({ status: 429, text: '' })],
      [B]: [() => ({ status: 503, text: '' })],
    })
    const { rpc, sleeps } = client(transport, [A, B], { maxAttempts: 6 })
    const e = await rejected(() => rpc.request('eth_blockNumber'))
    expect(e).toBeInstanceOf(RpcError)
    expect(seen).toHaveLength(6)
    expect(sleeps).toHaveLength(2) // after rounds 1 and 2; none after the last attempt
    expect(sleeps[0]).toBeGreaterThanOrEqual(50)
    expect(sleeps[1]).toBeGreaterThanOrEqual(100)
  })

  it('times out a hanging endpoint and fails over (F-01)', async () => {
    jest.useFakeTimers()
    try {
      const { transport } = scripted({ [A]: [() => 'hang'], [B]: [ok('0x7')] })
      const { rpc } = client(transport, [A, B], { requestTimeoutMs: 500 })
      const p = rpc.request('eth_blockNumber')
      await jest.advanceTimersByTimeAsync(600)
      expect(await p).toBe('0x7')
      expect(rpc.stats()[0]).toMatchObject({ timeouts: 1 })
    } finally {
      jest.useRealTimers()
    }
  })

  it('raises RpcTimeoutError when the only endpoint hangs', async () => {
    jest.useFakeTimers()
    try {
      const { transport } = scripted({ [A]: [() => 'hang'] })
      const { rpc } = client(transport, [A], { requestTimeoutMs: 500, maxAttempts: 1 })
      const p = rejected(() => rpc.request('eth_blockNumber'))
      await jest.advanceTimersByTimeAsync(600)
      expect(await p).toBeInstanceOf(RpcTimeoutError)
    } finally {
      jest.useRealTimers()
    }
  })

  it('opens the circuit breaker of an endpoint after repeated failures', async () => {
    const { transport, seen } = scripted({ [A]: [() => ({ status: 500, text: '' })], [B]: [ok('0x2')] })
    const { rpc } = client(transport, [A, B])
    for (let k = 0; k < 3; k++) await rpc.request('x', [], { endpoints: [0, 1] })
    expect(rpc.isOpen(0)).toBe(true)
    seen.length = 0
    await rpc.request('x')
    expect(seen).toEqual([B])
  })
})
