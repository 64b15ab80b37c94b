import {
  Contract,
  ContractFactory,
  type ContractTransactionResponse,
  getAddress,
  Interface,
  isAddress,
  isError,
  keccak256,
  type Signer,
  solidityPacked,
} from 'ethers'
import { ConfigInvalidError, type ConfigIssue, DeployFailedError } from '../errors.js'
import type { Hex } from '../types.js'
import { loadArtifact } from './artifacts.js'

/** `majority`: M > N/2 (what the contract enforces). `bft`: M ≥ ⌊2N/3⌋+1 (Wormhole's quorum). */
export type CommitteePolicy = 'majority' | 'bft'

export interface CommitteeOptions {
  signers: readonly string[]
  threshold: number
  /** First epoch number (≥ 1); default 1. */
  epoch?: bigint
}

export interface DeployBridgeOptions {
  signer: Signer
  localDomain: number
  committee: CommitteeOptions
  /** Pauser/canceller; default: the deployer. */
  guardian?: string
  /** Gas every recipient `handle` call gets; default 500 000. */
  handleGasLimit?: number
  /** Default `majority`. */
  policy?: CommitteePolicy
}

export interface DeployBridgeResult {
  address: Hex
  bridge: Contract
  deployBlock: bigint
  txHash: Hex
}

export const DEFAULT_HANDLE_GAS_LIMIT = 500_000
const MIN_HANDLE_GAS = 10_000
const MAX_HANDLE_GAS = 10_000_000
const MAX_COMMITTEE = 255
const UINT32_MAX = 0xffff_ffff

/** Smallest threshold the policy allows for a committee of `size`. */
export const minThreshold = (size: number, policy: CommitteePolicy = 'majority'): number =>
  policy === 'bft' ? Math.floor((2 * size) / 3) + 1 : Math.floor(size / 2) + 1

/**
 * Asset id = keccak256("ISTHMUS/asset" ‖ uint32 homeDomain ‖ bytes32 homeToken); an EVM token address
 * is left-padded to bytes32.
 * @throws ConfigInvalidError when the domain or token is malformed
 */
export const assetIdOf = (homeDomain: number, homeToken: string): Hex => {
  const issues = [...checkDomain('homeDomain', homeDomain), ...checkHomeToken('homeToken', homeToken)]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'assetIdOf', issues })
  return keccak256(
    solidityPacked(['string', 'uint32', 'bytes32'], ['ISTHMUS/asset', homeDomain, toBytes32(homeToken)]),
  ) as Hex
}

/**
 * Deploy the Bridge with its first committee. Inputs are checked here first (typed errors naming the
 * field), then again by the constructor.
 * @throws ConfigInvalidError for invalid options, DeployFailedError when the deployment fails
 * @example
 * const { bridge, address } = await deployBridge({ signer, localDomain: 2, committee: { signers, threshold: 2 } })
 */
export const deployBridge = async (o: DeployBridgeOptions): Promise<DeployBridgeResult> => {
  const policy = o.policy ?? 'majority'
  const handleGasLimit = o.handleGasLimit ?? DEFAULT_HANDLE_GAS_LIMIT
  const epoch = o.committee.epoch ?? 1n
  const issues = [
    ...checkDomain('localDomain', o.localDomain),
    ...checkCommittee(o.committee, policy),
    ...(o.guardian === undefined || isNonZeroAddress(o.guardian) ? [] : [issue('guardian', 'a non-zero address')]),
    ...(Number.isInteger(handleGasLimit) && handleGasLimit >= MIN_HANDLE_GAS && handleGasLimit <= MAX_HANDLE_GAS
      ? []
      : [issue('handleGasLimit', `an integer in [${MIN_HANDLE_GAS}, ${MAX_HANDLE_GAS}]`)]),
    ...(epoch >= 1n && epoch < 2n ** 64n ? [] : [issue('committee.epoch', 'an integer in [1, 2^64 - 1]')]),
  ]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'deployBridge', issues })
  const art = loadArtifact('Bridge')
  return step('deploy Bridge', new Interface(art.abi), async () => {
    const guardian = o.guardian ?? (await o.signer.getAddress())
    const factory = new ContractFactory(art.abi, art.bytecode, o.signer)
    const signers = o.committee.signers.map((s) => getAddress(s))
    const deployed = await factory.deploy(
      o.localDomain,
      signers,
      o.committee.threshold,
      epoch,
      guardian,
      handleGasLimit,
    )
    const receipt = await mined(deployed.deploymentTransaction())
    const address = getAddress(await deployed.getAddress()) as Hex
    return {
      address,
      bridge: new Contract(address, art.abi, o.signer),
      deployBlock: BigInt(receipt.blockNumber),
      txHash: receipt.hash as Hex,
    }
  })
}

