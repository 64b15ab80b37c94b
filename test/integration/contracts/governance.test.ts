// Committee invariants and rotation, damage limits (rate limit, large-transfer delay, pause), outbound
// token checks and the external ABI of the Bridge, against a real hardhat node.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ContractFactory, Wallet } from 'ethers'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { loadArtifact } from '../../../contracts/artifacts.js'
import {
  deployBridge,
  deployTestToken,
  minThreshold,
  registerHomeAsset,
  setLargeTransfer,
  setRateLimit,
} from '../../../contracts/deploy.js'
import { ConfigInvalidError, DeployFailedError } from '../../../errors.js'
import { addressToBytes32, decodeBody, decodeMessage } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import { rejected } from '../../harness/thrown.js'
import {
  asRelayer,
  certify,
  committeeKeys,
  decodeRevert,
  deliver,
  deployContract,
  eventsOf,
  type Fixture,
  increaseTime,
  LOCAL,
  REMOTE,
  revertOf,
  STATUS,
  setupFixture,
  snapshotter,
  statusOf,
  transferMessage,
} from './fixture.js'

const BENEFICIARY = '0x00000000000000000000000000000000000000e2'

let node: HardhatNode
let f: Fixture
let reset: () => Promise<void>

beforeAll(async () => {
  node = await startHardhatNode({ chainId: 31337n })
  f = await setupFixture(node)
  reset = await snapshotter(node)
}, 60_000)
afterAll(async () => {
  f?.provider.destroy()
  await node?.stop()
})
afterEach(async () => reset())

const addresses = (keys: readonly string[]) => keys.map((k) => new Wallet(k).address)
const supply = async (): Promise<bigint> => f.wrapped.getFunction('totalSupply')()
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait()
const rawDeploy = (signers: string[], threshold: number, epoch = 1n) =>
  revertOf(
    new ContractFactory(loadArtifact('Bridge').abi, loadArtifact('Bridge').bytecode, f.deployer).deploy(
      LOCAL,
      signers,
      threshold,
      epoch,
      f.guardian.address,
      500_000,
    ),
  )

