import { Wallet } from 'ethers'
import { firstValueFrom, lastValueFrom, take, tap, timeout } from 'rxjs'
import { createEvmAdapter, type SourceBatch } from '../../../../adapters/index.js'
import {
  BridgeNotDeployedError,
  ChainIdMismatchError,
  EndpointDisagreementError,
  type RelayError,
} from '../../../../errors.js'
import { verifyEvmReceiptBundle } from '../../../../proofs/index.js'
import { decodeBody } from '../../../../protocol/index.js'
import type { Hex } from '../../../../types.js'
import { rejected } from '../../../harness/thrown.js'
import {
  adapterOptions,
  batchesUntil,
  captureLogger,
  deployBridge,
  deployContract,
  devWallet,
  expectContiguous,
  headNumber,
  mine,
  recipientBytes,
  startChain,
  type TestChain,
  waitUntil,
} from './fixture.js'

const DOMAIN_A = 101
const DOMAIN_B = 202
let a: TestChain
let b: TestChain

beforeAll(async () => {
  ;[a, b] = await Promise.all([startChain(31_337n + 21n, DOMAIN_A), startChain(31_337n + 22n, DOMAIN_B)])
}, 60_000)
afterAll(async () => {
  await Promise.all([a?.node.stop(), b?.node.stop()])
})

const dispatch = async (chain: TestChain, payload: string, dest = DOMAIN_B) => {
  const tx = await chain.bridge.getFunction('dispatch')(dest, recipientBytes(chain.deployer.address), payload)
  return (await tx.wait())!
}

