// Canonical encoding on-chain (shared vectors through MessageHarness) and the outbound path (dispatch,
// sendToken) against a real hardhat node.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Contract } from 'ethers'
import { type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { assetIdOf } from '../../../contracts/deploy.js'
import { addressToBytes32, decodeBody, decodeMessage, hexToBytes, messageIdOfEncoded } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import {
  deployContract,
  eventsOf,
  type Fixture,
  LOCAL,
  REMOTE,
  REMOTE_HOME_TOKEN,
  revertOf,
  setupFixture,
  snapshotter,
} from './fixture.js'

interface Vector {
  name: string
  message: {
    version: number
    nonce: string
    origin: number
    sender: Hex
    destination: number
    recipient: Hex
    body: Hex
  }
  encoded: Hex
  id: Hex
}
interface InvalidVector {
  name: string
  encoded: Hex
  error: 'BODY_TOO_LARGE' | 'UNSUPPORTED_VERSION' | 'MESSAGE_INVALID'
}
const vectors = JSON.parse(readFileSync(join(process.cwd(), 'test', 'vectors', 'messages.json'), 'utf8')) as {
  valid: Vector[]
  invalid: InvalidVector[]
}
const SOLIDITY_ERROR = {
  BODY_TOO_LARGE: 'BodyTooLarge',
  UNSUPPORTED_VERSION: 'UnsupportedVersion',
  MESSAGE_INVALID: 'MessageTooShort',
}

let node: HardhatNode
let f: Fixture
let harness: Contract
let reset: () => Promise<void>

beforeAll(async () => {
  node = await startHardhatNode({ chainId: 31337n })
  f = await setupFixture(node)
  harness = await deployContract('MessageHarness', f.deployer)
  reset = await snapshotter(node)
}, 60_000)
afterAll(async () => {
  f?.provider.destroy()
  await node?.stop()
})
afterEach(async () => reset())

describe('IsthmusMessage (MessageHarness)', () => {
  it.each(vectors.valid.map((v) => [v.name, v] as const))('decodes %s to the shared id', async (_, v) => {
    const r = await harness.getFunction('decode')(v.encoded)
    expect(r.id).toBe(v.id)
    expect(Number(r.version)).toBe(v.message.version)
    expect(r.nonce).toBe(BigInt(v.message.nonce))
    expect(Number(r.origin)).toBe(v.message.origin)
    expect(r.sender).toBe(v.message.sender)
    expect(Number(r.destination)).toBe(v.message.destination)
    expect(r.recipient).toBe(v.message.recipient)
    expect(r.body).toBe(v.message.body)
  })

  it.each(vectors.invalid.map((v) => [v.name, v] as const))('reverts with a typed error on %s', async (_, v) => {
    const err = await revertOf(harness.getFunction('decode')(v.encoded))
    expect(err.name).toBe(SOLIDITY_ERROR[v.error])
  })

  it('reports the over-long body length and the bad version byte', async () => {
    const tooLong = vectors.invalid.find((v) => v.error === 'BODY_TOO_LARGE')!
    expect((await revertOf(harness.getFunction('decode')(tooLong.encoded))).args).toEqual([65537n])
    const v2 = vectors.invalid.find((v) => v.name === 'version 2')!
    expect((await revertOf(harness.getFunction('decode')(v2.encoded))).args).toEqual([2n])
  })

  it('classifies body kinds like the TypeScript decodeBody and refuses the others (BI-43)', async () => {
    for (const v of vectors.valid) {
      let tsKind: number | undefined
      try {
        tsKind = decodeBody(v.message.body).kind === 'app' ? 0 : 1
      } catch {
        tsKind = undefined
      }
      const sol = await revertOf(harness.getFunction('bodyKind')(v.message.body))
      if (tsKind === undefined) expect(['InvalidBody', 'UnknownBodyKind']).toContain(sol.name)
      else expect(Number(await harness.getFunction('bodyKind')(v.message.body))).toBe(tsKind)
    }
  })
})

describe('asset ids', () => {
  it('agree between the TypeScript assetIdOf and the contract, for home and remote assets', async () => {
    const home = await f.home.getAddress()
    expect(assetIdOf(LOCAL, home)).toBe(f.homeAsset)
    expect(await f.bridge.getFunction('assetIdOf')(LOCAL, addressToBytes32(home))).toBe(f.homeAsset)
    expect(assetIdOf(REMOTE, REMOTE_HOME_TOKEN)).toBe(f.remoteAsset)
    const [wrapped, kind] = await f.bridge.getFunction('assetOf')(f.remoteAsset)
    expect([wrapped, Number(kind)]).toEqual([await f.wrapped.getAddress(), 2])
    expect(await f.wrapped.getFunction('assetId')()).toBe(f.remoteAsset)
    const substrateToken = `0x${'5a'.repeat(32)}` as Hex
    expect(await f.bridge.getFunction('assetIdOf')(7, substrateToken)).toBe(assetIdOf(7, substrateToken))
  })
})

describe('Bridge.dispatch', () => {
  it('emits Dispatch whose message decodes to the event id and nonce, with body 0x00 ‖ payload', async () => {
    const recipient = addressToBytes32('0x00000000000000000000000000000000000000c1')
    const tx = await f.bridge.connect(f.user).getFunction('dispatch')(REMOTE, recipient, '0xcafe')
    const [ev] = eventsOf(f.bridge, (await tx.wait()).logs, 'Dispatch')
    const message = decodeMessage(ev!.args.message as Hex)
    expect(messageIdOfEncoded(hexToBytes(ev!.args.message, 'message'))).toBe(ev!.args.id)
    expect(message).toEqual({
      version: 1,
      nonce: 0n,
      origin: LOCAL,
      sender: addressToBytes32(f.user.address),
      destination: REMOTE,
      recipient,
      body: '0x00cafe',
    })
    expect(ev!.args.nonce).toBe(0n)
    expect(Number(ev!.args.destination)).toBe(REMOTE)
  })

  it('assigns strictly increasing nonces starting at 0', async () => {
    const nonces: bigint[] = []
    for (let i = 0; i < 4; i++) {
      const tx = await f.bridge.getFunction('dispatch')(REMOTE, addressToBytes32(f.user.address), '0x')
      const [ev] = eventsOf(f.bridge, (await tx.wait()).logs, 'Dispatch')
      nonces.push(decodeMessage(ev!.args.message as Hex).nonce)
    }
    expect(nonces).toEqual([0n, 1n, 2n, 3n])
    expect(await f.bridge.getFunction('nextNonce')()).toBe(4n)
  })

  it('refuses a message to its own domain, a zero recipient and an over-long payload', async () => {
    const to = addressToBytes32(f.user.address)
    expect((await revertOf(f.bridge.getFunction('dispatch')(LOCAL, to, '0x'))).name).toBe('InvalidDestination')
    expect((await revertOf(f.bridge.getFunction('dispatch')(REMOTE, `0x${'00'.repeat(32)}`, '0x'))).name).toBe(
      'InvalidRecipient',
    )
    const big = `0x${'11'.repeat(65536)}`
    expect((await revertOf(f.bridge.getFunction('dispatch').staticCall(REMOTE, to, big))).name).toBe('BodyTooLarge')
  })

  it('accepts a payload of exactly 65535 bytes (body = 64 KiB)', async () => {
    const payload = `0x${'22'.repeat(65535)}` as Hex
    const tx = await f.bridge.getFunction('dispatch')(REMOTE, addressToBytes32(f.user.address), payload)
    const [ev] = eventsOf(f.bridge, (await tx.wait()).logs, 'Dispatch')
    expect(hexToBytes(decodeMessage(ev!.args.message as Hex).body, 'body').length).toBe(65536)
  })
})

describe('Bridge.sendToken', () => {
  it('locks a home token and dispatches a kind-1 transfer of the amount to the beneficiary', async () => {
    const amount = 5n * 10n ** 18n
    await (await f.home.connect(f.user).getFunction('approve')(f.address, amount)).wait()
    const beneficiary = addressToBytes32('0x00000000000000000000000000000000000000d1')
    const before = (await f.home.getFunction('balanceOf')(f.address)) as bigint
    const tx = await f.bridge.connect(f.user).getFunction('sendToken')(
      await f.home.getAddress(),
      amount,
      REMOTE,
      beneficiary,
    )
    const [ev] = eventsOf(f.bridge, (await tx.wait()).logs, 'Dispatch')
    const message = decodeMessage(ev!.args.message as Hex)
    expect(message.recipient).toBe(beneficiary)
    expect(message.sender).toBe(addressToBytes32(f.user.address))
    expect(decodeBody(message.body)).toEqual({ kind: 'tokenTransfer', asset: f.homeAsset, amount, beneficiary })
    expect((await f.home.getFunction('balanceOf')(f.address)) - before).toBe(amount)
  })
})
