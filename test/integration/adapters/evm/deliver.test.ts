import { Contract, type InterfaceAbi, Wallet } from 'ethers'
import { createEvmAdapter, type DeliveryItem, type ObservedMessage } from '../../../../adapters/index.js'
import { HARDHAT_DEV_KEYS } from '../../../../cli/devnet/startHardhatNode.js'
import { loadArtifact } from '../../../../contracts/artifacts.js'
import {
  assetIdOf,
  deployTestToken,
  registerHomeAsset,
  registerRemoteAsset,
  setRateLimit,
} from '../../../../contracts/deploy.js'
import { DeliveryRevertedError, DestinationPausedError, type RelayError } from '../../../../errors.js'
import { verifyEvmReceiptBundle } from '../../../../proofs/index.js'
import { addressToBytes32, encodeTokenTransferBody } from '../../../../protocol/index.js'
import type { Hex, Message } from '../../../../types.js'
import { type FaultProxy, startFaultProxy } from '../../../harness/faultProxy.js'
import { rejected } from '../../../harness/thrown.js'
import {
  adapterOptions,
  batchesUntil,
  captureLogger,
  certify,
  deployContract,
  headNumber,
  mine,
  recipientBytes,
  startChain,
  type TestChain,
  waitUntil,
} from './fixture.js'

const DOMAIN_A = 301
const DOMAIN_B = 302
let a: TestChain
let b: TestChain
let recipient: Contract
let proxy: FaultProxy
let nonceSeq = 10_000n

beforeAll(async () => {
  ;[a, b] = await Promise.all([startChain(31_337n + 31n, DOMAIN_A), startChain(31_337n + 32n, DOMAIN_B)])
  recipient = await deployContract(b.deployer, 'RecordingRecipient', [b.bridgeAddress])
  proxy = await startFaultProxy({ upstream: b.node.rpcUrl })
}, 60_000)
afterAll(async () => {
  await proxy?.close()
  await Promise.all([a?.node.stop(), b?.node.stop()])
})

/** A message from domain A to the recording recipient on B, never seen before. */
const appMessage = (payload: Hex): Message => ({
  version: 1,
  nonce: nonceSeq++,
  origin: DOMAIN_A,
  sender: addressToBytes32(a.deployer.address),
  destination: DOMAIN_B,
  recipient: recipientBytes(recipient.target as string),
  body: `0x00${payload.slice(2)}` as Hex,
})
const item = (m: Message): DeliveryItem => ({ message: m, certificate: certify(m, b) })
const txCount = async (chain: TestChain, address: string, tag = 'latest') =>
  BigInt(await chain.node.rpc<string>('eth_getTransactionCount', [address, tag]))
const calls = async () => (await recipient.getFunction('calls')()) as bigint
const relayer = (k: number) => new Wallet(HARDHAT_DEV_KEYS[k]!).address

