// Inbound execution on a real hardhat node: outcomes (mint, unlock, app call, Failed and retry), replay,
// equivocation, batches and privileged-target refusal (NT-09, NT-10).
import { concat } from 'ethers'
import fc from 'fast-check'
import { addressToBytes32, encodeTokenTransferBody } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import {
  appMessage,
  asRelayer,
  build,
  certify,
  decodeRevert,
  deliver,
  deployContract,
  eventsOf,
  type Fixture,
  REMOTE,
  revertOf,
  STATUS,
  statusOf,
  transferMessage,
  useFixture,
} from './fixture.js'

const BENEFICIARY = '0x00000000000000000000000000000000000000e1'

let f: Fixture
useFixture((_node, fx) => {
  f = fx
})

const balance = async (token: Fixture['home'], who: string): Promise<bigint> => token.getFunction('balanceOf')(who)

/** How a monitor finds the id that first took (origin, nonce): the indexed Delivered logs. */
const existingIdOf = async (origin: number, nonce: bigint): Promise<string[]> =>
  (await f.bridge.queryFilter(f.bridge.filters.Delivered!(null, origin, nonce), 0)).map((l) =>
    'args' in l ? String(l.args.id) : l.topics[1]!,
  )

const isNonceUsed = async (origin: number, nonce: bigint): Promise<boolean> =>
  f.bridge.getFunction('isNonceUsed')(origin, nonce)

