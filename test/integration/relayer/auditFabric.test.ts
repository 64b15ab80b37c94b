// `isthmus audit` with Fabric as origin and as destination: a real Fabric network (the bridge chaincode's
// Dispatch with its fabric-block bundle; certified deliveries), a real hardhat bridge and real NATS.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { type Contract, ContractFactory, type InterfaceAbi, JsonRpcProvider, Wallet } from 'ethers'
import { filter, firstValueFrom } from 'rxjs'
import { createDeliveryReader } from '../../../adapters/evm/createDeliveryReader.js'
import { createEvmAdapter } from '../../../adapters/evm/createEvmAdapter.js'
import { createFabricAdapter, type FabricAdapterOptions } from '../../../adapters/fabric/createFabricAdapter.js'
import { p256ScalarOf } from '../../../adapters/fabric/p256Key.js'
import type { ObservedMessage } from '../../../adapters/types.js'
import { auditCommand } from '../../../cli/commands/audit.js'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { writeRelayerFiles } from '../../../cli/devnet/writeRelayerFiles.js'
import { createFabricAuditSource, type FabricAuditSource } from '../../../cli/fabricAuditSource.js'
import { loadArtifact } from '../../../contracts/artifacts.js'
import { deployBridge } from '../../../contracts/deploy.js'
import {
  addressToBytes32,
  bytesToHex,
  encodeAppBody,
  encodeMessage,
  evmBridgeRef,
  fabricBridgeRef,
  messageId,
} from '../../../protocol/index.js'
import { createAuditor } from '../../../relayer/audit/createAuditor.js'
import { proofSubject } from '../../../relayer/nats/subjects.js'
import type { ChainRef, Hex, Message } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { FABRIC_COMMITTEE_KEYS, fabricClient, useFabricNetwork } from '../../harness/fabricNetwork.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { type NatsFixture, useNatsWithTopology } from '../nats/natsFixture.js'

const FABRIC_DOMAIN = 42
const EVM_DOMAIN = 1
const EVM: ChainRef = 'evm:31337'

