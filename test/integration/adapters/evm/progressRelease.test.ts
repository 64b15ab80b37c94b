import { Contract, type InterfaceAbi, Wallet } from 'ethers'
import { lastValueFrom, toArray } from 'rxjs'
import { createEvmAdapter, type DeliveryItem, type DeliveryProgress } from '../../../../adapters/index.js'
import { loadArtifact } from '../../../../contracts/artifacts.js'
import { assetIdOf, registerRemoteAsset, setLargeTransfer } from '../../../../contracts/deploy.js'
import { addressToBytes32, encodeTokenTransferBody, messageId } from '../../../../protocol/index.js'
import type { Hex, Message } from '../../../../types.js'
import {
  adapterOptions,
  captureLogger,
  certify,
  deployContract,
  mine,
  recipientBytes,
  startChain,
  type TestChain,
  waitUntil,
} from './fixture.js'

const DOMAIN_A = 401
const DOMAIN_B = 402
const DELAY_S = 3_600n
let b: TestChain
let recipient: Contract
let nonceSeq = 50_000n

beforeAll(async () => {
  b = await startChain(31_337n + 41n, DOMAIN_B)
  recipient = await deployContract(b.deployer, 'RecordingRecipient', [b.bridgeAddress])
}, 60_000)
afterAll(async () => {
  await b?.node.stop()
})

const sender = addressToBytes32(Wallet.createRandom().address)
const appMessage = (payload: Hex): Message => ({
  version: 1,
  nonce: nonceSeq++,
  origin: DOMAIN_A,
  sender,
  destination: DOMAIN_B,
  recipient: recipientBytes(recipient.target as string),
  body: `0x00${payload.slice(2)}` as Hex,
})
const item = (m: Message): DeliveryItem => ({ message: m, certificate: certify(m, b) })
const chainTime = async () =>
  BigInt((await b.node.rpc<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false])).timestamp)
const txCount = async (address: string) =>
  BigInt(await b.node.rpc<string>('eth_getTransactionCount', [address, 'latest']))

