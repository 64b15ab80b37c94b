import { type JetStreamClient, type JetStreamManager, jetstream, type StoredMsg } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import {
  Contract,
  ContractFactory,
  computeAddress,
  getAddress,
  type InterfaceAbi,
  JsonRpcProvider,
  keccak256,
  toUtf8Bytes,
  Wallet,
} from 'ethers'
import { lastValueFrom, tap } from 'rxjs'
import { type ChainAdapter, createEvmAdapter, type EvmAdapterOptions } from '../../../adapters/index.js'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { type NatsServer, startNatsServer } from '../../../cli/devnet/startNatsServer.js'
import { loadArtifact } from '../../../contracts/artifacts.js'
import { deployBridge, deployTestToken, registerHomeAsset, registerRemoteAsset } from '../../../contracts/deploy.js'
import { addressToBytes32 } from '../../../protocol/index.js'
import {
  BUCKETS,
  connectNats,
  createRelayerNode,
  decodeMessageRecord,
  ensureTopology,
  type MessageRecord,
  type NodeActivity,
  type RelayerNode,
  type RelayerNodeOptions,
  type RelayerTuning,
} from '../../../relayer/index.js'
import type { ChainRef, Hex } from '../../../types.js'
import type { OracleTarget } from '../../harness/oracles.js'

export const EPOCH = 1n
export const THRESHOLD = 2
export const DOMAIN_A = 1
export const DOMAIN_B = 2

/** Three committee members: generated attestation keys, delivery accounts = hardhat dev #1..#3. */
export const MEMBERS = [1, 2, 3].map((k) => {
  const key = keccak256(toUtf8Bytes(`isthmus relayer integration member ${k}`)) as Hex
  return {
    id: `relayer-${k}`,
    key,
    address: computeAddress(key).toLowerCase() as Hex,
    deliveryKey: HARDHAT_DEV_KEYS[k] as Hex,
  }
})
export type Member = (typeof MEMBERS)[number]

/** Fast timings for loopback chains that mine a block per transaction. */
export const TEST_TUNING: Partial<RelayerTuning> = {
  committeeRefreshMs: 2_000,
  retryBaseMs: 100,
  retryMaxMs: 1_000,
  deliveryLingerMs: 50,
  deliveryRetryDelaysMs: [200, 500, 1_000],
  aggregateRetryDelaysMs: [100, 300],
  aggregatorConsumer: { ackWaitMs: 5_000, maxDeliver: 5 },
  delivererConsumer: { ackWaitMs: 10_000, maxDeliver: 10 },
}

import { type CapturedLog, captureLogger } from '../../harness/captureLogger.js'

export { type CapturedLog, captureLogger }

/** Poll `check` every 100 ms until it returns a value, at most `timeoutMs` (bounded). */
export const waitUntil = async <T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    await new Promise((r) => setTimeout(r, 100))
  }
  expect(`waited ${timeoutMs} ms for ${what}`).toBe('reached')
  return undefined as never
}

export interface NetChain {
  node: HardhatNode
  ref: ChainRef
  chainId: bigint
  domain: number
  provider: JsonRpcProvider
  deployer: Wallet
  bridge: Contract
  bridgeAddress: Hex
  deployBlock: bigint
  /** RecordingRecipient (counts handled app messages). */
  recipient: Contract
  /** RevertingRecipient (every app message to it is Failed with a reason). */
  reverting: Hex
}

export interface TestNode {
  member: Member
  node: RelayerNode
  activities: NodeActivity[]
  lines: CapturedLog[]
  adapters: ChainAdapter[]
  nc: NatsConnection
  done: Promise<void>
  /** Graceful stop, then drain NATS and close the adapters. */
  stop(): Promise<void>
}

/** Per-node extras: tunings, and node options such as roles, failpoints with a fake crash, the clock. */
export interface StartNodeOptions {
  tuning?: Partial<RelayerTuning>
  node?: Pick<RelayerNodeOptions, 'roles' | 'failpoints' | 'crash' | 'now'>
}

