import {
  type Contract,
  ContractFactory,
  getAddress,
  JsonRpcProvider,
  parseEther,
  parseUnits,
  toBeHex,
  Wallet,
} from 'ethers'
import { loadArtifact } from '../../contracts/artifacts.js'
import { deployBridge, deployTestToken, registerHomeAsset, registerRemoteAsset } from '../../contracts/deploy.js'
import { DeployFailedError } from '../../errors.js'
import type { Hex } from '../../types.js'
import type { HardhatNode } from './startHardhatNode.js'

/** What one devnet chain holds once deployed. */
export interface DevnetChainContracts {
  bridge: Hex
  /** Block of the bridge deployment: where relayers start scanning. */
  deployBlock: bigint
  /** `RecordingRecipient`: counts and records every app message its bridge delivers. */
  recipient: Hex
  /** `RevertingRecipient`: every app message to it is recorded Failed with a reason. */
  revertingRecipient: Hex
}

/** The test ERC-20: native (home) on chain A, wrapped on chain B. */
export interface DevnetTokenContracts {
  assetId: Hex
  homeToken: Hex
  wrappedToken: Hex
  symbol: string
  decimals: number
}

export interface DeployDevnetOptions {
  a: { node: HardhatNode; domain: number }
  b: { node: HardhatNode; domain: number }
  deployerKey: string
  committee: { signers: Hex[]; threshold: number; epoch: bigint }
  /** Accounts given `userTokens` of the home token on chain A. */
  users: Hex[]
  userTokens: bigint
  /** Accounts given `fundWei` of gas money on both chains (relayer delivery accounts). */
  fund: Hex[]
  fundWei?: bigint
}

export interface DeployDevnetResult {
  a: DevnetChainContracts
  b: DevnetChainContracts
  token: DevnetTokenContracts
}

const TOKEN_NAME = 'Isthmus Test Token'
const TOKEN_SYMBOL = 'IST'
const TOKEN_DECIMALS = 18

// One request per call and no response cache: sequential deploy txs must see each other's nonces.
const providerOf = (node: HardhatNode) =>
  new JsonRpcProvider(node.rpcUrl, Number(node.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 50,
  })

const shortMessage = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'shortMessage' in e && typeof e.shortMessage === 'string'
    ? e.shortMessage
    : 'the transaction failed'

const deployContract = async (name: string, signer: Wallet, ...args: unknown[]): Promise<Contract> => {
  const art = loadArtifact(name)
  try {
    const c = await new ContractFactory(art.abi, art.bytecode, signer).deploy(...args)
    await c.waitForDeployment()
    return c as Contract
  } catch (e) {
    throw new DeployFailedError({ step: `deploy ${name}`, detail: shortMessage(e), cause: e })
  }
}

const deployChain = async (
  node: HardhatNode,
  provider: JsonRpcProvider,
  domain: number,
  o: DeployDevnetOptions,
): Promise<{ contracts: DevnetChainContracts; bridge: Contract; deployer: Wallet }> => {
  const deployer = new Wallet(o.deployerKey, provider)
  const { address, bridge, deployBlock } = await deployBridge({
    signer: deployer,
    localDomain: domain,
    committee: o.committee,
  })
  const recipient = await deployContract('RecordingRecipient', deployer, address)
  const reverting = await deployContract('RevertingRecipient', deployer)
  const fundWei = o.fundWei ?? parseEther('1000')
  for (const account of o.fund) await node.rpc('hardhat_setBalance', [account, toBeHex(fundWei)])
  return {
    deployer,
    bridge,
    contracts: {
      bridge: address,
      deployBlock,
      recipient: getAddress(await recipient.getAddress()) as Hex,
      revertingRecipient: getAddress(await reverting.getAddress()) as Hex,
    },
  }
}

/**
 * Deploy the devnet's contracts on two chains (both should automine while this runs): a Bridge per
 * chain with the committee, a recording and a reverting recipient per chain, the test ERC-20 on A
 * registered as a home asset there and as a remote (wrapped) asset on B, user token balances on A,
 * and gas money for the given accounts on both chains.
 * @throws DeployFailedError, ConfigInvalidError
 */
export const deployDevnetContracts = async (o: DeployDevnetOptions): Promise<DeployDevnetResult> => {
  const providers = [providerOf(o.a.node), providerOf(o.b.node)] as const
  try {
    return await deployAll(o, providers[0], providers[1])
  } finally {
    for (const p of providers) p.destroy()
  }
}

const deployAll = async (
  o: DeployDevnetOptions,
  pa: JsonRpcProvider,
  pb: JsonRpcProvider,
): Promise<DeployDevnetResult> => {
  const [a, b] = await Promise.all([deployChain(o.a.node, pa, o.a.domain, o), deployChain(o.b.node, pb, o.b.domain, o)])
  const { address: homeToken, token } = await deployTestToken(a.deployer, {
    name: TOKEN_NAME,
    symbol: TOKEN_SYMBOL,
    decimals: TOKEN_DECIMALS,
  })
  const [{ assetId }, { wrapped }] = await Promise.all([
    registerHomeAsset(a.bridge, homeToken),
    registerRemoteAsset(b.bridge, {
      homeDomain: o.a.domain,
      homeToken,
      name: `Wrapped ${TOKEN_NAME}`,
      symbol: `w${TOKEN_SYMBOL}`,
      decimals: TOKEN_DECIMALS,
    }),
  ])
  for (const user of o.users) {
    try {
      await (await token.getFunction('mint')(user, o.userTokens)).wait()
    } catch (e) {
      throw new DeployFailedError({
        step: 'mint test tokens',
        detail: `minting to ${user}: ${shortMessage(e)}`,
        cause: e,
      })
    }
  }
  return {
    a: a.contracts,
    b: b.contracts,
    token: { assetId, homeToken, wrappedToken: wrapped, symbol: TOKEN_SYMBOL, decimals: TOKEN_DECIMALS },
  }
}

/** Token units of the test ERC-20 (18 decimals). */
export const testTokens = (whole: string | number): bigint => parseUnits(String(whole), TOKEN_DECIMALS)
