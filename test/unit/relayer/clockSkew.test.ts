import { jest } from '@jest/globals'
import { lastValueFrom, Subject, toArray } from 'rxjs'
import type { ChainHead } from '../../../adapters/index.js'
import { RpcError } from '../../../errors.js'
import { clockSkew$, createClockSkewCheck, type HeadSource, type NodeActivity } from '../../../relayer/index.js'
import type { ChainRef, Hex } from '../../../types.js'
import { captureLog } from './fakeNats.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 21, 15, 40)

/** A chain whose latest block has the timestamp `tsMs()` (a fake head source, no network). */
const chainAt = (chain: ChainRef, tsMs: () => number): HeadSource => ({
  chain,
  latestHead: async (): Promise<ChainHead> => ({
    number: 7n,
    hash: `0x${'77'.repeat(32)}` as Hex,
    timestamp: BigInt(Math.floor(tsMs() / 1000)),
  }),
})

describe('clock-skew health check (F-28)', () => {
  it('stays silent while every chain head is within the bound of the local clock', async () => {
    const { log, lines } = captureLog()
    const check = createClockSkewCheck({
      chains: [chainAt('evm:1', () => T0 - 9 * MIN), chainAt('evm:2', () => T0 + 9 * MIN)],
      now: () => new Date(T0),
      maxSkewMs: 10 * MIN,
      log,
    })
    expect(await check()).toEqual([])
    expect(lines.filter((l) => l.level === 'error')).toEqual([])
  })

  it('raises an alarm with a per-chain clock_skew_alarm counter for a host 10+ minutes off, either way', async () => {
    const { log, lines } = captureLog()
    let localMs = T0 + 11 * MIN // this host runs 11 minutes ahead of evm:1, 19 behind evm:2
    let chain1Ms = T0
    const check = createClockSkewCheck({
      chains: [chainAt('evm:1', () => chain1Ms), chainAt('evm:2', () => T0 + 30 * MIN)],
      now: () => new Date(localMs),
      maxSkewMs: 10 * MIN,
      log,
    })
    expect(await check()).toEqual([
      { kind: 'clock-skew', chain: 'evm:1', skewMs: 11 * MIN, alarms: 1 },
      { kind: 'clock-skew', chain: 'evm:2', skewMs: -19 * MIN, alarms: 1 },
    ])
    expect((await check()).map((a) => (a as Extract<NodeActivity, { kind: 'clock-skew' }>).alarms)).toEqual([2, 2])
    const alarms = lines.filter((l) => l.level === 'error')
    expect(alarms).toHaveLength(4)
    expect(alarms[2]).toMatchObject({
      msg: 'ALERT clock skew between this host and the chain head',
      alert: 'clock-skew',
      clock_skew_alarm: 2,
      chain: 'evm:1',
      skewMs: 11 * MIN,
      chainTime: new Date(T0).toISOString(),
      localTime: new Date(localMs).toISOString(),
    })
    chain1Ms = T0 + 20 * MIN
    localMs = T0 + 25 * MIN // back within bounds for both
    expect(await check()).toEqual([])
    expect(lines.filter((l) => l.msg === 'clock skew back within bounds').map((l) => l['chain'])).toEqual([
      'evm:1',
      'evm:2',
    ])
  })

  it('skips a chain whose head cannot be read', async () => {
    const { log } = captureLog()
    const check = createClockSkewCheck({
      chains: [
        {
          chain: 'evm:1',
          latestHead: () => Promise.reject(new RpcError({ chain: 'evm:1', method: 'eth_getBlockByNumber' })),
        },
        chainAt('evm:2', () => T0 - 60 * MIN),
      ],
      now: () => new Date(T0),
      maxSkewMs: 10 * MIN,
      log,
    })
    expect((await check()).map((a) => (a as { chain: string }).chain)).toEqual(['evm:2'])
  })

  it('checks at once and then every everyMs until stop$ (fake timers)', async () => {
    jest.useFakeTimers({ now: T0 })
    try {
      const { log } = captureLog()
      let reads = 0
      const stop$ = new Subject<void>()
      const chain: HeadSource = {
        chain: 'evm:1',
        latestHead: async () => {
          reads++
          return { number: 1n, hash: `0x${'11'.repeat(32)}` as Hex, timestamp: BigInt(T0 / 1000) - 3_600n }
        },
      }
      const all = lastValueFrom(
        clockSkew$({ chains: [chain], now: () => new Date(), maxSkewMs: 10 * MIN, everyMs: MIN, log, stop$ }).pipe(
          toArray(),
        ),
      )
      await jest.advanceTimersByTimeAsync(2 * MIN + 1)
      expect(reads).toBe(3)
      stop$.next()
      const acts = await all
      expect(acts.map((a) => (a as { alarms: number }).alarms)).toEqual([1, 2, 3])
    } finally {
      jest.useRealTimers()
    }
  })
})
