import { jest } from '@jest/globals'
import { computeAddress, keccak256, toUtf8Bytes } from 'ethers'
import type { Logger } from 'pino'
import { pino } from 'pino'
import { EMPTY } from 'rxjs'
import type { ChainAdapter, CommitteeInfo } from '../../../adapters/index.js'
import { CommitteeMismatchError, ConfigInvalidError, RpcError } from '../../../errors.js'
import { evmBridgeRef } from '../../../protocol/index.js'
import {
  backoffMs,
  checkCommittee,
  createRelayerNode,
  createRouteInfoCache,
  DEFAULT_TUNING,
  preflightRelayer,
  resolveTuning,
} from '../../../relayer/index.js'
import type { ChainRef, Hex } from '../../../types.js'
import { rejected, thrown } from '../../harness/thrown.js'

const key = (n: number) => keccak256(toUtf8Bytes(`member ${n}`)) as Hex
const addr = (n: number) => computeAddress(key(n)).toLowerCase() as Hex
const COMMITTEE: CommitteeInfo = { epoch: 3n, signers: [addr(1), addr(2), addr(3)], threshold: 2 }
const EXPECTED = { epoch: 3n, threshold: 2, members: [addr(3), addr(1), addr(2)] }
const silent: Logger = pino({ level: 'silent' })

/** A fake chain adapter (STYLE.md §7: relayer logic through fakes of the adapter interface). */
const fakeAdapter = (chain: ChainRef, domain: number, committee: () => Promise<CommitteeInfo>): ChainAdapter => ({
  chain,
  domain,
  bridgeRef: evmBridgeRef(BigInt(domain), `0x${'b'.repeat(40)}`),
  observe$: () => EMPTY,
  deliver: async () => [],
  deliverProgress$: () => EMPTY,
  release: async () => ({ id: `0x${'0'.repeat(64)}`, status: 'deferred' }),
  latestHead: async () => ({ number: 1n, hash: `0x${'1'.repeat(64)}`, timestamp: 0n }),
  isDelivered: async () => false,
  committee,
  preflight: async () => ({ chain, chainIdentity: chain, bridge: `0x${'b'.repeat(40)}`, headNumber: 1n, checks: [] }),
  close: async () => {},
})

describe('checkCommittee', () => {
  it('passes when the chain stores the configured committee and the key is a member', () => {
    expect(checkCommittee('evm:2', COMMITTEE, EXPECTED, addr(2))).toEqual([
      `committee epoch 3, 2-of-3, includes ${addr(2)}`,
    ])
  })

  it.each([
    [
      'the key is not a member',
      COMMITTEE,
      EXPECTED,
      addr(9),
      /attestation key .* is not a member of committee epoch 3/,
    ],
    ['the epoch differs', { ...COMMITTEE, epoch: 4n }, EXPECTED, addr(1), /the chain is at epoch 4, the config says 3/],
    ['the threshold differs', { ...COMMITTEE, threshold: 3 }, EXPECTED, addr(1), /threshold is 3, the config says 2/],
    [
      'the members differ',
      COMMITTEE,
      { ...EXPECTED, members: [addr(1), addr(2), addr(4)] },
      addr(1),
      /members differ \(not on chain: 0x[0-9a-f]{40}; not in config: 0x[0-9a-f]{40}\)/,
    ],
  ] as const)('throws CommitteeMismatchError when %s', (_, onChain, expected, signer, message) => {
    const e = thrown(() => checkCommittee('evm:2', onChain, expected, signer))
    expect(e).toBeInstanceOf(CommitteeMismatchError)
    expect((e as Error).message).toMatch(message)
  })
})

