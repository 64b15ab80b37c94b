import type { HardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { setLargeTransfer, setRateLimit } from '../../../contracts/deploy.js'
import {
  asRelayer,
  certify,
  decodeRevert,
  deliver,
  eventsOf,
  type Fixture,
  increaseTime,
  revertOf,
  STATUS,
  statusOf,
  transferMessage,
  useFixture,
} from './fixture.js'

const BENEFICIARY = '0x00000000000000000000000000000000000000e2'

let node: HardhatNode
let f: Fixture
useFixture((n, fx) => {
  node = n
  f = fx
})

const supply = async (): Promise<bigint> => f.wrapped.getFunction('totalSupply')()
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait()

describe('Bridge rate limit (NT-03)', () => {
  it('rejects what the bucket cannot take, never partially, and a single transfer above capacity even when full', async () => {
    await setRateLimit(f.bridge, { assetId: f.remoteAsset, capacity: 100n, refillPerSecond: 0n })
    await deliver(f, transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 60n, to: BENEFICIARY }))
    const over = transferMessage({ nonce: 2n, asset: f.remoteAsset, amount: 50n, to: BENEFICIARY })
    expect(await revertOf(asRelayer(f).getFunction('deliver')(over.encoded, 1n, certify(f, over.id)))).toEqual({
      name: 'RateLimited',
      args: [f.remoteAsset],
    })
    expect(await statusOf(f, over.id)).toBe(STATUS.none)
    expect(await supply()).toBe(60n)

    await setRateLimit(f.bridge, { assetId: f.remoteAsset, capacity: 100n, refillPerSecond: 1000n })
    await increaseTime(node, 3600)
    const huge = transferMessage({ nonce: 3n, asset: f.remoteAsset, amount: 101n, to: BENEFICIARY })
    expect((await revertOf(asRelayer(f).getFunction('deliver')(huge.encoded, 1n, certify(f, huge.id)))).name).toBe(
      'RateLimited',
    )
    expect(await supply()).toBe(60n)
  })

  it('refills in chain time up to capacity, with no double refill after a time jump (F-29)', async () => {
    await setRateLimit(f.bridge, { assetId: f.remoteAsset, capacity: 100n, refillPerSecond: 10n })
    await deliver(f, transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 100n, to: BENEFICIARY }))
    const next = transferMessage({ nonce: 2n, asset: f.remoteAsset, amount: 50n, to: BENEFICIARY })
    expect((await revertOf(asRelayer(f).getFunction('deliver')(next.encoded, 1n, certify(f, next.id)))).name).toBe(
      'RateLimited',
    )
    await increaseTime(node, 5)
    await deliver(f, next)
    await increaseTime(node, 86_400)
    const [, , , available] = await f.bridge.getFunction('rateLimitOf')(f.remoteAsset)
    expect(available).toBe(100n)
    expect(await supply()).toBe(150n)
  })

  it('skips a rate-limited transfer in a batch (status None) and delivers it once refilled (F-26)', async () => {
    await setRateLimit(f.bridge, { assetId: f.remoteAsset, capacity: 10n, refillPerSecond: 1n })
    const a = transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 8n, to: BENEFICIARY })
    const b = transferMessage({ nonce: 2n, asset: f.remoteAsset, amount: 8n, to: BENEFICIARY })
    const receipt = await tx(
      asRelayer(f).getFunction('deliverBatch')([a.encoded, b.encoded], 1n, [certify(f, a.id), certify(f, b.id)]),
    )
    const skipped = eventsOf(f.bridge, (receipt as { logs: never[] }).logs, 'DeliverySkipped')
    expect(skipped.map((e) => [e.args.id, Number(e.args.reason)])).toEqual([[b.id, 2]])
    expect([await statusOf(f, a.id), await statusOf(f, b.id)]).toEqual([STATUS.delivered, STATUS.none])
    await increaseTime(node, 10)
    await deliver(f, b)
    expect(await supply()).toBe(16n)
  })
})