export interface RelayNet {
  a: NetChain
  b: NetChain
  token: { assetId: Hex; home: Contract; homeAddress: Hex; wrapped: Contract; wrappedAddress: Hex }
  nats: NatsServer
  js: JetStreamClient
  jsm: JetStreamManager
  /** A user with home tokens on A (dev account #5) and its wallets on both chains. */
  user: { a: Wallet; b: Wallet; address: Hex }
  target: OracleTarget
  startNode(k: number, o?: StartNodeOptions): Promise<TestNode>
  /** Errors a node's `run$` ended with (a node must never die: expected empty). */
  nodeErrors: unknown[]
  record(id: Hex): Promise<MessageRecord | undefined>
  /** The last message of `stream` on `subject`, if any. */
  lastMessage(stream: string, subject: string): Promise<StoredMsg | undefined>
  /** Bridge status of `id` on `chain`: 0 none, 1 delivered, 2 failed, 3 queued. */
  statusOn(chain: NetChain, id: Hex): Promise<number>
  /** Delivered events of `id` on `chain` (I1: at most one). */
  deliveredEvents(chain: NetChain, id: Hex): Promise<number>
  /** The canonical encoding of a message dispatched on `chain` (from its Dispatch event). */
  messageOf(chain: NetChain, id: Hex): Promise<Hex>
  dispatchApp(from: NetChain, to: NetChain, recipient: string, payload: Hex): Promise<Hex>
  /** Many app messages in ONE block (automine paused while they are sent): a burst; `minedAtMs` = when it was mined. */
  dispatchBurst(
    from: NetChain,
    to: NetChain,
    recipient: string,
    payloads: Hex[],
  ): Promise<{ ids: Hex[]; minedAtMs: number }>
  sendToken(from: NetChain, to: NetChain, token: string, amount: bigint, beneficiary: string): Promise<Hex>
  close(): Promise<void>
}

// One request per call and no cache: sequential txs must see each other's nonces.
const providerOf = (node: HardhatNode) =>
  new JsonRpcProvider(node.rpcUrl, Number(node.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 50,
  })

const deploy = async (name: string, signer: Wallet, ...args: unknown[]): Promise<Contract> => {
  const a = loadArtifact(name)
  const c = await new ContractFactory(a.abi as InterfaceAbi, a.bytecode, signer).deploy(...args)
  await c.waitForDeployment()
  return c as unknown as Contract
}

const startChain = async (chainId: bigint, domain: number): Promise<NetChain> => {
  const node = await startHardhatNode({ chainId })
  const provider = providerOf(node)
  const deployer = new Wallet(HARDHAT_DEV_KEYS[0]!, provider)
  const d = await deployBridge({
    signer: deployer,
    localDomain: domain,
    committee: { signers: MEMBERS.map((m) => m.address), threshold: THRESHOLD, epoch: EPOCH },
  })
  const recipient = await deploy('RecordingRecipient', deployer, d.address)
  const reverting = await deploy('RevertingRecipient', deployer)
  return {
    node,
    ref: `evm:${chainId}`,
    chainId,
    domain,
    provider,
    deployer,
    bridge: d.bridge,
    bridgeAddress: d.address.toLowerCase() as Hex,
    deployBlock: d.deployBlock,
    recipient,
    reverting: (await reverting.getAddress()).toLowerCase() as Hex,
  }
}

const adapterOptions = (c: NetChain, deliveryKey: Hex): EvmAdapterOptions => ({
  chain: c.ref as EvmAdapterOptions['chain'],
  chainId: c.chainId,
  domain: c.domain,
  rpcUrls: [c.node.rpcUrl],
  bridge: c.bridgeAddress,
  finality: { mode: 'confirmations', confirmations: 1 },
  signerKey: deliveryKey,
  pollIntervalMs: 100,
  requestTimeoutMs: 5_000,
  rpcBackoffBaseMs: 20,
  rpcBackoffMaxMs: 300,
  maxLogRangeBlocks: 50,
  maxFeePerGasCapWei: 500n * 10n ** 9n,
  stuckAfterMs: 3_000,
  destinationConfirmations: 1,
})