/**
 * Register an ERC-20 native to the bridge's chain (inbound transfers unlock it).
 * @throws ConfigInvalidError, DeployFailedError
 */
export const registerHomeAsset = async (bridge: Contract, token: string): Promise<{ assetId: Hex; txHash: Hex }> => {
  if (!isNonZeroAddress(token)) {
    throw new ConfigInvalidError({ source: 'registerHomeAsset', issues: [issue('token', 'a non-zero address')] })
  }
  return step('registerHomeAsset', bridge.interface, async () => {
    const receipt = await mined(await call(bridge, 'registerHomeAsset', getAddress(token)))
    const assetId = (await bridge.getFunction('assetIdOfToken')(getAddress(token))) as Hex
    return { assetId, txHash: receipt.hash as Hex }
  })
}

export interface RemoteAssetOptions {
  homeDomain: number
  /** The asset's token on its home chain: a 20-byte address or a 32-byte id. */
  homeToken: string
  name: string
  symbol: string
  decimals: number
}

/**
 * Register an asset native to another domain; the bridge deploys its WrappedToken.
 * @throws ConfigInvalidError, DeployFailedError
 */
export const registerRemoteAsset = async (
  bridge: Contract,
  o: RemoteAssetOptions,
): Promise<{ assetId: Hex; wrapped: Hex; txHash: Hex }> => {
  const issues = [
    ...checkDomain('homeDomain', o.homeDomain),
    ...checkHomeToken('homeToken', o.homeToken),
    ...(Number.isInteger(o.decimals) && o.decimals >= 0 && o.decimals <= 255
      ? []
      : [issue('decimals', 'an integer in [0, 255]')]),
    ...(o.name.length > 0 ? [] : [issue('name', 'a non-empty string')]),
    ...(o.symbol.length > 0 ? [] : [issue('symbol', 'a non-empty string')]),
  ]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'registerRemoteAsset', issues })
  const assetId = assetIdOf(o.homeDomain, o.homeToken)
  return step('registerRemoteAsset', bridge.interface, async () => {
    const tx = await call(
      bridge,
      'registerRemoteAsset',
      o.homeDomain,
      toBytes32(o.homeToken),
      o.name,
      o.symbol,
      o.decimals,
    )
    const receipt = await mined(tx)
    const [wrapped] = (await bridge.getFunction('assetOf')(assetId)) as [string, bigint]
    if (BigInt(wrapped) === 0n) {
      throw new DeployFailedError({
        step: 'registerRemoteAsset',
        detail: `the bridge has no asset ${assetId} after registering it`,
      })
    }
    return { assetId, wrapped: getAddress(wrapped) as Hex, txHash: receipt.hash as Hex }
  })
}

/**
 * Enable an asset's inbound token bucket (capacity, refill per second of chain time).
 * @throws ConfigInvalidError, DeployFailedError
 */
export const setRateLimit = async (
  bridge: Contract,
  o: { assetId: Hex; capacity: bigint; refillPerSecond: bigint },
): Promise<{ txHash: Hex }> => {
  const issues = [
    ...checkBytes32('assetId', o.assetId),
    ...checkUint('capacity', o.capacity, 128),
    ...checkUint('refillPerSecond', o.refillPerSecond, 128),
  ]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'setRateLimit', issues })
  return step('setRateLimit', bridge.interface, async () => {
    const receipt = await mined(await call(bridge, 'setRateLimit', o.assetId, o.capacity, o.refillPerSecond))
    return { txHash: receipt.hash as Hex }
  })
}

/**
 * Queue inbound transfers of at least `threshold` for `delaySeconds` (0 disables the delay).
 * @throws ConfigInvalidError, DeployFailedError
 */
export const setLargeTransfer = async (
  bridge: Contract,
  o: { assetId: Hex; threshold: bigint; delaySeconds: bigint },
): Promise<{ txHash: Hex }> => {
  const issues = [
    ...checkBytes32('assetId', o.assetId),
    ...checkUint('threshold', o.threshold, 256),
    ...checkUint('delaySeconds', o.delaySeconds, 64),
    ...(o.delaySeconds > 0n && o.threshold === 0n ? [issue('threshold', 'non-zero when delaySeconds > 0')] : []),
  ]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'setLargeTransfer', issues })
  return step('setLargeTransfer', bridge.interface, async () => {
    const receipt = await mined(await call(bridge, 'setLargeTransfer', o.assetId, o.threshold, o.delaySeconds))
    return { txHash: receipt.hash as Hex }
  })
}

/**
 * Deploy the test-only ERC-20 (`contracts/test/TestToken.sol`): anyone can mint; `feeBps` > 0 makes
 * it a fee-on-transfer token.
 * @throws ConfigInvalidError, DeployFailedError
 */