describe('isthmus audit: Fabric origin and destination (Fabric network, hardhat bridge, NATS)', () => {
  const fabric = useFabricNetwork({ domain: FABRIC_DOMAIN, assets: [] })
  let nats: NatsFixture
  let node: HardhatNode
  let provider: JsonRpcProvider
  let bridge: Contract
  let bridgeAddress: Hex
  let recipient: Hex
  let auditSource: FabricAuditSource
  const committeeKey = Wallet.createRandom().privateKey
  useNatsWithTopology((x) => {
    nats = x
  })

  const options = (): FabricAdapterOptions => {
    const net = fabric.net
    const id = net.identities['Org1MSP']!.user
    return {
      chain: `fabric:${net.channel}`,
      domain: FABRIC_DOMAIN,
      channel: net.channel,
      chaincode: net.chaincode,
      peerEndpoint: net.peers[0]!.endpoint,
      tlsRootCertPem: net.peers[0]!.tlsRootCertPem,
      tlsHostnameOverride: net.peers[0]!.hostname,
      mspId: id.mspId,
      certPem: id.certPem,
      keyPem: id.keyPem,
      mspRoots: net.mspRoots,
      ordererMspIds: net.ordererMspIds,
      endorsementPolicy: net.endorsementPolicy,
      requestTimeoutMs: 10_000,
      reconnectBaseMs: 50,
    }
  }

  beforeAll(async () => {
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
    auditSource = createFabricAuditSource(options())
  }, 90_000)
  afterAll(async () => {
    await auditSource?.close()
    provider?.destroy()
    await node?.stop()
  }, 30_000)

  /** A Dispatch to the EVM recipient on the bridge chaincode, observed by the Fabric adapter with its bundle. */
  const dispatch = async (payload: Hex): Promise<ObservedMessage> => {
    const c = fabricClient(fabric.net, 'Org1MSP', 'user')
    const adapter = createFabricAdapter(options(), { log: captureLogger('warn').log })
    try {
      const id = Buffer.from(await c.contract.submitTransaction('dispatch', String(EVM_DOMAIN), recipient, payload))
        .toString('utf8')
        .toLowerCase()
      const batch = await firstValueFrom(
        adapter.observe$(0n).pipe(filter((b) => b.messages.some((m) => m.id.toLowerCase() === id))),
      )
      return batch.messages.find((m) => m.id.toLowerCase() === id)!
    } finally {
      c.close()
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

  it('verifies a Fabric-origin delivery from its fabric-block bundle, then reports a tampered bundle', async () => {
    const m = await dispatch('0xc0ffee')
    expect(m.message.origin).toBe(FABRIC_DOMAIN)
    const { js } = await nats.connect('publisher')
    const bundle = JSON.parse(JSON.stringify(m.bundle)) as Record<string, unknown>
    await js.publish(proofSubject(FABRIC_DOMAIN, m.id), JSON.stringify(bundle))
    await deliver(m)

    const r1 = await (await auditor('audit-1')).runOnce()
    expect(r1.checked).toBe(1)
    expect(r1.mismatches).toEqual([])
    expect(r1.byResult).toEqual({ ok: 1 })
    expect(await auditSource.source.reader.blockHashAt(m.source.blockNumber)).toBe(m.source.blockHash)

    // The same block and transaction claiming another message: it no longer verifies.
    const claimed = bytesToHex(encodeMessage({ ...m.message, body: encodeAppBody('0xbadbad') }))
    await js.publish(proofSubject(FABRIC_DOMAIN, m.id), JSON.stringify({ ...bundle, message: claimed }))
    const r2 = await (await auditor('audit-2')).runOnce()
    expect(r2.checked).toBe(1)
    expect(r2.mismatches).toEqual([
      expect.objectContaining({ id: m.id, origin: FABRIC_DOMAIN, result: 'bundle-invalid', destination: EVM }),
    ])
  }, 120_000)

  /** Deliver `m` on the bridge chaincode with a valid committee certificate (as a relayer does). */
  const deliverOnFabric = async (m: Message) => {
    const cert = signCertificate({
      keys: FABRIC_COMMITTEE_KEYS.slice(0, 2),
      epoch: 1n,
      destination: FABRIC_DOMAIN,
      destinationBridge: fabricBridgeRef(fabric.net.channel, fabric.net.chaincode),
      id: messageId(m),
    })
    const c = fabricClient(fabric.net, 'Org2MSP', 'user')
    try {
      await c.contract.submitTransaction('deliver', bytesToHex(encodeMessage(m)), '1', cert.signatures)
    } finally {
      c.close()
    }
  }

  it('audits deliveries on the Fabric destination: an EVM-origin one verifies, a forged one is bundle-missing', async () => {
    const log = captureLogger('warn').log
    const evm = createEvmAdapter(
      {
        chain: EVM,
        chainId: 31337n,
        domain: EVM_DOMAIN,
        rpcUrls: [node.rpcUrl],
        bridge: bridgeAddress,
        finality: { mode: 'confirmations', confirmations: 1 },
        pollIntervalMs: 50,
        requestTimeoutMs: 5_000,
        maxFeePerGasCapWei: 10n ** 12n,
      },
      { log },
    )
    const fabricHead = await auditSource.reader.head()
    let genuine: ObservedMessage
    try {
      const sender = new Wallet(HARDHAT_DEV_KEYS[1]!, provider)
      const from = BigInt(await provider.getBlockNumber())
      const fabricRecipient = `0x${'77'.repeat(32)}` as Hex
      await (
        await (bridge.connect(sender) as Contract).getFunction('dispatch')(FABRIC_DOMAIN, fabricRecipient, '0xabcd')
      ).wait()
      await (await sender.sendTransaction({ to: sender.address, value: 0n })).wait() // one confirmation
      const batch = await firstValueFrom(evm.observe$(from).pipe(filter((b) => b.messages.length > 0)))
      genuine = batch.messages[0]!
    } finally {
      await evm.close()
    }
    expect(genuine.message.destination).toBe(FABRIC_DOMAIN)
    const { js } = await nats.connect('publisher-2')
    await js.publish(proofSubject(EVM_DOMAIN, genuine.id), JSON.stringify(genuine.bundle))
    await deliverOnFabric(genuine.message)
    // Certified, but never dispatched on the source: no bundle anywhere.
    const forged: Message = { ...genuine.message, nonce: 4242n, body: encodeAppBody('0x666f726765') }
    await deliverOnFabric(forged)

    const evmReader = createDeliveryReader({
      chain: EVM,
      rpcUrls: [node.rpcUrl],
      bridge: bridgeAddress,
      requestTimeoutMs: 5_000,
      maxLogRangeBlocks: 2_000,
      log,
    })
    const { js: ajs } = await nats.connect('audit-3')
    const auditor = createAuditor({
      js: ajs,
      destinations: [{ reader: auditSource.reader, domain: FABRIC_DOMAIN, fromBlock: fabricHead + 1n }],
      sources: [
        {
          source: { domain: EVM_DOMAIN, chain: EVM, trust: { chainId: 31337n, bridge: bridgeAddress } },
          reader: evmReader,
        },
      ],
      log: captureLogger('fatal').log,
    })
    const r = await auditor.runOnce()
    expect(r.checked).toBe(2)
    expect(r.ok).toBe(1)
    expect(r.mismatches).toEqual([
      expect.objectContaining({
        id: messageId(forged),
        origin: EVM_DOMAIN,
        nonce: '4242',
        result: 'bundle-missing',
        destination: `fabric:${fabric.net.channel}`,
      }),
    ])
    // A second pass has nothing new to audit.
    expect((await auditor.runOnce()).checked).toBe(0)
  }, 120_000)

  it('isthmus audit --config (EVM + Fabric relayer config) audits Fabric as origin and destination', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isthmus-audit-fabric-'))
    const pems = join(dir, 'pem')
    mkdirSync(pems)
    const pem = (name: string, body: string) => {
      const p = join(pems, name)
      writeFileSync(p, body)
      return p
    }
    const net = fabric.net
    const user = net.identities['Org1MSP']!.user
    const member = (i: number) => ({
      id: `m${i}`,
      attestationKey: Wallet.createRandom().privateKey as Hex,
      deliveryKey: HARDHAT_DEV_KEYS[i]! as Hex,
    })
    const members = [member(0), member(1), member(2)]
    const files = writeRelayerFiles({
      dir,
      member: members[0]!,
      members,
      threshold: 2,
      epoch: 1n,
      chains: [
        {
          ref: EVM,
          domain: EVM_DOMAIN,
          chainId: 31337n,
          rpcUrl: node.rpcUrl,
          bridge: bridgeAddress,
          startBlock: 0n,
          confirmations: 1,
          pollIntervalMs: 100,
        },
      ],
      fabric: {
        ref: `fabric:${net.channel}`,
        domain: FABRIC_DOMAIN,
        peerEndpoint: net.peers[0]!.endpoint,
        tlsRootCertPath: pem('peer-tls-ca.pem', net.peers[0]!.tlsRootCertPem),
        tlsHostnameOverride: net.peers[0]!.hostname,
        channel: net.channel,
        chaincode: net.chaincode,
        mspId: user.mspId,
        certPath: pem('cert.pem', user.certPem),
        keyScalar: p256ScalarOf(user.keyPem),
        mspRoots: Object.fromEntries(
          Object.entries(net.mspRoots).map(([msp, certs]) => [msp, certs.map((c, i) => pem(`${msp}-${i}.pem`, c))]),
        ),
        ordererMspIds: net.ordererMspIds,
        endorsementPolicy: { signedBy: net.endorsementPolicy.signedBy, rule: 'AND' },
        startBlock: 0n,
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
    const report = JSON.parse(out) as {
      checked: number
      byResult: Record<string, number>
      scanned: { chain: string }[]
    }
    expect(code).toBe(1)
    // EVM: the Fabric-origin delivery next to its tampered bundle; Fabric: the EVM-origin one and the forged one.
    expect(report.byResult).toEqual({ 'bundle-invalid': 1, ok: 1, 'bundle-missing': 1 })
    expect(report.checked).toBe(3)
    expect(report.scanned.map((x) => x.chain).sort()).toEqual([EVM, `fabric:${net.channel}`].sort())
  }, 60_000)
})
