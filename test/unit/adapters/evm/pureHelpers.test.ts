import { backoffDelayMs } from '../../../../adapters/evm/backoffDelayMs.js'
import { bumpedFees, initialFees } from '../../../../adapters/evm/feePolicy.js'
import { type EvmAdapterOptions, parseEvmAdapterOptions } from '../../../../adapters/evm/options.js'
import { redactUrl } from '../../../../adapters/evm/redactUrl.js'
import {
  classifySendFault,
  isExecutionRevert,
  type JsonRpcFault,
  revertDataOf,
  toRelayError,
} from '../../../../adapters/evm/toRelayError.js'
import { ConfigInvalidError, RpcError, RpcTimeoutError } from '../../../../errors.js'
import { thrown } from '../../../harness/thrown.js'

const KEY = `0x${'11'.repeat(32)}` as const
const base: EvmAdapterOptions = {
  chain: 'evm:31337',
  chainId: 31337n,
  domain: 7,
  rpcUrls: ['http://127.0.0.1:8545'],
  bridge: `0x${'ab'.repeat(20)}`,
  finality: { mode: 'confirmations', confirmations: 3 },
  signerKey: KEY,
  maxFeePerGasCapWei: 10n ** 11n,
}
const fault = (code: number, message: string, data?: unknown): JsonRpcFault => ({
  kind: 'json-rpc-fault',
  code,
  message,
  data,
})

describe('parseEvmAdapterOptions', () => {
  it('fills in defaults when only the required options are given', () => {
    const o = parseEvmAdapterOptions(base)
    expect(o.bumpPercent).toBe(12.5)
    expect(o.destinationConfirmations).toBe(1)
    expect(o.maxLogRangeBlocks).toBe(2000)
  })

  it('lists every issue and never the key when options are invalid', () => {
    const e = thrown(() =>
      parseEvmAdapterOptions({
        ...base,
        rpcUrls: [],
        bumpPercent: 5,
        chain: 'evm:1',
        signerKey: '0x1234' as `0x${string}`,
      }),
    ) as ConfigInvalidError
    expect(e).toBeInstanceOf(ConfigInvalidError)
    expect(e.issues.map((i) => i.path).sort()).toEqual(['bumpPercent', 'chain', 'rpcUrls', 'signerKey'])
    expect(e.message).not.toContain('0x1234')
  })

  it('refuses a non-http RPC URL', () => {
    const e = thrown(() => parseEvmAdapterOptions({ ...base, rpcUrls: ['ws://127.0.0.1:1'] })) as ConfigInvalidError
    expect(e.issues[0]?.path).toBe('rpcUrls.0')
  })
})

describe('redactUrl', () => {
  it('removes credentials, query strings and key-like path segments', () => {
    expect(redactUrl('https://user:secret@rpc.example.org/v3/0123456789abcdef0123?apikey=x')).toBe(
      'https://rpc.example.org/v3/***?***',
    )
  })
  it('keeps a plain loopback URL readable', () => {
    expect(redactUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545')
  })
})

describe('backoffDelayMs', () => {
  it('grows exponentially and stays within the cap when the jitter is maximal', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000])
  })
  it('never falls below half the step when the jitter is minimal', () => {
    expect(backoffDelayMs(3, 100, 1000, () => 0)).toBe(200)
  })
})

describe('toRelayError', () => {
  const ctx = { chain: 'evm:1' as const, method: 'eth_call', endpoint: 'http://127.0.0.1:1' }
  it('keeps a JSON-RPC revert as cause and marks it not retryable', () => {
    const f = fault(3, 'execution reverted', '0x12345678')
    const e = toRelayError(f, ctx)
    expect(e).toBeInstanceOf(RpcError)
    expect(e.retryable).toBe(false)
    expect(e.cause).toBe(f)
    expect(revertDataOf(e)).toBe('0x12345678')
    expect(isExecutionRevert(e)).toBe(true)
  })
  it('reads EDR-style nested revert data', () => {
    expect(revertDataOf(fault(-32603, 'VM Exception', { message: 'x', data: '0xdeadbeef' }))).toBe('0xdeadbeef')
  })
  it('marks rate limits and internal errors retryable', () => {
    expect(toRelayError(fault(-32005, 'limit exceeded'), ctx).retryable).toBe(true)
    expect(toRelayError(fault(-32603, 'internal error'), ctx).retryable).toBe(true)
    expect(toRelayError(fault(-32000, 'Too Many Requests'), ctx).retryable).toBe(true)
  })
  it('maps a timeout DOMException to RpcTimeoutError', () => {
    expect(toRelayError(new DOMException('t', 'TimeoutError'), { ...ctx, timeoutMs: 5 })).toBeInstanceOf(
      RpcTimeoutError,
    )
  })
  it('treats a JSON syntax error (garbled answer) as retryable', () => {
    let syntax: unknown
    try {
      JSON.parse('{"a":')
    } catch (e) {
      syntax = e
    }
    expect(toRelayError(syntax, ctx).retryable).toBe(true)
  })
})

describe('classifySendFault', () => {
  it.each([
    ['Nonce too low. Expected nonce to be 1 but got 0.', 'nonce-too-low'],
    ['nonce too high', 'nonce-too-high'],
    ['Known transaction: 0xab', 'already-known'],
    ['already known', 'already-known'],
    ['Replacement transaction underpriced.', 'underpriced'],
    ['insufficient funds', 'other'],
  ] as const)('classifies "%s" as %s', (message, kind) => {
    expect(
      classifySendFault(
        new RpcError({ chain: 'evm:1', method: 'eth_sendRawTransaction', cause: fault(-32000, message) }),
      ),
    ).toBe(kind)
  })
})

describe('fee policy', () => {
  it('starts at 2 × base fee + tip under the cap', () => {
    expect(initialFees(10n, 2n, 1000n)).toEqual({ maxFeePerGasWei: 22n, maxPriorityFeePerGasWei: 2n })
  })
  it('caps both fees', () => {
    expect(initialFees(1000n, 50n, 30n)).toEqual({ maxFeePerGasWei: 30n, maxPriorityFeePerGasWei: 30n })
  })
  it('bumps both fees by at least the bump percentage, rounding up', () => {
    const prev = { maxFeePerGasWei: 1000n, maxPriorityFeePerGasWei: 100n }
    expect(bumpedFees(prev, { maxFeePerGasWei: 1n, maxPriorityFeePerGasWei: 1n }, 12.5, 10_000n)).toEqual({
      maxFeePerGasWei: 1125n,
      maxPriorityFeePerGasWei: 113n,
    })
  })
  it('follows a fresh estimate above the bump', () => {
    const prev = { maxFeePerGasWei: 1000n, maxPriorityFeePerGasWei: 100n }
    expect(
      bumpedFees(prev, { maxFeePerGasWei: 5000n, maxPriorityFeePerGasWei: 100n }, 12.5, 4000n)?.maxFeePerGasWei,
    ).toBe(4000n)
  })
  it('gives up when the cap leaves no room for a full bump', () => {
    const prev = { maxFeePerGasWei: 1000n, maxPriorityFeePerGasWei: 100n }
    expect(bumpedFees(prev, prev, 12.5, 1100n)).toBeUndefined()
  })
})