export const deployTestToken = async (
  signer: Signer,
  o: { name?: string; symbol?: string; decimals?: number; feeBps?: number } = {},
): Promise<{ address: Hex; token: Contract }> => {
  const decimals = o.decimals ?? 18
  const feeBps = o.feeBps ?? 0
  const issues = [
    ...(Number.isInteger(decimals) && decimals >= 0 && decimals <= 255
      ? []
      : [issue('decimals', 'an integer in [0, 255]')]),
    ...(Number.isInteger(feeBps) && feeBps >= 0 && feeBps <= 10_000
      ? []
      : [issue('feeBps', 'an integer in [0, 10000]')]),
  ]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'deployTestToken', issues })
  const art = loadArtifact('TestToken')
  return step('deploy TestToken', new Interface(art.abi), async () => {
    const factory = new ContractFactory(art.abi, art.bytecode, signer)
    const deployed = await factory.deploy(o.name ?? 'Test Token', o.symbol ?? 'TST', decimals, feeBps)
    await mined(deployed.deploymentTransaction())
    const address = getAddress(await deployed.getAddress()) as Hex
    return { address, token: new Contract(address, art.abi, signer) }
  })
}

// ---------------------------------------------------------------- helpers

const issue = (path: string, expected: string): ConfigIssue => ({ path, message: `expected ${expected}` })

const isNonZeroAddress = (a: string): boolean => isAddress(a) && BigInt(a) !== 0n

const checkDomain = (path: string, d: number): ConfigIssue[] =>
  Number.isInteger(d) && d >= 0 && d <= UINT32_MAX ? [] : [issue(path, 'a uint32 domain id')]

const checkUint = (path: string, v: bigint, bits: number): ConfigIssue[] =>
  typeof v === 'bigint' && v >= 0n && v < 1n << BigInt(bits) ? [] : [issue(path, `a bigint in [0, 2^${bits} - 1]`)]

const checkBytes32 = (path: string, v: string): ConfigIssue[] =>
  /^0x[0-9a-fA-F]{64}$/.test(v) ? [] : [issue(path, 'a 32-byte hex string')]

const checkHomeToken = (path: string, v: string): ConfigIssue[] =>
  (isAddress(v) || /^0x[0-9a-fA-F]{64}$/.test(v)) && BigInt(v) !== 0n
    ? []
    : [issue(path, 'a non-zero 20-byte address or 32-byte id')]

const toBytes32 = (v: string): Hex =>
  (v.length === 66 ? v.toLowerCase() : `0x${'00'.repeat(12)}${v.slice(2).toLowerCase()}`) as Hex

const checkCommittee = (c: CommitteeOptions, policy: CommitteePolicy): ConfigIssue[] => {
  const out: ConfigIssue[] = []
  const n = c.signers.length
  if (n < 1 || n > MAX_COMMITTEE) out.push(issue('committee.signers', `between 1 and ${MAX_COMMITTEE} signers`))
  const seen = new Set<string>()
  c.signers.forEach((s, i) => {
    if (!isNonZeroAddress(s)) out.push(issue(`committee.signers[${i}]`, 'a non-zero address'))
    else if (seen.has(s.toLowerCase())) out.push(issue(`committee.signers[${i}]`, 'no duplicate signer'))
    else seen.add(s.toLowerCase())
  })
  const t = c.threshold
  const min = minThreshold(n, policy)
  if (!Number.isInteger(t) || t < min || t > n) {
    out.push(issue('committee.threshold', `an integer in [${min}, ${n}] (${policy} policy for ${n} signers)`))
  }
  return out
}

const call = (c: Contract, method: string, ...args: unknown[]): Promise<ContractTransactionResponse> =>
  c.getFunction(method).send(...args)

const mined = async (tx: ContractTransactionResponse | null) => {
  const receipt = await tx?.wait()
  if (!receipt) throw new DeployFailedError({ step: 'wait', detail: 'the transaction has no receipt' })
  return receipt
}

/** Run one deploy step; any chain error becomes a DeployFailedError naming the step. */
const step = async <T>(name: string, iface: Interface, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn()
  } catch (e) {
    if (e instanceof DeployFailedError) throw e
    throw new DeployFailedError({ step: name, detail: describe(e, iface), cause: e })
  }
}

/** The revert, decoded with the contract's custom errors where the node returned its data. */
const describe = (e: unknown, iface: Interface): string => {
  if (isError(e, 'CALL_EXCEPTION')) {
    const revert = e.revert ?? (e.data ? iface.parseError(e.data) : null)
    return revert ? `reverted with ${revert.name}(${revert.args.join(', ')})` : 'reverted'
  }
  const short = typeof e === 'object' && e !== null && 'shortMessage' in e ? e.shortMessage : undefined
  return typeof short === 'string' ? short : 'the transaction failed'
}