describe('Bridge.deliver executes certified messages', () => {
  it('mints the wrapped token to the beneficiary with a 2-of-3 certificate', async () => {
    const m = transferMessage({ nonce: 0n, asset: f.remoteAsset, amount: 7n, to: BENEFICIARY })
    const receipt = await deliver(f, m)
    const [ev] = eventsOf(f.bridge, receipt.logs, 'Delivered')
    expect([ev!.args.id, Number(ev!.args.origin), ev!.args.nonce]).toEqual([m.id, REMOTE, 0n])
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(7n)
    expect(await statusOf(f, m.id)).toBe(STATUS.delivered)
    expect(await f.bridge.getFunction('isDelivered')(m.id)).toBe(true)
    expect(await f.bridge.getFunction('isNonceUsed')(REMOTE, 0n)).toBe(true)
    expect(await f.bridge.getFunction('isNonceUsed')(REMOTE, 1n)).toBe(false)
  })

  it('unlocks the home token to the beneficiary', async () => {
    const m = transferMessage({ nonce: 1n, asset: f.homeAsset, amount: 11n, to: BENEFICIARY })
    const before = await balance(f.home, f.address)
    await deliver(f, m)
    expect(await balance(f.home, BENEFICIARY)).toBe(11n)
    expect(before - (await balance(f.home, f.address))).toBe(11n)
  })

  it('accepts all three signatures as well as any two', async () => {
    const m = transferMessage({ nonce: 2n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    await deliver(f, m, certify(f, m.id, { keys: f.keys }))
    const m2 = transferMessage({ nonce: 3n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    await deliver(f, m2, certify(f, m2.id, { keys: [f.keys[2]!, f.keys[0]!] }))
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(2n)
  })

  it('calls handle(origin, sender, payload) on an app recipient', async () => {
    const m = appMessage({ nonce: 4n, to: await f.recipient.getAddress(), payload: '0xabcdef' })
    await deliver(f, m)
    expect(await f.recipient.getFunction('calls')()).toBe(1n)
    expect(Number(await f.recipient.getFunction('lastOrigin')())).toBe(REMOTE)
    expect(await f.recipient.getFunction('lastSender')()).toBe(m.message.sender)
    expect(await f.recipient.getFunction('lastPayload')()).toBe('0xabcdef')
  })

  it('marks a reverting recipient Failed, keeps later messages flowing, and retryFailed succeeds once fixed', async () => {
    await (await f.recipient.getFunction('setFailing')(true)).wait()
    const m = appMessage({ nonce: 5n, to: await f.recipient.getAddress(), payload: '0x01' })
    const receipt = await deliver(f, m)
    const [failed] = eventsOf(f.bridge, receipt.logs, 'DeliveryFailed')
    expect(failed!.args.id).toBe(m.id)
    expect(decodeRevert(failed!.args.reason)).toEqual({ name: 'RecipientRefused', args: [42n] })
    expect(await statusOf(f, m.id)).toBe(STATUS.failed)
    expect((await revertOf(asRelayer(f).getFunction('retryFailed').staticCall(m.encoded))).name).toBe('StillFailing')

    const later = transferMessage({ nonce: 6n, asset: f.remoteAsset, amount: 3n, to: BENEFICIARY })
    await deliver(f, later)
    expect(await statusOf(f, later.id)).toBe(STATUS.delivered)

    await (await f.recipient.getFunction('setFailing')(false)).wait()
    const retry = await (await f.bridge.connect(f.user).getFunction('retryFailed')(m.encoded)).wait()
    expect(eventsOf(f.bridge, retry.logs, 'Delivered').map((e) => e.args.id)).toEqual([m.id])
    expect(await statusOf(f, m.id)).toBe(STATUS.delivered)
    expect(await f.recipient.getFunction('calls')()).toBe(1n)
    const again = await revertOf(f.bridge.getFunction('retryFailed')(m.encoded))
    expect(again).toEqual({ name: 'UnexpectedStatus', args: [m.id, 1n] })
  })

  it('fails an unknown asset, then mints on retry once governance registers it', async () => {
    const homeToken = '0x00000000000000000000000000000000000000bb'
    const { assetIdOf, registerRemoteAsset } = await import('../../../contracts/deploy.js')
    const asset = assetIdOf(REMOTE, homeToken)
    const m = transferMessage({ nonce: 7n, asset, amount: 5n, to: BENEFICIARY })
    const [failed] = eventsOf(f.bridge, (await deliver(f, m)).logs, 'DeliveryFailed')
    expect(decodeRevert(failed!.args.reason)).toEqual({ name: 'UnknownAsset', args: [asset] })
    const { wrapped } = await registerRemoteAsset(f.bridge, {
      homeDomain: REMOTE,
      homeToken,
      name: 'B',
      symbol: 'B',
      decimals: 6,
    })
    await (await f.bridge.getFunction('retryFailed')(m.encoded)).wait()
    const token = f.wrapped.attach(wrapped) as Fixture['wrapped']
    expect(await balance(token, BENEFICIARY)).toBe(5n)
  })

  it('fails a transfer whose bytes32 beneficiary is not a left-padded address', async () => {
    const beneficiary = `0x01${'00'.repeat(11)}${BENEFICIARY.slice(2)}` as Hex
    const m = build({ nonce: 8n, body: encodeTokenTransferBody({ asset: f.remoteAsset, amount: 1n, beneficiary }) })
    const [failed] = eventsOf(f.bridge, (await deliver(f, m)).logs, 'DeliveryFailed')
    expect(decodeRevert(failed!.args.reason).name).toBe('InvalidBeneficiary')
    expect(await f.wrapped.getFunction('totalSupply')()).toBe(0n)
  })

  it('keeps at most 256 bytes of a recipient revert', async () => {
    const bomb = await deployContract('RevertingRecipient', f.deployer)
    const m = appMessage({ nonce: 9n, to: await bomb.getAddress(), payload: '0x' })
    const [failed] = eventsOf(f.bridge, (await deliver(f, m)).logs, 'DeliveryFailed')
    expect((failed!.args.reason.length - 2) / 2).toBe(256)
  })

  it('fails a gas guzzler with the configured gas but reverts, not fails, when the relayer starves it (EIP-150)', async () => {
    const guzzler = await deployContract('GasGuzzler', f.deployer)
    const m = appMessage({ nonce: 10n, to: await guzzler.getAddress(), payload: '0x' })
    const sigs = certify(f, m.id)
    const starved = await revertOf(
      asRelayer(f).getFunction('deliver').staticCall(m.encoded, 1n, sigs, { gasLimit: 400_000 }),
    )
    expect(starved.name).toBe('InsufficientGas')
    expect(await statusOf(f, m.id)).toBe(STATUS.none)
    // EDR's eth_estimateGas refuses when an inner call runs out of gas whatever the limit: set one.
    const receipt = await deliver(f, m, sigs, 1n, { gasLimit: 2_000_000 })
    expect(eventsOf(f.bridge, receipt.logs, 'DeliveryFailed')).toHaveLength(1)
    expect(await statusOf(f, m.id)).toBe(STATUS.failed)
  })
})

describe('Bridge replay protection', () => {
  it('refuses a replayed certificate with AlreadyDelivered(id)', async () => {
    const m = transferMessage({ nonce: 30n, asset: f.remoteAsset, amount: 2n, to: BENEFICIARY })
    const sigs = certify(f, m.id)
    await deliver(f, m, sigs)
    expect(await revertOf(asRelayer(f).getFunction('deliver')(m.encoded, 1n, sigs))).toEqual({
      name: 'AlreadyDelivered',
      args: [m.id],
    })
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(2n)
  })

  it('treats a second id for a used (origin, nonce) as equivocation: nothing executes and the bridge pauses', async () => {
    const first = transferMessage({ nonce: 31n, asset: f.remoteAsset, amount: 2n, to: BENEFICIARY })
    await deliver(f, first)
    const conflicting = transferMessage({ nonce: 31n, asset: f.remoteAsset, amount: 999n, to: BENEFICIARY })
    const receipt = await deliver(f, conflicting)
    const [eq] = eventsOf(f.bridge, receipt.logs, 'Equivocation')
    expect([Number(eq!.args.origin), eq!.args.nonce, eq!.args.conflictingId]).toEqual([REMOTE, 31n, conflicting.id])
    expect(await existingIdOf(REMOTE, 31n)).toEqual([first.id])
    expect(await f.bridge.getFunction('paused')()).toBe(true)
    expect(await statusOf(f, conflicting.id)).toBe(STATUS.none)
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(2n)
    const next = transferMessage({ nonce: 32n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    expect((await revertOf(asRelayer(f).getFunction('deliver')(next.encoded, 1n, certify(f, next.id)))).name).toBe(
      'BridgePaused',
    )
    expect((await revertOf(f.bridge.getFunction('dispatch')(REMOTE, addressToBytes32(BENEFICIARY), '0x'))).name).toBe(
      'BridgePaused',
    )
  })

  it('does not let an uncertified conflicting message pause the bridge', async () => {
    const first = transferMessage({ nonce: 33n, asset: f.remoteAsset, amount: 2n, to: BENEFICIARY })
    await deliver(f, first)
    const conflicting = transferMessage({ nonce: 33n, asset: f.remoteAsset, amount: 3n, to: BENEFICIARY })
    const err = await revertOf(
      asRelayer(f).getFunction('deliver')(conflicting.encoded, 1n, certify(f, conflicting.id, { keys: [f.keys[0]!] })),
    )
    expect(err.name).toBe('InsufficientSignatures')
    expect(await f.bridge.getFunction('paused')()).toBe(false)
  })
})

describe('Bridge used-nonce bitmap (256 nonces of one origin per storage word)', () => {
  it('flags a second id for a used nonce inside a partially used word, and not an unused neighbour', async () => {
    for (const nonce of [256n, 257n, 259n]) {
      await deliver(f, transferMessage({ nonce, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY }))
    }
    const gap = transferMessage({ nonce: 258n, asset: f.remoteAsset, amount: 10n, to: BENEFICIARY })
    expect(eventsOf(f.bridge, (await deliver(f, gap)).logs, 'Equivocation')).toHaveLength(0)
    expect(await statusOf(f, gap.id)).toBe(STATUS.delivered)
    expect(await Promise.all([255n, 256n, 257n, 258n, 259n, 260n].map((n) => isNonceUsed(REMOTE, n)))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ])
    const conflicting = transferMessage({ nonce: 257n, asset: f.remoteAsset, amount: 500n, to: BENEFICIARY })
    const [eq] = eventsOf(f.bridge, (await deliver(f, conflicting)).logs, 'Equivocation')
    expect([Number(eq!.args.origin), eq!.args.nonce, eq!.args.conflictingId]).toEqual([REMOTE, 257n, conflicting.id])
    expect(await f.bridge.getFunction('paused')()).toBe(true)
    expect(await statusOf(f, conflicting.id)).toBe(STATUS.none)
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(13n)
  })

  it('handles a sparse nonce far from the others, per origin, up to the largest uint64', async () => {
    await deliver(f, transferMessage({ nonce: 0n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY }))
    const far = 18_000_000n * 2n ** 20n + 7n // block number ‖ index, as another chain family may assign
    const max = 2n ** 64n - 1n
    for (const nonce of [far, max]) {
      const m = transferMessage({ nonce, asset: f.remoteAsset, amount: 2n, to: BENEFICIARY })
      expect(eventsOf(f.bridge, (await deliver(f, m)).logs, 'Delivered')).toHaveLength(1)
      expect(await isNonceUsed(REMOTE, nonce)).toBe(true)
    }
    // same low byte as `far` in other words, the neighbours, and the same nonce of another origin: all free
    for (const [origin, nonce] of [
      [REMOTE, 7n],
      [REMOTE, far - 256n],
      [REMOTE, far + 256n],
      [REMOTE, far - 1n],
      [REMOTE, max - 1n],
      [REMOTE + 2, far],
      [REMOTE + 2, max],
      [REMOTE + 2, 0n],
    ] as const) {
      expect([origin, nonce, await isNonceUsed(origin, nonce)]).toEqual([origin, nonce, false])
    }
    const otherOrigin = transferMessage({
      nonce: far,
      origin: REMOTE + 2,
      asset: f.remoteAsset,
      amount: 4n,
      to: BENEFICIARY,
    })
    await deliver(f, otherOrigin)
    expect(await statusOf(f, otherOrigin.id)).toBe(STATUS.delivered)
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(9n)
    const conflicting = transferMessage({ nonce: far, asset: f.remoteAsset, amount: 3n, to: BENEFICIARY })
    const [eq] = eventsOf(f.bridge, (await deliver(f, conflicting)).logs, 'Equivocation')
    expect([Number(eq!.args.origin), eq!.args.nonce, eq!.args.conflictingId]).toEqual([REMOTE, far, conflicting.id])
    expect(await existingIdOf(REMOTE, far)).toHaveLength(1)
    expect(await f.bridge.getFunction('paused')()).toBe(true)
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(9n)
  })
})

describe('Bridge.deliverBatch', () => {
  it('delivers fresh messages and skips duplicates (already delivered, or repeated in the batch)', async () => {
    const done = transferMessage({ nonce: 40n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    await deliver(f, done)
    const a = transferMessage({ nonce: 41n, asset: f.remoteAsset, amount: 10n, to: BENEFICIARY })
    const b = appMessage({ nonce: 42n, to: await f.recipient.getAddress(), payload: '0x02' })
    const batch = [done, a, a, b]
    const tx = await asRelayer(f).getFunction('deliverBatch')(
      batch.map((x) => x.encoded),
      1n,
      batch.map((x) => certify(f, x.id)),
    )
    const logs = (await tx.wait()).logs
    expect(eventsOf(f.bridge, logs, 'DeliverySkipped').map((e) => [e.args.id, Number(e.args.reason)])).toEqual([
      [done.id, 1],
      [a.id, 1],
    ])
    expect(eventsOf(f.bridge, logs, 'Delivered').map((e) => e.args.id)).toEqual([a.id, b.id])
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(11n)
    expect(await f.recipient.getFunction('calls')()).toBe(1n)
  })

  it('reverts the whole batch on one bad certificate or mismatched lengths', async () => {
    const a = transferMessage({ nonce: 43n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const b = transferMessage({ nonce: 44n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const bad = await revertOf(
      asRelayer(f).getFunction('deliverBatch')([a.encoded, b.encoded], 1n, [certify(f, a.id), certify(f, a.id)]),
    )
    expect(bad.name).toBe('NotCommitteeMember')
    expect(await statusOf(f, a.id)).toBe(STATUS.none)
    expect(await revertOf(asRelayer(f).getFunction('deliverBatch')([a.encoded], 1n, []))).toEqual({
      name: 'LengthMismatch',
      args: [1n, 0n],
    })
  })

  it('stops at an equivocation: later messages in the batch stay undelivered', async () => {
    const first = transferMessage({ nonce: 45n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    await deliver(f, first)
    const conflicting = transferMessage({ nonce: 45n, asset: f.remoteAsset, amount: 2n, to: BENEFICIARY })
    const after = transferMessage({ nonce: 46n, asset: f.remoteAsset, amount: 4n, to: BENEFICIARY })
    const batch = [conflicting, after]
    await (
      await asRelayer(f).getFunction('deliverBatch')(
        batch.map((x) => x.encoded),
        1n,
        batch.map((x) => certify(f, x.id)),
      )
    ).wait()
    expect(await f.bridge.getFunction('paused')()).toBe(true)
    expect(await statusOf(f, after.id)).toBe(STATUS.none)
    expect(await balance(f.wrapped, BENEFICIARY)).toBe(1n)
  })
})

describe('Bridge privileged targets (NT-09, NT-10)', () => {
  const failureOf = async (to: string, nonce: bigint, payload: Hex = '0x') => {
    const m = appMessage({ nonce, to, payload })
    const [failed] = eventsOf(f.bridge, (await deliver(f, m)).logs, 'DeliveryFailed')
    expect(await statusOf(f, m.id)).toBe(STATUS.failed)
    return decodeRevert(failed!.args.reason)
  }
  const committeeNow = async () =>
    JSON.stringify(await f.bridge.getFunction('committee')(), (_, v) => (typeof v === 'bigint' ? `${v}` : v))

  it('refuses the bridge, its tokens, its owner and guardian, and non-contracts as recipients', async () => {
    expect(await failureOf(f.address, 60n)).toEqual({ name: 'ForbiddenRecipient', args: [f.address] })
    expect((await failureOf(await f.wrapped.getAddress(), 61n)).name).toBe('ForbiddenRecipient')
    expect((await failureOf(await f.home.getAddress(), 62n)).name).toBe('ForbiddenRecipient')
    expect((await failureOf(f.deployer.address, 63n)).name).toBe('ForbiddenRecipient')
    expect((await failureOf(f.guardian.address, 64n)).name).toBe('ForbiddenRecipient')
    expect((await failureOf(BENEFICIARY, 65n)).name).toBe('RecipientNotContract')
    const wide = build({ nonce: 66n, recipient: `0x${'ff'.repeat(32)}`, body: '0x00' })
    const [failed] = eventsOf(f.bridge, (await deliver(f, wide)).logs, 'DeliveryFailed')
    expect(decodeRevert(failed!.args.reason).name).toBe('InvalidRecipient')
  })

  it('gives a confused-deputy recipient no privilege: admin calls and mints it forwards fail, state unchanged', async () => {
    const before = await committeeNow()
    const deputy = await deployContract('ForwardingRecipient', f.deployer, f.address)
    const rotate = f.bridge.interface.encodeFunctionData('rotateCommittee', [[f.user.address], 1, 0n]) as Hex
    expect(await failureOf(await deputy.getAddress(), 67n, rotate)).toEqual({
      name: 'NotOwner',
      args: [await deputy.getAddress()],
    })
    const pause = f.bridge.interface.encodeFunctionData('pause') as Hex
    expect((await failureOf(await deputy.getAddress(), 68n, pause)).name).toBe('NotGuardian')
    const mintDeputy = await deployContract('ForwardingRecipient', f.deployer, await f.wrapped.getAddress())
    const mint = f.wrapped.interface.encodeFunctionData('mint', [BENEFICIARY, 10n ** 30n]) as Hex
    expect((await failureOf(await mintDeputy.getAddress(), 69n, mint)).name).toBe('OnlyBridge')
    const inner = transferMessage({ nonce: 70n, asset: f.remoteAsset, amount: 5n, to: BENEFICIARY })
    const reenter = f.bridge.interface.encodeFunctionData('deliver', [inner.encoded, 1n, certify(f, inner.id)]) as Hex
    expect((await failureOf(await deputy.getAddress(), 71n, reenter)).name).toBe('Reentrancy')
    expect(await statusOf(f, inner.id)).toBe(STATUS.none)
    expect(await committeeNow()).toBe(before)
    expect(await f.bridge.getFunction('owner')()).toBe(f.deployer.address)
    expect(await f.bridge.getFunction('paused')()).toBe(false)
    expect(await f.wrapped.getFunction('totalSupply')()).toBe(0n)
  })

  it('calls only handle() whatever the payload, and committee storage never changes (fuzz)', async () => {
    const before = await committeeNow()
    const deputy = await deployContract('ForwardingRecipient', f.deployer, f.address)
    let nonce = 100n
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 100 }).map(toHexBytes),
          fc
            .constantFrom(...governanceSelectors())
            .chain((sel) => fc.uint8Array({ minLength: 0, maxLength: 96 }).map((rest) => concat([sel, rest]) as Hex)),
        ),
        async (payload) => {
          const viaRecorder = appMessage({ nonce: nonce++, to: await f.recipient.getAddress(), payload })
          await deliver(f, viaRecorder)
          expect(await f.recipient.getFunction('lastPayload')()).toBe(payload)
          const viaDeputy = appMessage({ nonce: nonce++, to: await deputy.getAddress(), payload })
          await deliver(f, viaDeputy)
          expect(await committeeNow()).toBe(before)
        },
      ),
      { numRuns: 15 },
    )
    expect(await f.bridge.getFunction('owner')()).toBe(f.deployer.address)
    expect(await f.bridge.getFunction('guardian')()).toBe(f.guardian.address)
  })
})

const toHexBytes = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`

const governanceSelectors = (): Hex[] =>
  ['rotateCommittee', 'pause', 'unpause', 'transferOwnership', 'setGuardian', 'registerHomeAsset', 'setRateLimit'].map(
    (n) => f.bridge.interface.getFunction(n)!.selector as Hex,
  )