describe('EVM adapter source (observe$)', () => {
  it('emits app messages and token transfers once finalized, with bundles that verify against the cross-checked hash', async () => {
    const token = await deployContract(a.deployer, 'TestToken', ['Test', 'TST', 18, 0])
    const tokenAddress = await token.getAddress()
    await (await a.bridge.getFunction('registerHomeAsset')(tokenAddress)).wait()
    await (await token.getFunction('mint')(a.deployer.address, 10n ** 21n)).wait()
    await (await token.getFunction('approve')(a.bridgeAddress, 10n ** 21n)).wait()
    const start = (await headNumber(a)) + 1n
    await dispatch(a, '0x01')
    await dispatch(a, '0xbeef')
    const beneficiary = recipientBytes(Wallet.createRandom().address)
    await (await a.bridge.getFunction('sendToken')(tokenAddress, 5n * 10n ** 18n, DOMAIN_B, beneficiary)).wait()
    const last = await headNumber(a)
    const { log } = captureLogger()
    const adapter = createEvmAdapter(adapterOptions(a, { finality: { mode: 'confirmations', confirmations: 3 } }), {
      log,
    })
    // The last message is not final until 2 more blocks exist.
    const early = await firstValueFrom(adapter.observe$(start).pipe(take(1), timeout(10_000)))
    expect(early.toBlock).toBeLessThan(last)
    await mine(a, 2)
    const batches = await batchesUntil(adapter.observe$(start), last, 20_000)
    expectContiguous(batches)
    expect(batches[0]!.fromBlock).toBe(start)
    const msgs = batches.flatMap((x) => x.messages)
    expect(msgs.map((m) => decodeBody(m.message.body).kind)).toEqual(['app', 'app', 'tokenTransfer'])
    expect(msgs.map((m) => m.message.nonce)).toEqual([0n, 1n, 2n])
    for (const m of msgs) {
      expect(m.message.origin).toBe(DOMAIN_A)
      const hash = (
        await a.node.rpc<{ hash: Hex }>('eth_getBlockByNumber', [`0x${m.source.blockNumber.toString(16)}`, false])
      ).hash
      const r = verifyEvmReceiptBundle(m.bundle, {
        bridge: a.bridgeAddress,
        chainId: a.chainId,
        trustedBlockHash: hash,
      })
      expect(r.id).toBe(m.id)
    }
    const transfer = decodeBody(msgs[2]!.message.body)
    expect(transfer).toMatchObject({ kind: 'tokenTransfer', amount: 5n * 10n ** 18n, beneficiary })
  }, 60_000)

  it('emits a batch for ranges without messages so the cursor advances, in bounded ranges', async () => {
    const from = await headNumber(a)
    await mine(a, 12)
    const { log } = captureLogger()
    const adapter = createEvmAdapter(adapterOptions(a, { maxLogRangeBlocks: 4 }), { log })
    const batches = await batchesUntil(adapter.observe$(from), from + 10n, 20_000)
    expectContiguous(batches)
    expect(batches.every((x) => x.toBlock - x.fromBlock < 4n)).toBe(true)
    expect(batches.flatMap((x) => x.messages)).toEqual([])
  }, 30_000)

  it('ignores and alarms on Dispatch events of an unregistered emitter in the same block (NT-11)', async () => {
    const impostor = await deployBridge(a.deployer, DOMAIN_A)
    const from = (await headNumber(a)) + 1n
    await a.node.rpc('evm_setAutomine', [false])
    const user = devWallet(a.node, 5)
    try {
      await a.bridge.getFunction('dispatch')(DOMAIN_B, recipientBytes(user.address), '0xaa')
      await (impostor.connect(user) as typeof impostor).getFunction('dispatch')(
        DOMAIN_B,
        recipientBytes(user.address),
        '0xbb',
      )
      await mine(a, 1)
    } finally {
      await a.node.rpc('evm_setAutomine', [true])
    }
    await mine(a, 2)
    const { log, lines } = captureLogger()
    const adapter = createEvmAdapter(adapterOptions(a), { log })
    const batches = await batchesUntil(adapter.observe$(from), from, 20_000)
    const msgs = batches.flatMap((x) => x.messages)
    expect(msgs.map((m) => m.message.body)).toEqual(['0x00aa'])
    expect(lines.some((l) => l.alert === 'foreign-emitter' && l.level === 'error')).toBe(true)
  }, 30_000)

  it('never emits a message from an orphaned block and emits the re-included one once (F-07)', async () => {
    const { log } = captureLogger()
    const adapter = createEvmAdapter(adapterOptions(a, { finality: { mode: 'confirmations', confirmations: 5 } }), {
      log,
    })
    await mine(a, 6)
    const from = (await headNumber(a)) - 5n // empty, final blocks: the scan has something to emit
    const seen: SourceBatch[] = []
    const sub = adapter.observe$(from).subscribe({ next: (x) => seen.push(x) })
    try {
      const snap = await a.node.rpc<string>('evm_snapshot')
      const orphan = await dispatch(a, '0x0badf00d')
      await mine(a, 2) // depth 3 < 5: not final
      const orphanHash = orphan.blockHash.toLowerCase()
      // Finalized = head − 4 = the orphan's height − 2: the scan stops below the orphan.
      await waitUntil(
        () => seen.at(-1)?.toBlock === BigInt(orphan.blockNumber) - 2n,
        10_000,
        'the scan up to below the orphan',
      )
      await a.node.rpc('evm_revert', [snap])
      await mine(a, 1) // a different block at the orphan's height
      const again = await dispatch(a, '0x0badf00d') // same sender, nonce and body: the same message id
      await mine(a, 4)
      await waitUntil(() => seen.some((x) => x.toBlock >= BigInt(again.blockNumber)), 15_000, 'the re-included message')
      const msgs = seen.flatMap((x) => x.messages)
      expect(msgs).toHaveLength(1)
      expect(msgs[0]!.source.blockHash.toLowerCase()).toBe(again.blockHash.toLowerCase())
      expect(msgs[0]!.source.blockHash.toLowerCase()).not.toBe(orphanHash)
      expectContiguous(seen)
    } finally {
      sub.unsubscribe()
    }
  }, 40_000)

  it('errors with EndpointDisagreementError and emits nothing when two endpoints of one chain id diverge (F-04)', async () => {
    const twin = await startChain(a.chainId, DOMAIN_A) // same chain id, same deployer: same bridge address
    try {
      expect(twin.bridgeAddress).toBe(a.bridgeAddress)
      // Same height on both, different blocks (other timestamps and transactions).
      await mine(twin, Number((await headNumber(a)) - (await headNumber(twin))) + 3)
      await mine(a, 3)
      const { log, lines } = captureLogger()
      const adapter = createEvmAdapter(adapterOptions(a, { rpcUrls: [a.node.rpcUrl, twin.node.rpcUrl] }), { log })
      const emitted: SourceBatch[] = []
      const err = await rejected(() =>
        lastValueFrom(
          adapter.observe$(1n).pipe(
            tap((x) => emitted.push(x)),
            timeout(15_000),
          ),
        ),
      )
      expect(err).toBeInstanceOf(EndpointDisagreementError)
      expect((err as RelayError).retryable).toBe(false)
      expect(emitted).toEqual([])
      expect(lines.some((l) => l.alert === 'endpoint-disagreement' && l.level === 'error')).toBe(true)
      expect(await rejected(() => adapter.preflight())).toBeInstanceOf(EndpointDisagreementError)
    } finally {
      await twin.node.stop()
    }
  }, 40_000)

  it('preflight passes against the right chain and refuses a wrong chain id or a missing bridge (F-06)', async () => {
    const { log } = captureLogger()
    const report = await createEvmAdapter(adapterOptions(a), { log }).preflight()
    expect(report.checks.length).toBeGreaterThanOrEqual(5)
    const wrongChain = createEvmAdapter(adapterOptions(a, { rpcUrls: [a.node.rpcUrl, b.node.rpcUrl] }), { log })
    const e = await rejected(() => wrongChain.preflight())
    expect(e).toBeInstanceOf(ChainIdMismatchError)
    expect(await rejected(() => firstValueFrom(wrongChain.observe$(0n)))).toBeInstanceOf(ChainIdMismatchError)
    const noBridge = createEvmAdapter(
      adapterOptions(a, { bridge: Wallet.createRandom().address.toLowerCase() as Hex }),
      { log },
    )
    expect(await rejected(() => noBridge.preflight())).toBeInstanceOf(BridgeNotDeployedError)
    const wrongDomain = createEvmAdapter(adapterOptions(a, { domain: 999 }), { log })
    expect(await rejected(() => wrongDomain.preflight())).toBeInstanceOf(ChainIdMismatchError)
  }, 30_000)
})
