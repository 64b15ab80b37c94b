import { pino } from 'pino'
import { createRpcClient, type RpcTransport } from '../../../../adapters/evm/createRpcClient.js'
import type { RpcCallRecord } from '../../../../adapters/index.js'
import { rejected } from '../../../harness/thrown.js'

const log = pino({ level: 'silent' })
const KEYED = 'https://user:secret@rpc.example.test/v3/0123456789abcdef0123?apikey=zz'
const PLAIN = 'http://127.0.0.1:8545'

describe('createRpcClient calls$ (metrics feed)', () => {
  it('reports every attempt with the redacted endpoint, the method, the duration and the error code', async () => {
    let t = 0
    const transport: RpcTransport = async (url, body) => {
      t += 7
      const id = (JSON.parse(body) as { id: number }).id
      return url === KEYED
        ? { status: 503, text: 'busy' }
        : { status: 200, text: JSON.stringify({ jsonrpc: '2.0', id, result: '0x2a' }) }
    }
    const rpc = createRpcClient({
      chain: 'evm:1',
      urls: [KEYED, PLAIN],
      requestTimeoutMs: 1_000,
      maxAttempts: 2,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      log,
      transport,
      now: () => t,
      sleep: async () => {},
    })
    const calls: RpcCallRecord[] = []
    const sub = rpc.calls$.subscribe((c) => calls.push(c))
    expect(await rpc.request('eth_blockNumber')).toBe('0x2a')
    expect(calls).toEqual([
      {
        chain: 'evm:1',
        endpoint: 'https://rpc.example.test/v3/***?***',
        method: 'eth_blockNumber',
        durationMs: 7,
        errorCode: 'RPC_ERROR',
      },
      { chain: 'evm:1', endpoint: PLAIN, method: 'eth_blockNumber', durationMs: 7 },
    ])
    expect(JSON.stringify(calls)).not.toContain('secret')
    sub.unsubscribe()
  })

  it('reports nothing when no one listens, and failures still throw', async () => {
    const rpc = createRpcClient({
      chain: 'evm:1',
      urls: [PLAIN],
      requestTimeoutMs: 1_000,
      maxAttempts: 1,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      log,
      transport: async () => ({ status: 500, text: '' }),
    })
    expect(await rejected(() => rpc.request('eth_chainId'))).toMatchObject({ code: 'RPC_ERROR' })
  })
})
