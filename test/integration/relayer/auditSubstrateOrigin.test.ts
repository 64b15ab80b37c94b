// `isthmus audit` of Substrate-origin deliveries: a real chopsticks Asset Hub source (an app intent and
// its substrate-storage bundle), a real hardhat destination bridge (the certified delivery) and real NATS.

import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'
import { type Contract, ContractFactory, type InterfaceAbi, JsonRpcProvider, Wallet } from 'ethers'
import { filter, firstValueFrom } from 'rxjs'
import { createDeliveryReader } from '../../../adapters/evm/createDeliveryReader.js'
import { createSubstrateAdapter } from '../../../adapters/substrate/createSubstrateAdapter.js'
import type { ObservedMessage } from '../../../adapters/types.js'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { createSubstrateAuditSource, type SubstrateAuditSource } from '../../../cli/substrateAuditSource.js'
import { loadArtifact } from '../../../contracts/artifacts.js'
import { deployBridge } from '../../../contracts/deploy.js'
import { encodeIntent } from '../../../proofs/substrate/intent/decodeIntent.js'
import { addressToBytes32, encodeAppBody, evmBridgeRef } from '../../../protocol/index.js'
import { createAuditor } from '../../../relayer/audit/createAuditor.js'
import { proofSubject } from '../../../relayer/nats/subjects.js'
import type { ChainRef, Hex } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { type ChopsticksFixture, useChopsticks } from '../../harness/chopsticks.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { type NatsFixture, useNatsWithTopology } from '../nats/natsFixture.js'

const HUB = 3
const HUB_REF: ChainRef = 'substrate:asset-hub-local'
const EVM_DOMAIN = 1
const EVM: ChainRef = 'evm:31337'

describe('isthmus audit: Substrate-origin deliveries (chopsticks Asset Hub source, hardhat bridge, NATS)', () => {
  let f: ChopsticksFixture
  let nats: NatsFixture
  let node: HardhatNode
  let provider: JsonRpcProvider
  let bridge: Contract
  let bridgeAddress: Hex
  let recipient: Hex
  let committeeAccount: Hex
  let auditSource: SubstrateAuditSource
  const committeeKey = Wallet.createRandom().privateKey
  useChopsticks((x) => {
    f = x
  })
  useNatsWithTopology((x) => {
    nats = x
  })
  beforeAll(async () => {
    committeeAccount = u8aToHex(decodeAddress(f.dave.address)) as Hex
    node = await startHardhatNode({ chainId: 31337n })
    provider = new JsonRpcProvider(node.rpcUrl, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 })
    const deployer = new Wallet(HARDHAT_DEV_KEYS[0]!, provider)
    const d = await deployBridge({
      signer: deployer,
      localDomain: EVM_DOMAIN,
      committee: { signers: [new Wallet(committeeKey).address], threshold: 1 },
    })
    bridge = d.bridge
    bridgeAddress = d.address.toLowerCase() as Hex
    const a = loadArtifact('RecordingRecipient')
    const r = await new ContractFactory(a.abi as InterfaceAbi, a.bytecode, deployer).deploy(d.address)
    await r.waitForDeployment()
    recipient = addressToBytes32(await r.getAddress())
    auditSource = await createSubstrateAuditSource({
      chain: HUB_REF,
      domain: HUB,
      wsUrls: [f.chain.wsUrl],
      genesisHash: f.chain.genesisHash,
      committeeAccount,
      wrappedAssets: {},
      commitments: 'chopsticks',
      requestTimeoutMs: 10_000,
      log: captureLogger('warn').log,
    })
  }, 90_000)
  afterAll(async () => {
    await auditSource?.close()
    provider?.destroy()
    await node?.stop()
  }, 30_000)

  /** Bob's app intent to the EVM recipient, observed by a Substrate source adapter with its bundle. */
  const intend = async (payload: Hex): Promise<ObservedMessage> => {
    const adapter = createSubstrateAdapter(
      {
        chain: HUB_REF,
        domain: HUB,
        wsUrls: [f.chain.wsUrl],
        genesisHash: f.chain.genesisHash,
        committeeAccount,
        commitments: 'chopsticks',
        pollIntervalMs: 100,
      },
      { log: captureLogger('warn').log },
    )
    try {
      const start = BigInt(await f.chain.headNumber()) + 1n
      const tx = f.api.tx
      await tx.utility!.batchAll!([
        tx.system!.remarkWithEvent!(encodeIntent({ destination: EVM_DOMAIN, recipient, body: encodeAppBody(payload) })),
      ]).signAndSend(f.bob, { nonce: -1 })
      await f.chain.newBlock()
      const batch = await firstValueFrom(adapter.observe$(start).pipe(filter((b) => b.messages.length > 0)))
      return batch.messages[0]!
    } finally {
      await adapter.close()
    }
  }

  const deliver = async (m: ObservedMessage) => {
    const cert = signCertificate({
      keys: [committeeKey],
      epoch: 1n,
      destination: EVM_DOMAIN,
      destinationBridge: evmBridgeRef(31337n, bridgeAddress),
      id: m.id,
    })
    const relayer = bridge.connect(new Wallet(HARDHAT_DEV_KEYS[2]!, provider)) as Contract
    await (await relayer.getFunction('deliver')(m.encoded, cert.epoch, cert.signatures)).wait()
  }

  const auditor = async (name: string) => {
    const { js } = await nats.connect(name)
    const reader = createDeliveryReader({
      chain: EVM,
      rpcUrls: [node.rpcUrl],
      bridge: bridgeAddress,
      requestTimeoutMs: 5_000,
      maxLogRangeBlocks: 2_000,
      log: captureLogger('warn').log,
    })
    return createAuditor({
      js,
      destinations: [{ reader, domain: EVM_DOMAIN, fromBlock: 0n }],
      sources: [auditSource.source],
      log: captureLogger('fatal').log,
    })
  }

  it('verifies an Asset Hub-origin delivery from its substrate-storage bundle, then reports a tampered bundle', async () => {
    const m = await intend('0xc0ffee')
    expect(m.message.origin).toBe(HUB)
    const { js } = await nats.connect('publisher')
    await js.publish(proofSubject(HUB, m.id), JSON.stringify(m.bundle))
    await deliver(m)

    const r1 = await (await auditor('audit-1')).runOnce()
    expect(r1.checked).toBe(1)
    expect(r1.mismatches).toEqual([])
    expect(r1.byResult).toEqual({ ok: 1 })

    // The same bundle with the proven message swapped for another payload: it no longer verifies.
    const other = await intend('0xbadbad')
    const tampered = { ...(m.bundle as unknown as Record<string, unknown>), message: other.encoded }
    await js.publish(proofSubject(HUB, m.id), JSON.stringify(tampered))
    const r2 = await (await auditor('audit-2')).runOnce()
    expect(r2.checked).toBe(1)
    expect(r2.mismatches).toEqual([
      expect.objectContaining({ id: m.id, origin: HUB, result: 'bundle-invalid', destination: EVM }),
    ])
  }, 120_000)
})
