// Shared setup for the bridge contract tests: a real hardhat node, the Bridge on domain LOCAL with a
// 2-of-3 committee, a home token, a wrapped remote asset and a recording recipient.
import { readdirSync } from 'node:fs'
import {
  type BaseContract,
  type Contract,
  ContractFactory,
  Interface,
  isError,
  JsonRpcProvider,
  keccak256,
  type Log,
  type Signer,
  toUtf8Bytes,
  Wallet,
} from 'ethers'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { loadArtifact } from '../../../contracts/artifacts.js'
import { deployBridge, deployTestToken, registerHomeAsset, registerRemoteAsset } from '../../../contracts/deploy.js'
import { artifactsDir } from '../../../contracts/paths.js'
import {
  addressToBytes32,
  bytesToHex,
  encodeAppBody,
  encodeMessage,
  encodeTokenTransferBody,
  evmBridgeRef,
  messageId,
} from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { signCertificate } from '../../harness/signCertificate.js'

export const LOCAL = 2
export const REMOTE = 1
/** The remote asset's token on its home chain (any non-zero 20 bytes). */
export const REMOTE_HOME_TOKEN = '0x00000000000000000000000000000000000000aa'
export const LIQUIDITY = 10n ** 24n

/** Deterministic committee keys (no funds needed: they only sign). */
export const committeeKeys = (n: number, tag = 'committee'): string[] =>
  Array.from({ length: n }, (_, i) => keccak256(toUtf8Bytes(`${tag}-${n}-${i}`)))

/** A provider that sends each request at once (no batching stall, no response cache). */
export const fastProvider = (node: HardhatNode): JsonRpcProvider =>
  new JsonRpcProvider(node.rpcUrl, Number(node.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 50,
  })

export const deployContract = async (name: string, signer: Signer, ...args: unknown[]): Promise<Contract> => {
  const art = loadArtifact(name)
  const c = await new ContractFactory(art.abi, art.bytecode, signer).deploy(...args)
  await c.waitForDeployment()
  return attach(name, await c.getAddress(), signer)
}

export const attach = (name: string, address: string, signer: Signer): Contract =>
  new ContractFactory(loadArtifact(name).abi, '0x', signer).attach(address) as Contract

export interface Fixture {
  node: HardhatNode
  provider: JsonRpcProvider
  deployer: Wallet
  user: Wallet
  guardian: Wallet
  relayer: Wallet
  keys: string[]
  bridge: Contract
  address: Hex
  ref: Hex
  home: Contract
  homeAsset: Hex
  wrapped: Contract
  remoteAsset: Hex
  recipient: Contract
}

export const setupFixture = async (
  node: HardhatNode,
  o: { threshold?: number; keys?: string[] } = {},
): Promise<Fixture> => {
  const provider = fastProvider(node)
  const [deployer, user, guardian, relayer] = HARDHAT_DEV_KEYS.slice(0, 4).map((k) => new Wallet(k, provider)) as [
    Wallet,
    Wallet,
    Wallet,
    Wallet,
  ]
  const keys = o.keys ?? committeeKeys(3)
  const signers = keys.map((k) => new Wallet(k).address)
  const { bridge, address } = await deployBridge({
    signer: deployer,
    localDomain: LOCAL,
    committee: { signers, threshold: o.threshold ?? 2 },
    guardian: guardian.address,
  })
  const { token: home, address: homeAddress } = await deployTestToken(deployer, { name: 'Home', symbol: 'HOME' })
  const { assetId: homeAsset } = await registerHomeAsset(bridge, homeAddress)
  await (await home.getFunction('mint')(address, LIQUIDITY)).wait()
  await (await home.getFunction('mint')(user.address, LIQUIDITY)).wait()
  const { assetId: remoteAsset, wrapped } = await registerRemoteAsset(bridge, {
    homeDomain: REMOTE,
    homeToken: REMOTE_HOME_TOKEN,
    name: 'Wrapped A',
    symbol: 'wA',
    decimals: 18,
  })
  const recipient = await deployContract('RecordingRecipient', deployer, address)
  return {
    node,
    provider,
    deployer,
    user,
    guardian,
    relayer,
    keys,
    bridge,
    address,
    ref: evmBridgeRef(node.chainId, address),
    home,
    homeAsset,
    wrapped: attach('WrappedToken', wrapped, deployer),
    remoteAsset,
    recipient,
  }
}

export interface Built {
  message: Message
  encoded: Hex
  id: Hex
}

export const build = (m: Partial<Message> & { nonce: bigint; body: Hex }): Built => {
  const message: Message = {
    version: 1,
    origin: REMOTE,
    sender: addressToBytes32('0x00000000000000000000000000000000000000b0'),
    destination: LOCAL,
    recipient: addressToBytes32('0x00000000000000000000000000000000000000c0'),
    ...m,
  }
  return { message, encoded: bytesToHex(encodeMessage(message)), id: messageId(message) }
}