describe('Bridge committee invariants (NT-04, NT-08)', () => {
  it('refuses on-chain: empty committee, threshold 0 or N+1, a minority threshold, zero or duplicate signers, epoch 0', async () => {
    const s = addresses(committeeKeys(4))
    expect(await rawDeploy([], 0)).toEqual({ name: 'InvalidCommitteeSize', args: [0n] })
    expect(await rawDeploy(s.slice(0, 3), 0)).toEqual({ name: 'InvalidThreshold', args: [0n, 3n] })
    expect(await rawDeploy(s.slice(0, 3), 4)).toEqual({ name: 'InvalidThreshold', args: [4n, 3n] })
    expect(await rawDeploy(s, 2)).toEqual({ name: 'InvalidThreshold', args: [2n, 4n] })
    expect(await rawDeploy([s[0]!, `0x${'00'.repeat(20)}`, s[1]!], 2)).toEqual({
      name: 'InvalidSigner',
      args: [`0x${'00'.repeat(20)}`],
    })
    expect(await rawDeploy([s[0]!, s[1]!, s[0]!], 2)).toEqual({ name: 'InvalidSigner', args: [s[0]] })
    expect(await rawDeploy(s.slice(0, 3), 2, 0n)).toEqual({ name: 'InvalidEpoch', args: [0n] })
  })

  it('refuses more than 255 signers', async () => {
    const many = Array.from({ length: 256 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`)
    expect(await rawDeploy(many, 200)).toEqual({ name: 'InvalidCommitteeSize', args: [256n] })
  })

  it('validates the deploy helper inputs with typed errors naming the field, and the bft policy', async () => {
    const s = addresses(committeeKeys(7))
    const issuesOf = async (o: Partial<Parameters<typeof deployBridge>[0]>) => {
      const err = await rejected(() =>
        deployBridge({
          signer: f.deployer,
          localDomain: LOCAL,
          committee: { signers: s.slice(0, 3), threshold: 2 },
          ...o,
        }),
      )
      expect(err).toBeInstanceOf(ConfigInvalidError)
      return (err as ConfigInvalidError).issues.map((i) => i.path)
    }
    expect(await issuesOf({ committee: { signers: s.slice(0, 3), threshold: 2 }, policy: 'bft' })).toEqual([
      'committee.threshold',
    ])
    expect(await issuesOf({ committee: { signers: s.slice(0, 7), threshold: 4 }, policy: 'bft' })).toEqual([
      'committee.threshold',
    ])
    expect(await issuesOf({ committee: { signers: [s[0]!, s[0]!], threshold: 2 } })).toEqual(['committee.signers[1]'])
    expect(await issuesOf({ committee: { signers: [], threshold: 0 } })).toEqual([
      'committee.signers',
      'committee.threshold',
    ])
    expect(await issuesOf({ localDomain: -1, guardian: '0x1234', handleGasLimit: 5 })).toEqual([
      'localDomain',
      'guardian',
      'handleGasLimit',
    ])
    expect([minThreshold(3, 'bft'), minThreshold(4, 'bft'), minThreshold(7, 'bft'), minThreshold(4)]).toEqual([
      3, 3, 5, 3,
    ])
    const ok = await deployBridge({
      signer: f.deployer,
      localDomain: LOCAL,
      committee: { signers: s.slice(0, 4), threshold: 3 },
      policy: 'bft',
    })
    const [epoch, signers, threshold] = await ok.bridge.getFunction('committee')()
    expect([epoch, [...signers], Number(threshold)]).toEqual([1n, s.slice(0, 4), 3])
    expect(ok.deployBlock).toBeGreaterThan(0n)
  })

  it('delivers nothing with M−1 colluding signers; the message stays pending and delivers with the M-th (NT-08)', async () => {
    const m = transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 5n, to: BENEFICIARY })
    const err = await revertOf(
      asRelayer(f).getFunction('deliver')(m.encoded, 1n, certify(f, m.id, { keys: [f.keys[1]!] })),
    )
    expect(err.name).toBe('InsufficientSignatures')
    expect(await statusOf(f, m.id)).toBe(STATUS.none)
    await deliver(f, m, certify(f, m.id, { keys: [f.keys[1]!, f.keys[2]!] }))
    expect(await statusOf(f, m.id)).toBe(STATUS.delivered)
  })
})

describe('Bridge committee rotation (NT-02)', () => {
  const next = committeeKeys(3, 'next')

  it('accepts the old epoch only within its grace period, and never a revoked key under the new epoch', async () => {
    const receipt = await tx(f.bridge.getFunction('rotateCommittee')(addresses(next), 2, 3600n))
    const [rotated] = eventsOf(f.bridge, (receipt as { logs: never[] }).logs, 'CommitteeRotated')
    expect(rotated!.args.epoch).toBe(2n)
    const [epoch, signers] = await f.bridge.getFunction('committee')()
    expect([epoch, [...signers]]).toEqual([2n, addresses(next)])

    const inGrace = transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    await deliver(f, inGrace, certify(f, inGrace.id, { epoch: 1n }), 1n)
    const fresh = transferMessage({ nonce: 2n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    await deliver(f, fresh, certify(f, fresh.id, { epoch: 2n, keys: next.slice(1) }), 2n)

    const revoked = transferMessage({ nonce: 3n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const mixed = certify(f, revoked.id, { epoch: 2n, keys: [f.keys[0]!, next[0]!] })
    expect((await revertOf(asRelayer(f).getFunction('deliver')(revoked.encoded, 2n, mixed))).name).toBe(
      'NotCommitteeMember',
    )

    await increaseTime(node, 3601)
    const late = transferMessage({ nonce: 4n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const expired = await revertOf(asRelayer(f).getFunction('deliver')(late.encoded, 1n, certify(f, late.id)))
    expect(expired.name).toBe('EpochExpired')
    expect(expired.args[0]).toBe(1n)
    await deliver(f, late, certify(f, late.id, { epoch: 2n, keys: next.slice(0, 2) }), 2n)
    expect(await supply()).toBe(3n)
  })

  it('is owner-only and re-checks the committee invariants and the grace bound', async () => {
    const asUser = f.bridge.connect(f.user)
    expect((await revertOf(asUser.getFunction('rotateCommittee')(addresses(next), 2, 0n))).name).toBe('NotOwner')
    expect(await revertOf(f.bridge.getFunction('rotateCommittee')(addresses(next), 1, 0n))).toEqual({
      name: 'InvalidThreshold',
      args: [1n, 3n],
    })
    expect((await revertOf(f.bridge.getFunction('rotateCommittee')(addresses(next), 2, 31n * 86400n))).name).toBe(
      'InvalidGrace',
    )
  })

  it('expires the old epoch at once with zero grace', async () => {
    await tx(f.bridge.getFunction('rotateCommittee')(addresses(next), 2, 0n))
    const m = transferMessage({ nonce: 5n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    expect((await revertOf(asRelayer(f).getFunction('deliver')(m.encoded, 1n, certify(f, m.id)))).name).toBe(
      'EpochExpired',
    )
  })
})

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

describe('Bridge pause and roles', () => {
  it('stops deliver, dispatch, sendToken and retries while paused; only the guardian or owner toggles it', async () => {
    expect((await revertOf(f.bridge.connect(f.user).getFunction('pause')())).name).toBe('NotGuardian')
    await tx(f.bridge.connect(f.guardian).getFunction('pause')())
    const m = transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const to = addressToBytes32(BENEFICIARY)
    expect((await revertOf(asRelayer(f).getFunction('deliver')(m.encoded, 1n, certify(f, m.id)))).name).toBe(
      'BridgePaused',
    )
    expect((await revertOf(f.bridge.getFunction('dispatch')(REMOTE, to, '0x'))).name).toBe('BridgePaused')
    expect((await revertOf(f.bridge.getFunction('sendToken')(await f.home.getAddress(), 1n, REMOTE, to))).name).toBe(
      'BridgePaused',
    )
    expect((await revertOf(f.bridge.getFunction('retryFailed')(m.encoded))).name).toBe('BridgePaused')
    await tx(f.bridge.connect(f.guardian).getFunction('unpause')())
    await deliver(f, m)
    expect(await statusOf(f, m.id)).toBe(STATUS.delivered)
  })

  it('transfers ownership in two steps and bounds the handle gas limit', async () => {
    await tx(f.bridge.getFunction('transferOwnership')(f.user.address))
    expect((await revertOf(f.bridge.connect(f.relayer).getFunction('acceptOwnership')())).name).toBe('NotPendingOwner')
    await tx(f.bridge.connect(f.user).getFunction('acceptOwnership')())
    expect(await f.bridge.getFunction('owner')()).toBe(f.user.address)
    expect((await revertOf(f.bridge.getFunction('setGuardian')(f.deployer.address))).name).toBe('NotOwner')
    expect(await revertOf(f.bridge.connect(f.user).getFunction('setHandleGasLimit')(5000))).toEqual({
      name: 'InvalidGasLimit',
      args: [5000n],
    })
  })

  it('reports a failed governance step as DeployFailedError naming the step and the decoded revert', async () => {
    const { address } = await deployTestToken(f.deployer)
    const asUser = f.bridge.connect(f.user) as Fixture['bridge']
    const err = await rejected(() => registerHomeAsset(asUser, address))
    expect(err).toBeInstanceOf(DeployFailedError)
    expect((err as DeployFailedError).meta.step).toBe('registerHomeAsset')
    expect((err as DeployFailedError).message).toContain('NotOwner')
    const dup = await rejected(() =>
      registerHomeAsset(f.bridge, address).then(() => registerHomeAsset(f.bridge, address)),
    )
    expect((dup as DeployFailedError).message).toContain('AssetAlreadyRegistered')
  })
})

describe('Bridge.sendToken checks (NT-11, NT-15)', () => {
  const to = addressToBytes32(BENEFICIARY)
  const send = (token: string, amount: bigint) =>
    f.bridge.connect(f.user).getFunction('sendToken')(token, amount, REMOTE, to)

  it('refuses token 0, a codeless token, an unregistered token, zero amount and a zero beneficiary', async () => {
    const zero = `0x${'00'.repeat(20)}`
    expect(await revertOf(send(zero, 1n))).toEqual({ name: 'InvalidToken', args: [zero] })
    expect((await revertOf(send(BENEFICIARY, 1n))).name).toBe('InvalidToken')
    const { address } = await deployTestToken(f.deployer)
    expect(await revertOf(send(address, 1n))).toEqual({ name: 'UnregisteredToken', args: [address] })
    expect((await revertOf(send(await f.home.getAddress(), 0n))).name).toBe('ZeroAmount')
    const noBeneficiary = f.bridge.connect(f.user).getFunction('sendToken')(
      await f.home.getAddress(),
      1n,
      REMOTE,
      `0x${'00'.repeat(32)}`,
    )
    expect((await revertOf(noBeneficiary)).name).toBe('InvalidBeneficiary')
    expect((await revertOf(send(await f.home.getAddress(), 1n))).name).toBe('TokenCallFailed')
  })

  it('refuses a lying token unregistered, and credits nothing a registered one only claims to move (NT-11)', async () => {
    const liar = await deployContract('LyingToken', f.deployer, await f.home.getAddress())
    const addr = await liar.getAddress()
    expect(Number(await liar.getFunction('decimals')())).toBe(255)
    expect((await revertOf(send(addr, 10n))).name).toBe('UnregisteredToken')
    await registerHomeAsset(f.bridge, addr)
    expect(await revertOf(send(addr, 10n))).toEqual({ name: 'NothingReceived', args: [addr] })
  })

  it('credits the measured balance delta of a fee-on-transfer token (NT-15)', async () => {
    const { token, address } = await deployTestToken(f.deployer, { feeBps: 100 })
    const { assetId } = await registerHomeAsset(f.bridge, address)
    await tx(token.getFunction('mint')(f.user.address, 1000n))
    await tx(token.connect(f.user).getFunction('approve')(f.address, 1000n))
    const receipt = await tx(send(address, 1000n))
    const [ev] = eventsOf(f.bridge, (receipt as { logs: never[] }).logs, 'Dispatch')
    const body = decodeBody(decodeMessage(ev!.args.message as Hex).body)
    expect(body).toEqual({ kind: 'tokenTransfer', asset: assetId, amount: 990n, beneficiary: to })
    expect(await token.getFunction('balanceOf')(f.address)).toBe(990n)
  })

  it('burns a wrapped token on the way out and dispatches its asset id', async () => {
    await deliver(f, transferMessage({ nonce: 1n, asset: f.remoteAsset, amount: 30n, to: f.user.address }))
    const receipt = await tx(send(await f.wrapped.getAddress(), 12n))
    const [ev] = eventsOf(f.bridge, (receipt as { logs: never[] }).logs, 'Dispatch')
    expect(decodeBody(decodeMessage(ev!.args.message as Hex).body)).toMatchObject({ asset: f.remoteAsset, amount: 12n })
    expect(await supply()).toBe(18n)
    expect((await revertOf(send(await f.wrapped.getAddress(), 19n))).name).toBe('InsufficientBalance')
  })

  it('exposes exactly the allowed external functions and no fallback or receive (NT-15 ABI test)', () => {
    const abi = loadArtifact('Bridge').abi
    expect(abi.filter((x) => x.type === 'fallback' || x.type === 'receive')).toEqual([])
    const fns = abi
      .filter((x) => x.type === 'function')
      .map((x) => `${x.name}(${(x.inputs ?? []).map((i) => i.type).join(',')}) ${x.stateMutability}`)
      .sort()
    expect(fns).toEqual(ALLOWED_FUNCTIONS)
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

describe('contracts/deployCli.ts', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'contracts/deployCli.ts', ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      }),
    )
  const signers = addresses(committeeKeys(3))
  const base = [
    '--rpc',
    '',
    '--key-env',
    'ISTHMUS_TEST_DEPLOYER',
    '--domain',
    '7',
    '--signers',
    signers.join(','),
    '--threshold',
    '2',
  ]
  const withRpc = () => base.map((a, i) => (i === 1 ? node.rpcUrl : a))

  it('deploys the bridge and prints the deployment as JSON', async () => {
    const r = await cli(withRpc(), { ISTHMUS_TEST_DEPLOYER: HARDHAT_DEV_KEYS[5] })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as {
      address: string
      committee: { signers: string[]; threshold: number }
      localDomain: number
    }
    expect(out.committee).toEqual({ epoch: '1', signers, threshold: 2 })
    expect(out.localDomain).toBe(7)
    expect((await f.provider.getCode(out.address)).length).toBeGreaterThan(2)
  }, 60_000)

  it('exits 1 with a typed message for a missing key, a bad flag or a threshold the policy refuses', async () => {
    const noKey = await cli(withRpc())
    expect(noKey.code).toBe(1)
    expect(noKey.stderr).toContain('docs/errors.md#key_invalid')
    const bad = await cli([...withRpc(), '--threshold', 'two'], { ISTHMUS_TEST_DEPLOYER: HARDHAT_DEV_KEYS[5] })
    expect(bad.stderr).toContain('--threshold must be a non-negative integer')
    const bft = await cli([...withRpc(), '--policy', 'bft'], { ISTHMUS_TEST_DEPLOYER: HARDHAT_DEV_KEYS[5] })
    expect(bft.code).toBe(1)
    expect(bft.stderr).toContain('committee.threshold')
  }, 60_000)
})

const ALLOWED_FUNCTIONS = [
  'acceptOwnership() nonpayable',
  'assetIdOf(uint32,bytes32) pure',
  'assetIdOfToken(address) view',
  'assetOf(bytes32) view',
  'bridgeRef() view',
  'cancelQueued(bytes32) nonpayable',
  'clearRateLimit(bytes32) nonpayable',
  'committee() view',
  'currentEpoch() view',
  'deliver(bytes,uint64,bytes) nonpayable',
  'deliverBatch(bytes[],uint64,bytes[]) nonpayable',
  'deliveredIdAt(uint32,uint64) view',
  'dispatch(uint32,bytes32,bytes) nonpayable',
  'epochInfo(uint64) view',
  'guardian() view',
  'handleGasLimit() view',
  'isDelivered(bytes32) view',
  'largeTransferOf(bytes32) view',
  'localDomain() view',
  'messageStatus(bytes32) view',
  'nextNonce() view',
  'owner() view',
  'pause() nonpayable',
  'paused() view',
  'pendingOwner() view',
  'queuedReleaseAt(bytes32) view',
  'rateLimitOf(bytes32) view',
  'registerHomeAsset(address) nonpayable',
  'registerRemoteAsset(uint32,bytes32,string,string,uint8) nonpayable',
  'releaseQueued(bytes) nonpayable',
  'retryFailed(bytes) nonpayable',
  'rotateCommittee(address[],uint8,uint64) nonpayable',
  'sendToken(address,uint256,uint32,bytes32) nonpayable',
  'setGuardian(address) nonpayable',
  'setHandleGasLimit(uint32) nonpayable',
  'setLargeTransfer(bytes32,uint256,uint64) nonpayable',
  'setRateLimit(bytes32,uint128,uint128) nonpayable',
  'transferOwnership(address) nonpayable',
  'unpause() nonpayable',
]
