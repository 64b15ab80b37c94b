// Committee invariants and rotation, roles and pause, and the operator deploy script, on a real hardhat node.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ContractFactory, Wallet } from 'ethers'
import { HARDHAT_DEV_KEYS, type HardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { loadArtifact } from '../../../contracts/artifacts.js'
import { deployBridge, deployTestToken, minThreshold, registerHomeAsset } from '../../../contracts/deploy.js'
import { ConfigInvalidError, DeployFailedError } from '../../../errors.js'
import { addressToBytes32 } from '../../../protocol/index.js'
import { rejected } from '../../harness/thrown.js'
import {
  asRelayer,
  certify,
  committeeKeys,
  deliver,
  eventsOf,
  type Fixture,
  increaseTime,
  LOCAL,
  REMOTE,
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