describe('preflightRelayer', () => {
  const chains = (committee: CommitteeInfo) =>
    (['evm:1', 'evm:2'] as const).map((c, i) => ({
      adapter: fakeAdapter(c, i + 1, async () => committee),
      startBlock: 0n,
      trust: { chainId: BigInt(i + 1), bridge: `0x${'b'.repeat(40)}` as Hex },
    }))

  it("checks the committee of every route's destination only", async () => {
    const r = await preflightRelayer({
      chains: chains(COMMITTEE),
      routes: [{ from: 'evm:1', to: 'evm:2' }],
      expected: EXPECTED,
      signer: addr(1),
      log: silent,
    })
    expect(Object.keys(r.committees)).toEqual(['evm:2'])
    expect(r.chains.map((c) => c.chain)).toEqual(['evm:1', 'evm:2'])
  })

  it('fails on the first destination whose committee does not match', async () => {
    const e = await rejected(() =>
      preflightRelayer({
        chains: chains({ ...COMMITTEE, epoch: 9n }),
        routes: [{ from: 'evm:1', to: 'evm:2' }],
        expected: EXPECTED,
        signer: addr(1),
        log: silent,
      }),
    )
    expect(e).toBeInstanceOf(CommitteeMismatchError)
  })
})

describe('createRouteInfoCache', () => {
  it('reads a destination committee once per ttl and shares concurrent reads', async () => {
    let nowMs = 0
    const read = jest.fn(async () => COMMITTEE)
    const cache = createRouteInfoCache([fakeAdapter('evm:2', 2, read)], { ttlMs: 1_000, nowMs: () => nowMs })
    const [x, y] = await Promise.all([cache.routeFor(2), cache.routeFor(2)])
    expect(x).toEqual({ committee: COMMITTEE, destinationBridge: evmBridgeRef(2n, `0x${'b'.repeat(40)}`) })
    expect(y).toBe(x)
    nowMs = 999
    await cache.routeFor(2)
    expect(read).toHaveBeenCalledTimes(1)
    nowMs = 1_000
    await cache.routeFor(2)
    expect(read).toHaveBeenCalledTimes(2)
  })

  it('answers undefined for a domain it does not serve', async () => {
    const cache = createRouteInfoCache([], { ttlMs: 1_000 })
    expect(await cache.routeFor(7)).toBeUndefined()
  })

  it('does not keep a failed read', async () => {
    let calls = 0
    const read = async () => {
      calls++
      if (calls === 1) throw new RpcError({ chain: 'evm:2', method: 'eth_call' })
      return COMMITTEE
    }
    const cache = createRouteInfoCache([fakeAdapter('evm:2', 2, read)], { ttlMs: 60_000 })
    expect(await rejected(() => cache.routeFor(2))).toBeInstanceOf(RpcError)
    expect((await cache.routeFor(2))?.committee.epoch).toBe(3n)
  })
})

describe('createRelayerNode', () => {
  const base = {
    memberId: 'relayer-1',
    attestationKey: key(1),
    chains: (['evm:1', 'evm:2'] as const).map((c, i) => ({
      adapter: fakeAdapter(c, i + 1, async () => COMMITTEE),
      startBlock: 0n,
      trust: { chainId: BigInt(i + 1), bridge: `0x${'b'.repeat(40)}` as Hex },
    })),
    routes: [{ from: 'evm:1' as const, to: 'evm:2' as const }],
    js: {} as never,
    log: silent,
  }

  it('derives the signer address from the attestation key', () => {
    expect(createRelayerNode(base).signer).toBe(addr(1))
  })

  it.each([
    ['a member id that cannot be a subject token', { memberId: 'relayer.1' }, 'memberId'],
    ['an invalid attestation key', { attestationKey: `0x${'00'.repeat(32)}` as Hex }, 'attestationKey'],
    ['a route to an unknown chain', { routes: [{ from: 'evm:1' as const, to: 'evm:9' as const }] }, 'routes.0.to'],
  ])('refuses %s', (_, over, path) => {
    const e = thrown(() => createRelayerNode({ ...base, ...over }))
    expect(e).toBeInstanceOf(ConfigInvalidError)
    expect((e as ConfigInvalidError).issues.map((i) => i.path)).toContain(path)
  })
})

describe('backoffMs and resolveTuning', () => {
  it('grows exponentially with jitter between half and all of the step, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 100, 1_000, () => 1))).toEqual([100, 200, 400, 800])
    expect([1, 2, 3].map((n) => backoffMs(n, 100, 1_000, () => 0))).toEqual([50, 100, 200])
    expect(backoffMs(60, 100, 1_000, () => 1)).toBe(1_000)
  })

  it('fills in the defaults and keeps what is given', () => {
    expect(resolveTuning({ maxDeliveryBatch: 5 })).toEqual({ ...DEFAULT_TUNING, maxDeliveryBatch: 5 })
  })
})
