import { loadArtifact } from '../../../contracts/artifacts.js'
import { deployTestToken, registerHomeAsset } from '../../../contracts/deploy.js'
import { addressToBytes32, decodeBody, decodeMessage } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import {
  deliver,
  deployContract,
  eventsOf,
  type Fixture,
  REMOTE,
  revertOf,
  transferMessage,
  useFixture,
} from './fixture.js'

const BENEFICIARY = '0x00000000000000000000000000000000000000e2'

let f: Fixture
useFixture((_node, fx) => {
  f = fx
})

const supply = async (): Promise<bigint> => f.wrapped.getFunction('totalSupply')()
const tx = async (p: Promise<{ wait(): Promise<unknown> }>) => (await p).wait()

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
  'dispatch(uint32,bytes32,bytes) nonpayable',
  'epochInfo(uint64) view',
  'guardian() view',
  'handleGasLimit() view',
  'isDelivered(bytes32) view',
  'isNonceUsed(uint32,uint64) view',
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
