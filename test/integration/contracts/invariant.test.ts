// NT-16: handler-based invariant run on two bridges (domains 1 and 2) on one hardhat node. A random
// sequence of lock / deliver / duplicate / corrupted certificate / forged message / burn-back / batch
// steps must keep Σ minted(dest) ≤ Σ locked(src) after every step, and at quiescence the wrapped
// supply equals what the home bridge holds.
import { type Contract, Wallet } from 'ethers'
import fc from 'fast-check'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { deployBridge, deployTestToken, registerHomeAsset, registerRemoteAsset } from '../../../contracts/deploy.js'
import { addressToBytes32, encodeTokenTransferBody, evmBridgeRef } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { attach, build, committeeKeys, eventsOf, fastProvider, revertOf, snapshotter } from './fixture.js'

const HOME_DOMAIN = 1
const WRAP_DOMAIN = 2
const STEPS = 40

interface Side {
  bridge: Contract
  ref: Hex
  domain: number
}
interface Pending {
  encoded: Hex
  id: Hex
  to: Side
}

let node: HardhatNode
let provider: ReturnType<typeof fastProvider>
let home: Side
let wrap: Side
let token: Contract
let wrapped: Contract
let user: Wallet
let relayer: Wallet
let reset: () => Promise<void>
const keys = committeeKeys(3)

beforeAll(async () => {
  node = await startHardhatNode({ chainId: 31337n })
  provider = fastProvider(node)
  const deployer = new Wallet(HARDHAT_DEV_KEYS[0], provider)
  user = new Wallet(HARDHAT_DEV_KEYS[1], provider)
  relayer = new Wallet(HARDHAT_DEV_KEYS[2], provider)
  const committee = { signers: keys.map((k) => new Wallet(k).address), threshold: 2 }
  const a = await deployBridge({ signer: deployer, localDomain: HOME_DOMAIN, committee })
  const b = await deployBridge({ signer: deployer, localDomain: WRAP_DOMAIN, committee })
  home = { bridge: a.bridge, ref: evmBridgeRef(node.chainId, a.address), domain: HOME_DOMAIN }
  wrap = { bridge: b.bridge, ref: evmBridgeRef(node.chainId, b.address), domain: WRAP_DOMAIN }
  const t = await deployTestToken(deployer, { name: 'Home', symbol: 'H' })
  token = t.token
  await registerHomeAsset(a.bridge, t.address)
  const r = await registerRemoteAsset(b.bridge, {
    homeDomain: HOME_DOMAIN,
    homeToken: t.address,
    name: 'Wrapped H',
    symbol: 'wH',
    decimals: 18,
  })
  wrapped = attach('WrappedToken', r.wrapped, user)
  await (await token.getFunction('mint')(user.address, 10n ** 24n)).wait()
  await (await token.connect(user).getFunction('approve')(a.address, 2n ** 256n - 1n)).wait()
  reset = await snapshotter(node)
}, 60_000)
afterAll(async () => {
  provider?.destroy()
  await node?.stop()
})
afterEach(async () => reset())

type Step =
  | { kind: 'lock'; amount: bigint }
  | { kind: 'deliver'; pick: number }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'corrupt'; pick: number; at: number }
  | { kind: 'forge'; amount: bigint; signers: number }
  | { kind: 'burn'; amount: bigint }
  | { kind: 'batch'; picks: number[] }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 1000n }).map((amount) => ({ kind: 'lock' as const, amount })) },
  { weight: 4, arbitrary: fc.nat().map((pick) => ({ kind: 'deliver' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'duplicate' as const, pick })) },
  {
    weight: 1,
    arbitrary: fc.record({ pick: fc.nat(), at: fc.nat({ max: 129 }) }).map((p) => ({ kind: 'corrupt' as const, ...p })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ amount: fc.bigInt({ min: 1n, max: 10n ** 24n }), signers: fc.nat({ max: 1 }) })
      .map((p) => ({ kind: 'forge' as const, ...p })),
  },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 1000n }).map((amount) => ({ kind: 'burn' as const, amount })) },
  {
    weight: 1,
    arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }).map((picks) => ({ kind: 'batch' as const, picks })),
  },
)

const certify = (to: Side, id: Hex, signers = keys.slice(0, 2)): Hex =>
  signCertificate({ keys: signers, epoch: 1n, destination: to.domain, destinationBridge: to.ref, id }).signatures

/** Ghost state the handler keeps next to the chain. */
interface Ghost {
  pending: Pending[]
  delivered: Pending[]
  locked: bigint
  minted: bigint
  burned: bigint
  unlocked: bigint
  forgedNonce: bigint
}

const dispatched = async (side: Side, tx: Promise<{ wait(): Promise<{ logs: never[] } | null> }>, to: Side) => {
  const receipt = (await (await tx).wait())!
  const [ev] = eventsOf(side.bridge, receipt.logs, 'Dispatch')
  return { encoded: ev!.args.message as Hex, id: ev!.args.id as Hex, to }
}

const deliverOne = async (g: Ghost, p: Pending): Promise<void> => {
  const receipt = await (
    await (p.to.bridge.connect(relayer) as Contract).getFunction('deliver')(p.encoded, 1n, certify(p.to, p.id))
  ).wait()
  account(g, p, receipt.logs)
}