describe('Bridge large-transfer delay (NT-17)', () => {
  const queue = async (nonce: bigint, amount: bigint) => {
    const m = transferMessage({ nonce, asset: f.remoteAsset, amount, to: BENEFICIARY })
    const receipt = await deliver(f, m)
    const [queued] = eventsOf(f.bridge, receipt.logs, 'TransferQueued')
    const block = await f.provider.getBlock(receipt.blockNumber)
    expect(queued!.args.releaseAt).toBe(BigInt(block!.timestamp) + 3600n)
    return { m, releaseAt: queued!.args.releaseAt as bigint }
  }

  beforeEach(async () => {
    await setLargeTransfer(f.bridge, { assetId: f.remoteAsset, threshold: 1000n, delaySeconds: 3600n })
  })

  it('delivers below the threshold at once and queues at or above it', async () => {
    await deliver(f, transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 999n, to: BENEFICIARY }))
    const { m, releaseAt } = await queue(2n, 1000n)
    expect(await statusOf(f, m.id)).toBe(STATUS.queued)
    expect(await f.bridge.getFunction('queuedReleaseAt')(m.id)).toBe(releaseAt)
    expect(await supply()).toBe(999n)
  })

  it('treats re-submission during the delay as a no-op, releases once after it, even after a time jump (F-29)', async () => {
    const { m } = await queue(1n, 5000n)
    expect(await revertOf(asRelayer(f).getFunction('deliver')(m.encoded, 1n, certify(f, m.id)))).toEqual({
      name: 'AlreadyDelivered',
      args: [m.id],
    })
    const batch = await tx(asRelayer(f).getFunction('deliverBatch')([m.encoded], 1n, [certify(f, m.id)]))
    expect(eventsOf(f.bridge, (batch as { logs: never[] }).logs, 'DeliverySkipped')).toHaveLength(1)
    expect((await revertOf(f.bridge.getFunction('releaseQueued')(m.encoded))).name).toBe('ReleaseTooEarly')
    expect(await supply()).toBe(0n)

    await increaseTime(node, 86_400)
    await tx(f.bridge.connect(f.user).getFunction('releaseQueued')(m.encoded))
    expect(await supply()).toBe(5000n)
    expect(await statusOf(f, m.id)).toBe(STATUS.delivered)
    expect(await revertOf(f.bridge.getFunction('releaseQueued')(m.encoded))).toEqual({
      name: 'UnexpectedStatus',
      args: [m.id, 1n],
    })
  })

  it('lets only the guardian cancel a queued transfer, which then never executes', async () => {
    const { m } = await queue(1n, 2000n)
    expect((await revertOf(f.bridge.connect(f.user).getFunction('cancelQueued')(m.id))).name).toBe('NotGuardian')
    const receipt = await tx(f.bridge.connect(f.guardian).getFunction('cancelQueued')(m.id))
    expect(eventsOf(f.bridge, (receipt as { logs: never[] }).logs, 'TransferCancelled')).toHaveLength(1)
    expect(await statusOf(f, m.id)).toBe(STATUS.cancelled)
    await increaseTime(node, 3600)
    expect(await revertOf(f.bridge.getFunction('releaseQueued')(m.encoded))).toEqual({
      name: 'UnexpectedStatus',
      args: [m.id, 4n],
    })
    expect((await revertOf(asRelayer(f).getFunction('deliver')(m.encoded, 1n, certify(f, m.id)))).name).toBe(
      'AlreadyDelivered',
    )
    expect(await supply()).toBe(0n)
  })
})

describe('Bridge failure reasons', () => {
  it('fails an unlock the home token refuses, then retries it once liquidity is back', async () => {
    const m = transferMessage({ nonce: 1n, asset: f.homeAsset, amount: 10n ** 25n, to: BENEFICIARY })
    const receipt = await deliver(f, m)
    const [failed] = eventsOf(f.bridge, receipt.logs, 'DeliveryFailed')
    expect(decodeRevert(failed!.args.reason).name).toBe('InsufficientBalance')
    await tx(f.home.getFunction('mint')(f.address, 10n ** 25n))
    await tx(f.bridge.getFunction('retryFailed')(m.encoded))
    expect(await f.home.getFunction('balanceOf')(BENEFICIARY)).toBe(10n ** 25n)
  })
})