describe('EVM adapter destination (deliverProgress$, release, latestHead)', () => {
  it('reports submitted with the transaction hash before settled, and deliver() is its last value', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, {}, 7), { log })
    const batch = [item(appMessage('0x71')), item(appMessage('0x72'))]
    const ps: DeliveryProgress[] = await lastValueFrom(dest.deliverProgress$(batch).pipe(toArray()))
    expect(ps.map((p) => p.kind)).toEqual(['submitted', 'settled'])
    const [sub, settled] = ps as [
      Extract<DeliveryProgress, { kind: 'submitted' }>,
      Extract<DeliveryProgress, { kind: 'settled' }>,
    ]
    expect(sub.ids).toEqual(batch.map((x) => messageId(x.message)))
    expect(settled.results.map((r) => r.status)).toEqual(['delivered', 'delivered'])
    expect(settled.results.map((r) => r.txHash)).toEqual([sub.txHash, sub.txHash])
    const tx = await b.node.rpc<{ nonce: string }>('eth_getTransactionByHash', [sub.txHash])
    expect(BigInt(tx.nonce)).toBe(sub.nonce)
    // Already handled: settled at once, nothing submitted.
    const again = await lastValueFrom(dest.deliverProgress$(batch).pipe(toArray()))
    expect(again).toEqual([
      { kind: 'settled', results: batch.map((x) => ({ id: messageId(x.message), status: 'already-delivered' })) },
    ])
    expect(await dest.deliver([item(appMessage('0x73'))])).toMatchObject([{ status: 'delivered' }])
  }, 30_000)

  it('reports a replacement of a stuck transaction as a second submitted with the same nonce (F-23)', async () => {
    const { log, lines } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, { stuckAfterMs: 300 }, 8), { log })
    await b.node.rpc('evm_setAutomine', [false])
    const ps: DeliveryProgress[] = []
    try {
      const done = new Promise<void>((res, rej) =>
        dest
          .deliverProgress$([item(appMessage('0x81'))])
          .subscribe({ next: (p) => ps.push(p), error: rej, complete: res }),
      )
      const first = await waitUntil(() => ps.find((p) => p.kind === 'submitted'), 10_000, 'the first submitted')
      const spike =
        BigInt(
          (await waitUntil(() => lines.find((l) => l.msg === 'transaction broadcast'), 5_000, 'log'))[
            'maxFeePerGasWei'
          ] as string,
        ) * 3n
      await b.node.rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${spike.toString(16)}`])
      await mine(b, 1)
      await waitUntil(
        () => (ps.filter((p) => p.kind === 'submitted').length >= 2 ? true : undefined),
        10_000,
        'a replacement',
      )
      await mine(b, 1)
      await done
      const subs = ps.filter((p): p is Extract<DeliveryProgress, { kind: 'submitted' }> => p.kind === 'submitted')
      expect(new Set(subs.map((s) => s.nonce))).toEqual(new Set([(first as (typeof subs)[0]).nonce]))
      expect(new Set(subs.map((s) => s.txHash)).size).toBe(subs.length)
      const settled = ps.at(-1) as Extract<DeliveryProgress, { kind: 'settled' }>
      expect(settled.results[0]).toMatchObject({ status: 'delivered' })
      expect(subs.map((s) => s.txHash)).toContain(settled.results[0]!.txHash)
    } finally {
      await b.node.rpc('evm_setAutomine', [true])
    }
  }, 30_000)

  it('releases a queued large transfer once, only after releaseAt in chain time (NT-17, F-29)', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, {}, 9), { log })
    const homeToken = Wallet.createRandom().address
    const { wrapped } = await registerRemoteAsset(b.bridge, {
      homeDomain: DOMAIN_A,
      homeToken,
      name: 'Delayed',
      symbol: 'DLY',
      decimals: 18,
    })
    const assetId = assetIdOf(DOMAIN_A, homeToken)
    await setLargeTransfer(b.bridge, { assetId, threshold: 100n, delaySeconds: DELAY_S })
    const beneficiary = Wallet.createRandom().address
    const m: Message = {
      ...appMessage('0x'),
      recipient: recipientBytes(beneficiary),
      body: encodeTokenTransferBody({ asset: assetId, amount: 500n, beneficiary: recipientBytes(beneficiary) }),
    }
    const [queued] = await dest.deliver([item(m)])
    expect(queued).toMatchObject({ status: 'queued' })
    const releaseAt = queued!.releaseAt!
    expect(releaseAt).toBe((await chainTime()) + DELAY_S)
    // Delivering again while queued reports the same release time, without a transaction.
    expect((await dest.deliver([item(m)]))[0]).toMatchObject({ status: 'queued', releaseAt })

    const from = new Wallet(adapterOptions(b, {}, 9).signerKey!).address
    const sent = await txCount(from)
    await b.node.rpc('evm_increaseTime', [Number(DELAY_S) - 10])
    await mine(b, 1)
    expect(await dest.release(m)).toEqual({
      id: messageId(m),
      status: 'queued',
      reason: `releaseAt=${releaseAt}`,
      releaseAt,
    })
    expect(await txCount(from)).toBe(sent)

    await b.node.rpc('evm_increaseTime', [20])
    await mine(b, 1)
    const head = await dest.latestHead()
    expect(head.timestamp).toBeGreaterThanOrEqual(releaseAt)
    const released = await dest.release(m)
    expect(released).toMatchObject({ id: messageId(m), status: 'delivered' })
    expect(released.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await dest.release(m)).toEqual({ id: messageId(m), status: 'already-delivered' })
    const token = new Contract(wrapped, loadArtifact('WrappedToken').abi as InterfaceAbi, b.deployer)
    expect(await token.getFunction('balanceOf')(beneficiary)).toBe(500n)
    const delivered = await b.bridge.queryFilter(b.bridge.filters.Delivered!(messageId(m)))
    expect(delivered).toHaveLength(1)
  }, 40_000)

  it('answers deferred for a message the destination does not hold as queued', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, {}, 9), { log })
    const m = appMessage('0x99')
    expect(await dest.release(m)).toMatchObject({ id: messageId(m), status: 'deferred' })
  }, 10_000)
})