/** Count what a delivery actually did, from its events. */
const account = (g: Ghost, p: Pending, logs: never[]): void => {
  for (const e of eventsOf(p.to.bridge, logs, 'Delivered')) {
    const m = g.pending.find((x) => x.id === e.args.id)
    if (!m) continue
    g.pending = g.pending.filter((x) => x.id !== m.id)
    g.delivered.push(m)
    const amount = BigInt(`0x${m.encoded.slice(2 + 2 * (81 + 33), 2 + 2 * (81 + 65))}`)
    if (m.to === wrap) g.minted += amount
    else g.unlocked += amount
  }
}

const run = async (g: Ghost, s: Step): Promise<void> => {
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length])
  switch (s.kind) {
    case 'lock': {
      const tx = (home.bridge.connect(user) as Contract).getFunction('sendToken')(
        await token.getAddress(),
        s.amount,
        WRAP_DOMAIN,
        addressToBytes32(user.address),
      )
      g.pending.push(await dispatched(home, tx, wrap))
      g.locked += s.amount
      return
    }
    case 'deliver': {
      const p = pick(g.pending, s.pick)
      if (p) await deliverOne(g, p)
      return
    }
    case 'duplicate': {
      const p = pick(g.delivered, s.pick)
      if (!p) return
      const err = await revertOf(p.to.bridge.getFunction('deliver')(p.encoded, 1n, certify(p.to, p.id)))
      expect(err).toEqual({ name: 'AlreadyDelivered', args: [p.id] })
      return
    }
    case 'corrupt': {
      const p = pick(g.pending, s.pick)
      if (!p) return
      const b = Buffer.from(certify(p.to, p.id).slice(2), 'hex')
      b[s.at] = b[s.at]! ^ 0x01
      const err = await revertOf(p.to.bridge.getFunction('deliver')(p.encoded, 1n, `0x${b.toString('hex')}`))
      expect(err.name).not.toBe('no revert')
      return
    }
    case 'forge': {
      // A mint the home side never locked: one committee key, or two outsiders, sign it.
      const asset = await wrapped.getFunction('assetId')()
      const m = build({
        nonce: 10n ** 9n + g.forgedNonce++,
        origin: HOME_DOMAIN,
        destination: WRAP_DOMAIN,
        body: encodeTokenTransferBody({ asset, amount: s.amount, beneficiary: addressToBytes32(user.address) }),
      })
      const signers = s.signers === 0 ? keys.slice(0, 1) : committeeKeys(2, 'outsider')
      const err = await revertOf(wrap.bridge.getFunction('deliver')(m.encoded, 1n, certify(wrap, m.id, signers)))
      expect(['InsufficientSignatures', 'NotCommitteeMember']).toContain(err.name)
      return
    }
    case 'burn': {
      const balance = (await wrapped.getFunction('balanceOf')(user.address)) as bigint
      // biome-ignore lint/complexity/useMathMinMax: bigint operands
      const amount = s.amount < balance ? s.amount : balance
      if (amount === 0n) return
      const tx = (wrap.bridge.connect(user) as Contract).getFunction('sendToken')(
        await wrapped.getAddress(),
        amount,
        HOME_DOMAIN,
        addressToBytes32(user.address),
      )
      g.pending.push(await dispatched(wrap, tx, home))
      g.burned += amount
      return
    }
    case 'batch': {
      const items = s.picks
        .map((i) => pick([...g.pending, ...g.delivered], i))
        .filter((p) => p?.to === wrap) as Pending[]
      if (items.length === 0) return
      const receipt = await (
        await (wrap.bridge.connect(relayer) as Contract).getFunction('deliverBatch')(
          items.map((p) => p.encoded),
          1n,
          items.map((p) => certify(wrap, p.id)),
        )
      ).wait()
      account(g, items[0]!, receipt.logs)
      return
    }
  }
}

const assertConserved = async (g: Ghost): Promise<void> => {
  const supply = (await wrapped.getFunction('totalSupply')()) as bigint
  const held = (await token.getFunction('balanceOf')(await home.bridge.getAddress())) as bigint
  expect(supply).toBeLessThanOrEqual(held)
  expect(g.minted).toBeLessThanOrEqual(g.locked)
  expect(g.unlocked).toBeLessThanOrEqual(g.burned)
  expect(supply).toBe(g.minted - g.burned)
  expect(held).toBe(g.locked - g.unlocked)
}

describe('Bridge conservation invariant (NT-16)', () => {
  it(`keeps Σ minted ≤ Σ locked after every step of a random ${STEPS}-step run, and equal at quiescence`, async () => {
    let runs = 0
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: STEPS, maxLength: STEPS }), async (steps) => {
        if (runs++ > 0) await reset()
        const g: Ghost = {
          pending: [],
          delivered: [],
          locked: 0n,
          minted: 0n,
          burned: 0n,
          unlocked: 0n,
          forgedNonce: 0n,
        }
        // a happy path first so the invariant is never vacuous (RELIABILITY.md I8)
        const prefix: Step[] = [
          { kind: 'lock', amount: 500n },
          { kind: 'deliver', pick: 0 },
          { kind: 'burn', amount: 200n },
          { kind: 'deliver', pick: 0 },
        ]
        for (const s of [...prefix, ...steps]) {
          await run(g, s)
          await assertConserved(g)
        }
        expect(g.minted).toBeGreaterThan(0n)
        expect(g.unlocked).toBeGreaterThan(0n)
        // quiescence: deliver everything still pending
        for (const p of [...g.pending]) await deliverOne(g, p)
        await assertConserved(g)
        expect(g.pending).toEqual([])
        expect(g.minted).toBe(g.locked)
        expect(g.unlocked).toBe(g.burned)
      }),
      { numRuns: 2 },
    )
  }, 120_000)
})
