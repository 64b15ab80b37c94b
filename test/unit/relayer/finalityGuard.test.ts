import { FinalityDowngradeError } from '../../../errors.js'
import {
  advanceCursor,
  checkFinalitySettings,
  compareFinality,
  cursorKey,
  describeFinality,
  type FinalitySetting,
  tryGetCursorRecord,
} from '../../../relayer/index.js'
import type { Hex } from '../../../types.js'
import { rejected } from '../../harness/thrown.js'
import { captureLog, memoryKv } from './fakeNats.js'

const TAG: FinalitySetting = { mode: 'finalized-tag' }
const conf = (n: number): FinalitySetting => ({ mode: 'confirmations', confirmations: n })
const HASH = `0x${'AB'.repeat(32)}` as Hex

describe('compareFinality', () => {
  it.each([
    [undefined, conf(3), 'unrecorded'],
    [conf(3), conf(3), 'same'],
    [TAG, TAG, 'same'],
    [conf(3), conf(12), 'stronger'],
    [conf(64), TAG, 'stronger'],
    [conf(12), conf(3), 'weaker'],
    [TAG, conf(10_000), 'weaker'],
  ] as const)('recorded %j, configured %j: %s', (recorded, configured, verdict) => {
    expect(compareFinality(recorded, configured)).toBe(verdict)
  })

  it('describes settings for operators', () => {
    expect([describeFinality(TAG), describeFinality(conf(1)), describeFinality(conf(12))]).toEqual([
      'finalized-tag',
      '1 confirmation',
      '12 confirmations',
    ])
  })
})

describe('cursor records (I6 ranges, F-36 setting)', () => {
  it('records the scanned range, its end hash and the finality setting with each move', async () => {
    const kv = memoryKv()
    await advanceCursor(kv, 'relayer-1', 'evm:1', 20n, () => new Date(0), {
      fromBlock: 11n,
      toBlockHash: HASH,
      finality: conf(3),
    })
    expect(await tryGetCursorRecord(kv, 'relayer-1', 'evm:1')).toEqual({
      v: 1,
      block: '20',
      updatedAt: new Date(0).toISOString(),
      fromBlock: '11',
      toBlock: '20',
      toBlockHash: HASH.toLowerCase(),
      finality: conf(3),
    })
    // A replay of an older range writes nothing.
    expect(
      await advanceCursor(kv, 'relayer-1', 'evm:1', 15n, () => new Date(1), { fromBlock: 5n, toBlockHash: HASH }),
    ).toEqual({ block: 20n, advanced: false })
  })

  it('reads records of older relayers (block only)', async () => {
    const kv = memoryKv()
    await advanceCursor(kv, 'relayer-1', 'evm:1', 9n)
    expect(await tryGetCursorRecord(kv, 'relayer-1', 'evm:1')).toEqual({
      v: 1,
      block: '9',
      updatedAt: expect.any(String),
    })
  })
})

describe('checkFinalitySettings (F-36)', () => {
  const setup = async (recorded: FinalitySetting | undefined) => {
    const kv = memoryKv()
    await advanceCursor(kv, 'relayer-1', 'evm:1', 100n, () => new Date(0), {
      fromBlock: 50n,
      toBlockHash: HASH,
      ...(recorded ? { finality: recorded } : {}),
    })
    return kv
  }

  it('refuses fewer confirmations, naming the chain, both settings and the scanned block', async () => {
    const { log } = captureLog()
    const cursors = await setup(conf(12))
    const e = await rejected(() =>
      checkFinalitySettings({
        cursors,
        memberId: 'relayer-1',
        chains: [{ chain: 'evm:1', finality: conf(3) }],
        allowDowngrade: false,
        log,
      }),
    )
    expect(e).toBeInstanceOf(FinalityDowngradeError)
    expect((e as FinalityDowngradeError).code).toBe('FINALITY_DOWNGRADE')
    expect((e as Error).message.split('\n')[0]).toBe(
      'Finality on evm:1 was lowered from 12 confirmations to 3 confirmations after blocks up to 100 were scanned with the stronger setting; set relayer.allowFinalityDowngrade: true to migrate.',
    )
  })

  it('refuses confirmations after the finalized tag', async () => {
    const { log } = captureLog()
    const cursors = await setup(TAG)
    const e = await rejected(() =>
      checkFinalitySettings({
        cursors,
        memberId: 'relayer-1',
        chains: [{ chain: 'evm:1', finality: conf(64) }],
        allowDowngrade: false,
        log,
      }),
    )
    expect(e).toBeInstanceOf(FinalityDowngradeError)
    expect((e as FinalityDowngradeError).meta).toMatchObject({
      chain: 'evm:1',
      recorded: 'finalized-tag',
      configured: '64 confirmations',
    })
  })

  it('accepts a downgrade the config allows, logged at warn as a migration', async () => {
    const { log, lines } = captureLog()
    const cursors = await setup(conf(12))
    const r = await checkFinalitySettings({
      cursors,
      memberId: 'relayer-1',
      chains: [{ chain: 'evm:1', finality: conf(3) }],
      allowDowngrade: true,
      log,
    })
    expect(r).toEqual([{ chain: 'evm:1', verdict: 'weaker', recorded: conf(12), configured: conf(3) }])
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        migration: 'finality-downgrade',
        chain: 'evm:1',
        recorded: '12 confirmations',
        configured: '3 confirmations',
      }),
    ])
  })

  it('accepts the same, a stronger, an unrecorded setting and a first start', async () => {
    const { log } = captureLog()
    for (const [recorded, configured, verdict] of [
      [conf(3), conf(3), 'same'],
      [conf(3), TAG, 'stronger'],
      [undefined, conf(1), 'unrecorded'],
    ] as const) {
      const cursors = await setup(recorded)
      const r = await checkFinalitySettings({
        cursors,
        memberId: 'relayer-1',
        chains: [{ chain: 'evm:1', finality: configured }],
        allowDowngrade: false,
        log,
      })
      expect(r.map((x) => x.verdict)).toEqual([verdict])
    }
    const empty = memoryKv()
    const r = await checkFinalitySettings({
      cursors: empty,
      memberId: 'relayer-1',
      chains: [{ chain: 'evm:2', finality: conf(1) }],
      allowDowngrade: false,
      log,
    })
    expect(r).toEqual([{ chain: 'evm:2', verdict: 'unrecorded', configured: conf(1) }])
    expect(empty.values.has(cursorKey('relayer-1', 'evm:2'))).toBe(false)
  })
})