export const transferMessage = (p: {
  nonce: bigint
  asset: Hex
  amount: bigint
  to: string
  origin?: number
}): Built => {
  const beneficiary = addressToBytes32(p.to)
  return build({
    nonce: p.nonce,
    recipient: beneficiary,
    body: encodeTokenTransferBody({ asset: p.asset, amount: p.amount, beneficiary }),
    ...(p.origin === undefined ? {} : { origin: p.origin }),
  })
}

export const appMessage = (p: { nonce: bigint; to: string; payload: Hex; origin?: number }): Built =>
  build({
    nonce: p.nonce,
    recipient: addressToBytes32(p.to),
    body: encodeAppBody(p.payload),
    ...(p.origin === undefined ? {} : { origin: p.origin }),
  })

/** A certificate of `keys` (default: the first two committee keys) over `id` for this bridge. */
export const certify = (
  f: Fixture,
  id: Hex,
  o: { keys?: readonly string[]; epoch?: bigint; ref?: Hex; destination?: number } = {},
): Hex =>
  signCertificate({
    keys: o.keys ?? f.keys.slice(0, 2),
    epoch: o.epoch ?? 1n,
    destination: o.destination ?? LOCAL,
    destinationBridge: o.ref ?? f.ref,
    id,
  }).signatures

export const asRelayer = (f: Fixture): Contract => f.bridge.connect(f.relayer) as Contract

/** Deliver one built message with a default certificate; resolves to the receipt. */
export const deliver = async (f: Fixture, b: Built, sigs?: Hex, epoch = 1n, overrides: { gasLimit?: number } = {}) => {
  const tx = await asRelayer(f).getFunction('deliver')(b.encoded, epoch, sigs ?? certify(f, b.id, { epoch }), overrides)
  return (await tx.wait())!
}

/** Every custom error of every compiled contract, to decode revert data from any entrypoint. */
const ERRORS = new Interface(
  [...new Set(readdirSync(artifactsDir()).filter((n) => n.endsWith('.json') && !n.startsWith('.')))].flatMap((n) =>
    loadArtifact(n.slice(0, -5)).abi.filter((x) => x.type === 'error'),
  ),
)

/** Custom error name and args in revert data ('Error' / 'Panic' for the built-ins). */
export const decodeRevert = (data: string): { name: string; args: unknown[] } => {
  const e = ERRORS.parseError(data)
  return e ? { name: e.name, args: [...e.args] } : { name: `raw:${data}`, args: [] }
}

/** The decoded custom error a call or transaction reverted with. */
export const revertOf = async (p: Promise<unknown>): Promise<{ name: string; args: unknown[] }> => {
  try {
    await p
  } catch (e) {
    if (isError(e, 'CALL_EXCEPTION') && e.revert) return { name: e.revert.name, args: [...e.revert.args] }
    if (isError(e, 'CALL_EXCEPTION')) return decodeRevert(e.data ?? '0x')
    throw e
  }
  return { name: 'no revert', args: [] }
}

/** Parsed events of `contract` in a receipt's logs. */
export const eventsOf = (contract: BaseContract, logs: readonly Log[], name?: string) =>
  logs
    .filter((l) => l.address.toLowerCase() === String(contract.target).toLowerCase())
    .map((l) => contract.interface.parseLog(l))
    .filter((e) => e !== null && (name === undefined || e.name === name))
    .map((e) => e!)

export const statusOf = async (f: Fixture, id: Hex): Promise<number> =>
  Number(await f.bridge.getFunction('messageStatus')(id))

export const STATUS = { none: 0, delivered: 1, failed: 2, queued: 3, cancelled: 4 } as const

/** evm_snapshot now; the returned function reverts to it and takes a fresh snapshot. */
export const snapshotter = async (node: HardhatNode): Promise<() => Promise<void>> => {
  let id = await node.rpc<string>('evm_snapshot')
  return async () => {
    await node.rpc('evm_revert', [id])
    id = await node.rpc<string>('evm_snapshot')
  }
}

export const increaseTime = async (node: HardhatNode, seconds: number): Promise<void> => {
  await node.rpc('evm_increaseTime', [seconds])
  await node.rpc('evm_mine')
}

/**
 * Register the hooks every contract test file uses: one real hardhat node and the deployed
 * fixture for the file (`ready` receives them), and a snapshot revert after each test.
 */
export const useFixture = (ready: (node: HardhatNode, f: Fixture) => void): void => {
  let node: HardhatNode | undefined
  let f: Fixture | undefined
  let reset: () => Promise<void> = async () => {}
  beforeAll(async () => {
    const n = await startHardhatNode({ chainId: 31337n })
    node = n
    f = await setupFixture(n)
    reset = await snapshotter(n)
    ready(n, f)
  }, 60_000)
  afterAll(async () => {
    f?.provider.destroy()
    await node?.stop()
  })
  afterEach(async () => reset())
}