describe('EVM adapter destination (deliver)', () => {
  it('delivers observed app messages and a token transfer once, and a second delivery is already-delivered', async () => {
    const { address: token, token: tokenContract } = await deployTestToken(a.deployer)
    await registerHomeAsset(a.bridge, token)
    const { wrapped } = await registerRemoteAsset(b.bridge, {
      homeDomain: DOMAIN_A,
      homeToken: token,
      name: 'Wrapped',
      symbol: 'wTST',
      decimals: 18,
    })
    await (await tokenContract.getFunction('mint')(a.deployer.address, 10n ** 20n)).wait()
    await (await tokenContract.getFunction('approve')(a.bridgeAddress, 10n ** 20n)).wait()
    const start = (await headNumber(a)) + 1n
    const to = recipientBytes(recipient.target as string)
    await (await a.bridge.getFunction('dispatch')(DOMAIN_B, to, '0x1111')).wait()
    await (await a.bridge.getFunction('dispatch')(DOMAIN_B, to, '0x2222')).wait()
    const beneficiary = Wallet.createRandom().address
    await (
      await a.bridge.getFunction('sendToken')(token, 7n * 10n ** 18n, DOMAIN_B, recipientBytes(beneficiary))
    ).wait()
    const last = await headNumber(a)
    await mine(a, 2)
    const { log } = captureLogger()
    const source = createEvmAdapter(adapterOptions(a), { log })
    const dest = createEvmAdapter(adapterOptions(b), { log })
    await dest.preflight()
    const observed: ObservedMessage[] = (await batchesUntil(source.observe$(start), last, 20_000)).flatMap(
      (x) => x.messages,
    )
    expect(observed).toHaveLength(3)
    for (const m of observed)
      expect(verifyEvmReceiptBundle(m.bundle, { bridge: a.bridgeAddress, chainId: a.chainId }).id).toBe(m.id)
    const items = observed.map((m) => ({ message: m.message, certificate: certify(m.message, b) }))

    const callsBefore = await calls()
    const [first] = await dest.deliver([items[0]!])
    expect(first).toMatchObject({ id: observed[0]!.id, status: 'delivered' })
    expect(await dest.isDelivered(observed[0]!.id)).toBe(true)
    expect(await calls()).toBe(callsBefore + 1n)
    expect(await recipient.getFunction('lastPayload')()).toBe('0x1111')

    const sent = await txCount(b, relayer(1))
    expect(await dest.deliver([items[0]!])).toEqual([{ id: observed[0]!.id, status: 'already-delivered' }])
    expect(await txCount(b, relayer(1))).toBe(sent) // nothing sent
    expect(await calls()).toBe(callsBefore + 1n)

    // A batch: the already-delivered one is settled without sending, the other two in one transaction.
    const results = await dest.deliver(items)
    expect(results.map((r) => r.status)).toEqual(['already-delivered', 'delivered', 'delivered'])
    expect(results[1]!.txHash).toBe(results[2]!.txHash)
    expect(await calls()).toBe(callsBefore + 2n)
    const wrappedToken = new Contract(wrapped, loadArtifact('WrappedToken').abi as InterfaceAbi, b.deployer)
    expect(await wrappedToken.getFunction('balanceOf')(beneficiary)).toBe(7n * 10n ** 18n)
    expect(await dest.committee()).toMatchObject({ epoch: 1n, threshold: 2 })
  }, 60_000)

  it('delivers a batch of several messages in one transaction', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b), { log })
    const batch = ['0xa1', '0xa2', '0xa3', '0xa4'].map((p) => item(appMessage(p as Hex)))
    const before = await calls()
    const results = await dest.deliver(batch)
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered'])
    expect(new Set(results.map((r) => r.txHash)).size).toBe(1)
    expect(await calls()).toBe(before + 4n)
    expect(await dest.deliver(batch)).toEqual(results.map((r) => ({ id: r.id, status: 'already-delivered' })))
  }, 30_000)

  it('reports a failing recipient as failed, and a paused bridge as retryable without sending', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, {}, 2), { log })
    await (await recipient.getFunction('setFailing')(true)).wait()
    try {
      const [r] = await dest.deliver([item(appMessage('0xf0'))])
      expect(r).toMatchObject({ status: 'failed' })
      expect(r!.reason).toMatch(/^0x/)
    } finally {
      await (await recipient.getFunction('setFailing')(false)).wait()
    }
    await (await b.bridge.getFunction('pause')()).wait()
    try {
      const sent = await txCount(b, relayer(2))
      const e = (await rejected(() => dest.deliver([item(appMessage('0xf1'))]))) as RelayError
      expect(e).toBeInstanceOf(DestinationPausedError)
      expect(e.retryable).toBe(true)
      expect(await txCount(b, relayer(2))).toBe(sent)
    } finally {
      await (await b.bridge.getFunction('unpause')()).wait()
    }
  }, 30_000)

  it('defers transfers a batch could not fit in the rate limit, and delivers them after refill', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b), { log })
    const homeToken = Wallet.createRandom().address
    const { wrapped } = await registerRemoteAsset(b.bridge, {
      homeDomain: DOMAIN_A,
      homeToken,
      name: 'Limited',
      symbol: 'LIM',
      decimals: 18,
    })
    const assetId = assetIdOf(DOMAIN_A, homeToken)
    await setRateLimit(b.bridge, { assetId, capacity: 10n, refillPerSecond: 0n })
    const beneficiary = Wallet.createRandom().address
    const transfer = (amount: bigint): Message => ({
      ...appMessage('0x'),
      recipient: recipientBytes(beneficiary),
      body: encodeTokenTransferBody({ asset: assetId, amount, beneficiary: recipientBytes(beneficiary) }),
    })
    const batch = [transfer(4n), transfer(4n), transfer(4n)].map(item)
    const results = await dest.deliver(batch)
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'deferred'])
    expect(results[2]!.reason).toBe('rate-limited')
    expect(await dest.isDelivered(results[2]!.id)).toBe(false)
    const token = new Contract(wrapped, loadArtifact('WrappedToken').abi as InterfaceAbi, b.deployer)
    expect(await token.getFunction('balanceOf')(beneficiary)).toBe(8n)
    // Raising the capacity (governance) lets the deferred one through, exactly once.
    await setRateLimit(b.bridge, { assetId, capacity: 100n, refillPerSecond: 0n })
    expect((await dest.deliver([batch[2]!]))[0]!.status).toBe('delivered')
    expect(await token.getFunction('balanceOf')(beneficiary)).toBe(12n)
  }, 30_000)

  it('refuses an under-signed certificate before sending anything', async () => {
    const { log } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, {}, 2), { log })
    const m = appMessage('0xf2')
    const sent = await txCount(b, relayer(2))
    const e = (await rejected(() =>
      dest.deliver([{ message: m, certificate: certify(m, b, [0]) }]),
    )) as DeliveryRevertedError
    expect(e).toBeInstanceOf(DeliveryRevertedError)
    expect(e.retryable).toBe(false)
    expect(e.meta['reason']).toBe('InsufficientSignatures')
    expect(await txCount(b, relayer(2))).toBe(sent)
  }, 30_000)

  it.each([
    ['dropped before forwarding', 'drop' as const],
    ['forwarded but answered with an error', 'forward' as const],
  ])(
    'leaves no nonce gap when every other broadcast is %s (F-22)',
    async (_name, variant) => {
      const k = variant === 'drop' ? 3 : 4
      proxy.setMode({
        kind: 'fail-every',
        method: 'eth_sendRawTransaction',
        every: 2,
        variant,
        reply:
          variant === 'drop'
            ? { kind: 'http', status: 503 }
            : { kind: 'rpc-error', code: -32603, message: 'internal error' },
      })
      try {
        const { log } = captureLogger()
        // One attempt per request: the failed broadcast reaches the nonce manager instead of being retried away.
        const dest = createEvmAdapter(adapterOptions(b, { rpcUrls: [proxy.url], rpcMaxAttempts: 1 }, k), { log })
        const start = await txCount(b, relayer(k))
        const hashes = new Set<string>()
        for (const p of ['0xb1', '0xb2', '0xb3', '0xb4']) {
          const [r] = await dest.deliver([item(appMessage(p as Hex))])
          expect(r!.status).toBe('delivered')
          hashes.add(r!.txHash!)
        }
        expect(proxy.faults()).toBeGreaterThanOrEqual(2)
        const end = await txCount(b, relayer(k))
        expect(end - start).toBe(BigInt(hashes.size)) // every nonce used by exactly one delivered transaction
        expect(await txCount(b, relayer(k), 'pending')).toBe(end) // nothing left queued
      } finally {
        proxy.setMode({ kind: 'pass' })
      }
    },
    40_000,
  )

  it('re-sends a dropped transaction with the same nonce (F-24)', async () => {
    const { log, lines } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, { stuckAfterMs: 300 }, 5), { log })
    const start = await txCount(b, relayer(5))
    const before = await calls()
    await b.node.rpc('evm_setAutomine', [false])
    try {
      const pending = dest.deliver([item(appMessage('0xd1'))])
      const sent = await waitUntil(() => lines.find((l) => l.msg === 'transaction broadcast'), 10_000, 'the broadcast')
      expect(await b.node.rpc('hardhat_dropTransaction', [sent['txHash']])).toBe(true)
      await waitUntil(
        () => lines.find((l) => l.msg === 'transaction dropped, re-sent with the same nonce'),
        10_000,
        'the re-send',
      )
      await mine(b, 1)
      const [r] = await pending
      expect(r).toMatchObject({ status: 'delivered', txHash: sent['txHash'] })
    } finally {
      await b.node.rpc('evm_setAutomine', [true])
    }
    expect(await txCount(b, relayer(5))).toBe(start + 1n)
    expect(await calls()).toBe(before + 1n)
  }, 30_000)

  it('replaces an underpriced stuck transaction with bumped fees and it lands once (F-23)', async () => {
    const { log, lines } = captureLogger()
    const dest = createEvmAdapter(adapterOptions(b, { stuckAfterMs: 300 }, 6), { log })
    const start = await txCount(b, relayer(6))
    const before = await calls()
    await b.node.rpc('evm_setAutomine', [false])
    try {
      const pending = dest.deliver([item(appMessage('0xe1'))])
      const sent = await waitUntil(() => lines.find((l) => l.msg === 'transaction broadcast'), 10_000, 'the broadcast')
      // A base-fee spike above the transaction's max fee: the next block leaves it out.
      const spike = BigInt(sent['maxFeePerGasWei'] as string) * 3n
      await b.node.rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${spike.toString(16)}`])
      await mine(b, 1)
      expect(await b.node.rpc('eth_getTransactionReceipt', [sent['txHash']])).toBeNull()
      const replaced = await waitUntil(
        () => lines.find((l) => l.msg === 'transaction replaced'),
        10_000,
        'the replacement',
      )
      expect(BigInt(replaced['maxFeePerGasWei'] as string)).toBeGreaterThan(
        (BigInt(sent['maxFeePerGasWei'] as string) * 1125n) / 1000n,
      )
      await mine(b, 1)
      const [r] = await pending
      expect(r).toMatchObject({ status: 'delivered', txHash: replaced['txHash'] })
      expect(await b.node.rpc('eth_getTransactionReceipt', [sent['txHash']])).toBeNull()
    } finally {
      await b.node.rpc('evm_setAutomine', [true])
    }
    expect(await txCount(b, relayer(6))).toBe(start + 1n)
    expect(await calls()).toBe(before + 1n)
  }, 30_000)
})