const dispatchIdOf = (bridge: Contract, logs: readonly { topics: readonly string[]; data: string }[]): Hex => {
  for (const l of logs) {
    const ev = bridge.interface.parseLog({ topics: [...l.topics], data: l.data })
    if (ev?.name === 'Dispatch') return String(ev.args[0]).toLowerCase() as Hex
  }
  expect('a Dispatch event').toBe('in the receipt')
  return '0x' as never
}

/**
 * Two hardhat chains (A: 31337 / domain 1, B: 31338 / domain 2) with bridges (2-of-3 committee of
 * generated attestation keys), a home token on A registered as a wrapped asset on B, recipients,
 * a real nats-server with the topology, and relayer nodes created in-process on demand.
 */
export const startRelayNet = async (): Promise<RelayNet> => {
  const [a, b, nats] = await Promise.all([
    startChain(31337n, DOMAIN_A),
    startChain(31338n, DOMAIN_B),
    startNatsServer(),
  ])
  const { address: homeAddress, token: home } = await deployTestToken(a.deployer, { symbol: 'IST' })
  const { assetId } = await registerHomeAsset(a.bridge, homeAddress)
  const { wrapped: wrappedAddress } = await registerRemoteAsset(b.bridge, {
    homeDomain: DOMAIN_A,
    homeToken: homeAddress,
    name: 'Wrapped IST',
    symbol: 'wIST',
    decimals: 18,
  })
  const userKey = HARDHAT_DEV_KEYS[5]!
  const user = {
    a: new Wallet(userKey, a.provider),
    b: new Wallet(userKey, b.provider),
    address: computeAddress(userKey).toLowerCase() as Hex,
  }
  await (await home.getFunction('mint')(user.address, 10n ** 24n)).wait()
  const wrapped = new Contract(wrappedAddress, loadArtifact('WrappedToken').abi as InterfaceAbi, b.provider)
  const { log: adminLog } = captureLogger('warn')
  const adminNc = await connectNats({ servers: [nats.url], name: 'test-admin', reconnectTimeWaitMs: 100 }, adminLog)
  const js = jetstream(adminNc, { timeout: 5_000 })
  const jsm = await js.jetstreamManager()
  await ensureTopology(js)
  const nodes = new Set<TestNode>()
  const errors: unknown[] = []

  const startNode = async (k: number, o: StartNodeOptions = {}): Promise<TestNode> => {
    const member = MEMBERS[k]!
    const { log, lines } = captureLogger('debug')
    const adapters = [a, b].map((c) => createEvmAdapter(adapterOptions(c, member.deliveryKey), { log }))
    const nc = await connectNats({ servers: [nats.url], name: member.id, reconnectTimeWaitMs: 100 }, log)
    const node = createRelayerNode({
      memberId: member.id,
      attestationKey: member.key,
      chains: adapters.map((adapter, i) => {
        const c = [a, b][i]!
        return { adapter, startBlock: c.deployBlock, trust: { chainId: c.chainId, bridge: c.bridgeAddress } }
      }),
      routes: [
        { from: a.ref, to: b.ref },
        { from: b.ref, to: a.ref },
      ],
      js: jetstream(nc, { timeout: 5_000 }),
      log,
      tuning: { ...TEST_TUNING, ...o.tuning },
      ...o.node,
    })
    const activities: NodeActivity[] = []
    const done = lastValueFrom(node.run$.pipe(tap((x) => activities.push(x))), { defaultValue: undefined }).then(
      () => undefined,
      (err: unknown) => {
        errors.push(err)
      },
    )
    let stopped: Promise<void> | undefined
    const t: TestNode = {
      member,
      node,
      activities,
      lines,
      adapters,
      nc,
      done,
      stop: () => {
        stopped ??= (async () => {
          node.stop()
          await done
          await nc.drain().catch(() => undefined)
          for (const ad of adapters) await ad.close()
          nodes.delete(t)
        })()
        return stopped
      },
    }
    nodes.add(t)
    return t
  }

  const messagesKv = await new Kvm(js).open(BUCKETS.messages)
  const statusOn = async (c: NetChain, id: Hex) => Number(await c.bridge.getFunction('messageStatus')(id))
  return {
    a,
    b,
    token: {
      assetId,
      home,
      homeAddress: homeAddress.toLowerCase() as Hex,
      wrapped,
      wrappedAddress: wrappedAddress.toLowerCase() as Hex,
    },
    nats,
    js,
    jsm,
    user,
    target: {
      chains: [a, b].map((c) => ({
        name: c.ref,
        domain: c.domain,
        chainId: c.chainId,
        rpcUrl: c.node.rpcUrl,
        bridge: c.bridgeAddress,
        deployBlock: c.deployBlock,
        confirmations: 1,
      })),
      assets: [
        {
          assetId,
          homeDomain: DOMAIN_A,
          homeToken: homeAddress.toLowerCase() as Hex,
          remoteDomain: DOMAIN_B,
          wrappedToken: wrappedAddress.toLowerCase() as Hex,
        },
      ],
      natsUrl: () => nats.url,
    },
    startNode,
    nodeErrors: errors,
    record: async (id) => {
      const e = await messagesKv.get(id)
      return e && e.operation === 'PUT' ? decodeMessageRecord(e.value) : undefined
    },
    lastMessage: async (stream, subject) =>
      (await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null)) ?? undefined,
    statusOn,
    deliveredEvents: async (c, id) =>
      (await c.bridge.queryFilter(c.bridge.filters.Delivered!(id), c.deployBlock)).length,
    messageOf: async (c, id) => {
      const [ev] = await c.bridge.queryFilter(c.bridge.filters.Dispatch!(id), c.deployBlock)
      return String((ev as { args: unknown[] }).args[3]).toLowerCase() as Hex
    },
    dispatchApp: async (from, to, recipient, payload) => {
      const bridge = from.bridge.connect(from === a ? user.a : user.b) as Contract
      const tx = await bridge.getFunction('dispatch')(to.domain, addressToBytes32(getAddress(recipient)), payload)
      const receipt = await tx.wait()
      return dispatchIdOf(from.bridge, receipt.logs)
    },
    dispatchBurst: async (from, to, recipient, payloads) => {
      const wallet = from === a ? user.a : user.b
      const bridge = from.bridge.connect(wallet) as Contract
      let nonce = await wallet.getNonce('pending')
      await from.node.rpc('evm_setAutomine', [false])
      const sent = []
      let minedAtMs = 0
      try {
        for (const p of payloads) {
          sent.push(
            await bridge.getFunction('dispatch')(to.domain, addressToBytes32(getAddress(recipient)), p, {
              nonce: nonce++,
              gasLimit: 300_000,
              maxFeePerGas: 10n ** 10n,
              maxPriorityFeePerGas: 10n ** 9n,
            }),
          )
        }
        await from.node.rpc('evm_mine')
        minedAtMs = Date.now()
      } finally {
        await from.node.rpc('evm_setAutomine', [true])
      }
      const ids: Hex[] = []
      for (const tx of sent) ids.push(dispatchIdOf(from.bridge, (await tx.wait()).logs))
      return { ids, minedAtMs }
    },
    sendToken: async (from, to, token, amount, beneficiary) => {
      const wallet = from === a ? user.a : user.b
      if (from === a)
        await (await (home.connect(wallet) as Contract).getFunction('approve')(a.bridgeAddress, amount)).wait()
      const bridge = from.bridge.connect(wallet) as Contract
      const tx = await bridge.getFunction('sendToken')(
        token,
        amount,
        to.domain,
        addressToBytes32(getAddress(beneficiary)),
      )
      const receipt = await tx.wait()
      return dispatchIdOf(from.bridge, receipt.logs)
    },
    close: async () => {
      for (const n of [...nodes]) await n.stop()
      await adminNc.drain().catch(() => undefined)
      for (const c of [a, b]) c.provider.destroy()
      await Promise.all([a.node.stop(), b.node.stop(), nats.dispose()])
    },
  }
}
