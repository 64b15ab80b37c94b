// `isthmus audit` on a Substrate destination: a real chopsticks Asset Hub (committee multisig
// deliveries), a real hardhat source bridge (the evm-receipt bundle of a real dispatch) and real NATS.

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Contract, JsonRpcProvider, Wallet } from 'ethers'
import { filter, firstValueFrom } from 'rxjs'
import { createDeliveryReader } from '../../../adapters/evm/createDeliveryReader.js'
import { createEvmAdapter } from '../../../adapters/evm/createEvmAdapter.js'
import { createSubstrateDeliveryReader } from '../../../adapters/substrate/destination/createSubstrateDeliveryReader.js'
import { buildDeliveryCall } from '../../../adapters/substrate/destination/deliveryCall.js'
import type { ChainAdapter } from '../../../adapters/types.js'
import { auditCommand } from '../../../cli/commands/audit.js'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { writeRelayerFiles } from '../../../cli/devnet/writeRelayerFiles.js'
import { deployBridge } from '../../../contracts/deploy.js'
import { messageId } from '../../../protocol/index.js'
import { type AuditDestination, createAuditor } from '../../../relayer/audit/createAuditor.js'
import { proofSubject } from '../../../relayer/nats/subjects.js'
import type { ChainRef, Hex, Message } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { type ChopsticksFixture, useChopsticks } from '../../harness/chopsticks.js'
import { upgradeRuntime } from '../../harness/runtimeUpgrade.js'
import { pollUntil } from '../../harness/substrateE2e.js'
import {
  ASSETS,
  accountOf,
  certify,
  createTestbed,
  type DestinationTestbed,
  DOMAIN,
} from '../adapters/substrate/destinationFixture.js'
import { type NatsFixture, useNatsWithTopology } from '../nats/natsFixture.js'

const ORIGIN = 1
const EVM: ChainRef = 'evm:31337'

describe('isthmus audit: Substrate destination (chopsticks Asset Hub, hardhat source, NATS)', () => {
  let f: ChopsticksFixture
  let nats: NatsFixture
  let t: DestinationTestbed
  let node: HardhatNode
  let provider: JsonRpcProvider
  let bridge: Hex
  let source: ChainAdapter
  useChopsticks((x) => {
    f = x
  })
  useNatsWithTopology((x) => {
    nats = x
  })
  beforeAll(async () => {
    t = await createTestbed(f)
    node = await startHardhatNode({ chainId: 31337n })
    provider = new JsonRpcProvider(node.rpcUrl, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 })
    const deployer = new Wallet(HARDHAT_DEV_KEYS[0]!, provider)
    const d = await deployBridge({
      signer: deployer,
      localDomain: ORIGIN,
      committee: { signers: [Wallet.createRandom().address], threshold: 1 },
    })
    bridge = d.address.toLowerCase() as Hex
    source = createEvmAdapter(
      {
        chain: EVM,
        chainId: 31337n,
        domain: ORIGIN,
        rpcUrls: [node.rpcUrl],
        bridge,
        finality: { mode: 'confirmations', confirmations: 1 },
        pollIntervalMs: 50,
        requestTimeoutMs: 5_000,
        maxFeePerGasCapWei: 10n ** 12n,
      },
      { log: captureLogger('warn').log },
    )
  }, 90_000)
  afterAll(async () => {
    t?.stopBlocks()
    await source?.close()
    provider?.destroy()
    await node?.stop()
  }, 30_000)

  /** Dispatch an app message to the Asset Hub on the hardhat bridge; its observed message and bundle. */
  const dispatch = async (payload: Hex) => {
    const deployer = new Wallet(HARDHAT_DEV_KEYS[1]!, provider)
    const from = BigInt(await provider.getBlockNumber())
    const c = new Contract(bridge, ['function dispatch(uint32,bytes32,bytes) returns (bytes32)'], deployer)
    await (await c.getFunction('dispatch')(DOMAIN, accountOf(f.alice), payload)).wait()
    await (await deployer.sendTransaction({ to: deployer.address, value: 0n })).wait() // one confirmation
    const batch = await firstValueFrom(source.observe$(from).pipe(filter((x) => x.messages.length > 0)))
    return batch.messages[0]!
  }

  const deliver = async (m: Message) => {
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const results = await Promise.all([t.dests[0]!.deliver([item]), t.dests[1]!.deliver([item])])
    expect(results.map((r) => r[0]!.status).sort()).toEqual(['already-delivered', 'delivered'])
  }

  const auditor = async (name: string) => {
    const { js } = await nats.connect(name)
    const dest: AuditDestination = {
      reader: createSubstrateDeliveryReader({
        chain: 'substrate:asset-hub-local',
        api: f.api,
        account: t.dests[0]!.multisigAccount,
      }),
      domain: DOMAIN,
      fromBlock: t.startBlock,
      expectedCall: (id, m) => {
        const plan = buildDeliveryCall(f.api, id, m, ASSETS)
        return plan.kind === 'call' ? plan.callData : undefined
      },
    }
    const evmReader = createDeliveryReader({
      chain: EVM,
      rpcUrls: [node.rpcUrl],
      bridge,
      requestTimeoutMs: 5_000,
      maxLogRangeBlocks: 2_000,
      log: captureLogger('warn').log,
    })
    return createAuditor({
      js,
      destinations: [dest],
      sources: [{ source: { domain: ORIGIN, chain: EVM, trust: { chainId: 31337n, bridge } }, reader: evmReader }],
      log: captureLogger('fatal').log,
    })
  }

  it('verifies a genuine delivery, then reports a delivery with no bundle and a tampered bundle', async () => {
    const genuine = await dispatch('0x00c0ffee')
    await nats
      .connect('publisher')
      .then(({ js }) => js.publish(proofSubject(ORIGIN, genuine.id), JSON.stringify(genuine.bundle)))
    await deliver(genuine.message)
    const first = await auditor('audit-1')
    const r1 = await first.runOnce()
    expect(r1.checked).toBe(1)
    expect(r1.ok).toBe(1)
    expect(r1.mismatches).toEqual([])

    // A delivery the committee certified without any dispatch on the source: no bundle anywhere.
    const forged: Message = { ...genuine.message, nonce: 4242n, body: '0x00baddad' }
    await deliver(forged)
    // A tampered copy of the genuine bundle (a receipt proof node dropped), published next to it.
    const bundle = genuine.bundle as unknown as { receiptProof: string[] }
    const { js } = await nats.connect('tamperer')
    await js.publish(
      proofSubject(ORIGIN, genuine.id),
      JSON.stringify({ ...bundle, receiptProof: bundle.receiptProof.slice(1) }),
    )
    const r2 = await first.runOnce()
    expect(r2.checked).toBe(1)
    expect(r2.mismatches).toEqual([
      expect.objectContaining({
        id: messageId(forged),
        result: 'bundle-missing',
        destination: 'substrate:asset-hub-local',
      }),
    ])
    const fresh = await (await auditor('audit-2')).runOnce()
    const byId = new Map(fresh.mismatches.map((m) => [m.id, m]))
    expect(fresh.checked).toBe(2)
    expect(byId.get(genuine.id)).toMatchObject({
      result: 'bundle-invalid',
      origin: ORIGIN,
      nonce: String(genuine.message.nonce),
    })
    expect(byId.get(messageId(forged))?.result).toBe('bundle-missing')
  }, 120_000)

  it('isthmus audit --config (the same chains as a relayer config) audits the Substrate destination', async () => {
    const member = (i: number) => ({
      id: `m${i}`,
      attestationKey: Wallet.createRandom().privateKey as Hex,
      deliveryKey: HARDHAT_DEV_KEYS[i]! as Hex,
    })
    const members = [member(0), member(1), member(2)]
    const files = writeRelayerFiles({
      dir: mkdtempSync(join(tmpdir(), 'isthmus-audit-')),
      member: members[0]!,
      members,
      threshold: 2,
      epoch: 1n,
      chains: [
        {
          ref: EVM,
          domain: ORIGIN,
          chainId: 31337n,
          rpcUrl: node.rpcUrl,
          bridge,
          startBlock: 0n,
          confirmations: 1,
          pollIntervalMs: 100,
        },
      ],
      substrate: {
        spec: {
          ref: 'substrate:asset-hub-local',
          domain: DOMAIN,
          wsUrl: f.chain.wsUrl,
          genesisHash: f.chain.genesisHash,
          startBlock: t.startBlock,
          pollIntervalMs: 100,
          assets: [],
        },
        accounts: t.members.map(accountOf),
        seed: `0x${'11'.repeat(32)}`,
      },
      natsUrl: nats.server.url,
      keys: 'env',
      logLevel: 'warn',
      stuckAfterMs: 60_000,
      tuning: {},
    })
    let out = ''
    const stdout = new Writable({
      write: (c, _e, cb) => {
        out += String(c)
        cb()
      },
    })
    const stderr = new Writable({ write: (_c, _e, cb) => cb() })
    const code = await auditCommand.run({
      argv: ['--config', files.configPath, '--json', '--log-level', 'error'],
      stdout,
      stderr,
      env: { ...process.env, ...files.env },
      cwd: process.cwd(),
    })
    const report = JSON.parse(out) as { checked: number; byResult: Record<string, number> }
    expect(code).toBe(1)
    expect(report.checked).toBe(2)
    expect(report.byResult).toEqual({ 'bundle-missing': 1, 'bundle-invalid': 1 })
  }, 60_000)

  // Last: the chain runs the upgraded runtime from here on.
  it('reads deliveries on both sides of a runtime upgrade, each block with the runtime that executed it', async () => {
    const publish = async (m: { id: Hex; bundle: unknown }) => {
      const { js } = await nats.connect('publisher-upgrade')
      await js.publish(proofSubject(ORIGIN, m.id), JSON.stringify(m.bundle))
    }
    const before = await dispatch('0x00be4a')
    await publish(before)
    await deliver(before.message)
    const up = await upgradeRuntime(f.chain, f.api, f.bob)
    await pollUntil(
      async () => f.api.runtimeVersion.specVersion.toNumber(),
      (v) => v === up.to,
      { timeoutMs: 30_000, what: 'the client on the new runtime' },
    )
    const after = await dispatch('0x00af7e')
    await publish(after)
    await deliver(after.message)
    const reader = createSubstrateDeliveryReader({
      chain: 'substrate:asset-hub-local',
      api: f.api,
      account: t.dests[0]!.multisigAccount,
    })
    const records = await reader.deliveries(t.startBlock, await reader.head())
    const byId = new Map(records.map((r) => [r.id, r]))
    const afterBlock = byId.get(after.id)!.blockNumber
    const hashAt = (n: bigint) => f.chain.rpc<Hex>('chain_getBlockHash', [Number(n)])
    const specAt = async (n: bigint) =>
      (await f.chain.rpc<{ specVersion: number }>('state_getRuntimeVersion', [await hashAt(n - 1n)])).specVersion
    expect(await specAt(byId.get(before.id)!.blockNumber)).toBe(up.from)
    expect(await specAt(afterBlock)).toBe(up.to)
    const r = await (await auditor('audit-upgrade')).runOnce()
    const mismatched = new Set(r.mismatches.map((m) => m.id))
    expect(mismatched.has(before.id)).toBe(false)
    expect(mismatched.has(after.id)).toBe(false)
    expect(r.ok).toBeGreaterThanOrEqual(2)
  }, 120_000)
})
