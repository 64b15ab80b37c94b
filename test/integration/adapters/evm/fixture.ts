import {
  Contract,
  ContractFactory,
  type InterfaceAbi,
  JsonRpcProvider,
  keccak256,
  SigningKey,
  toUtf8Bytes,
  Wallet,
} from 'ethers'
import { filter, firstValueFrom, type Observable, scan, takeWhile, timeout, toArray } from 'rxjs'
import type { EvmAdapterOptions, SourceBatch } from '../../../../adapters/index.js'
import { HARDHAT_DEV_KEYS, type HardhatNode, startHardhatNode } from '../../../../cli/devnet/startHardhatNode.js'
import { loadArtifact } from '../../../../contracts/artifacts.js'
import { deployBridge as deployBridgeContract } from '../../../../contracts/deploy.js'
import { addressToBytes32, evmBridgeRef, messageId } from '../../../../protocol/index.js'
import type { Certificate, Hex, Message } from '../../../../types.js'
import { signCertificate } from '../../../harness/signCertificate.js'

/** Committee of 3 generated keys (threshold 2), sorted by address. */
export const COMMITTEE = [1, 2, 3]
  .map((k) => new SigningKey(keccak256(toUtf8Bytes(`isthmus adapter test committee ${k}`))))
  .map((key) => ({ key: key.privateKey as Hex, address: new Wallet(key.privateKey).address.toLowerCase() as Hex }))
  .sort((a, b) => (a.address < b.address ? -1 : 1))
export const EPOCH = 1n
export const THRESHOLD = 2

export interface TestChain {
  node: HardhatNode
  chainId: bigint
  domain: number
  deployer: Wallet
  bridge: Contract
  bridgeAddress: Hex
}

export const deployContract = async (wallet: Wallet, name: string, args: unknown[]): Promise<Contract> => {
  const a = loadArtifact(name)
  const c = await new ContractFactory(a.abi as InterfaceAbi, a.bytecode, wallet).deploy(...args)
  await c.waitForDeployment()
  return c as Contract
}

export const bridgeAt = (chain: Pick<TestChain, 'deployer'>, address: string) =>
  new Contract(address, loadArtifact('Bridge').abi as InterfaceAbi, chain.deployer)

/** An ethers provider without ethers' 250 ms request cache (stale pending nonces otherwise). */
export const testProvider = (node: HardhatNode) =>
  new JsonRpcProvider(node.rpcUrl, Number(node.chainId), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 })

/** A wallet of dev account `k` on the node. */
export const devWallet = (node: HardhatNode, k: number) => new Wallet(HARDHAT_DEV_KEYS[k]!, testProvider(node))

/** A hardhat node with a bridge (committee 2-of-3, epoch 1) deployed by dev account #0. */
export const startChain = async (chainId: bigint, domain: number): Promise<TestChain> => {
  const node = await startHardhatNode({ chainId })
  const deployer = devWallet(node, 0)
  const bridge = await deployBridge(deployer, domain)
  return { node, chainId, domain, deployer, bridge, bridgeAddress: (await bridge.getAddress()).toLowerCase() as Hex }
}

export const deployBridge = async (deployer: Wallet, domain: number) =>
  (
    await deployBridgeContract({
      signer: deployer,
      localDomain: domain,
      committee: { signers: COMMITTEE.map((m) => m.address), threshold: THRESHOLD, epoch: EPOCH },
    })
  ).bridge

/** A 2-of-3 certificate (committee members `signers`) over the message for the destination chain's bridge. */
export const certify = (
  m: Message,
  dest: Pick<TestChain, 'chainId' | 'bridgeAddress'>,
  signers = [0, 1],
): Certificate => {
  const c = signCertificate({
    keys: signers.map((k) => COMMITTEE[k]!.key),
    epoch: EPOCH,
    destination: m.destination,
    destinationBridge: evmBridgeRef(dest.chainId, dest.bridgeAddress),
    id: messageId(m),
  })
  const sigs = c.signatures.slice(2).match(/.{130}/g) ?? []
  return { epoch: c.epoch, signatures: sigs.map((s) => `0x${s}` as Hex) }
}

/** Adapter options for a test chain; the relayer submits with dev account `signerIndex`. */
export const adapterOptions = (
  chain: TestChain,
  extra: Partial<EvmAdapterOptions> = {},
  signerIndex = 1,
): EvmAdapterOptions => ({
  chain: `evm:${chain.chainId}`,
  chainId: chain.chainId,
  domain: chain.domain,
  rpcUrls: [chain.node.rpcUrl],
  bridge: chain.bridgeAddress,
  finality: { mode: 'confirmations', confirmations: 2 },
  signerKey: HARDHAT_DEV_KEYS[signerIndex] as Hex,
  pollIntervalMs: 50,
  requestTimeoutMs: 2000,
  rpcBackoffBaseMs: 20,
  rpcBackoffMaxMs: 200,
  maxLogRangeBlocks: 5,
  maxFeePerGasCapWei: 500n * 10n ** 9n,
  stuckAfterMs: 400,
  destinationConfirmations: 1,
  ...extra,
})

export { type CapturedLog, captureLogger } from '../../../harness/captureLogger.js'

/** Poll `check` every 25 ms until it returns a value, at most `timeoutMs`. */
export const waitUntil = async <T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    await new Promise((r) => setTimeout(r, 25))
  }
  expect(`waited ${timeoutMs} ms for ${what}`).toBe('reached')
  return undefined as never
}

/** Batches from `source$` until one reaches `toBlock` (inclusive), at most `timeoutMs`. */
export const batchesUntil = (source$: Observable<SourceBatch>, toBlock: bigint, timeoutMs: number) =>
  firstValueFrom(
    source$.pipe(
      takeWhile((b) => b.toBlock < toBlock, true),
      toArray(),
      timeout(timeoutMs),
    ),
  )

/** Count of messages seen so far, as a stream (for live assertions). */
export const messagesSeen$ = (source$: Observable<SourceBatch>) =>
  source$.pipe(
    scan((n, b) => n + b.messages.length, 0),
    filter((n) => n > 0),
  )

export const recipientBytes = (address: string) => addressToBytes32(address)

export const mine = (chain: TestChain, blocks = 1) => chain.node.rpc('hardhat_mine', [`0x${blocks.toString(16)}`])
export const headNumber = async (chain: TestChain) => BigInt(await chain.node.rpc<string>('eth_blockNumber'))

/** Ranges of consecutive batches must tile [first.fromBlock, last.toBlock] with no gap or overlap. */
export const expectContiguous = (batches: SourceBatch[]) => {
  for (let k = 1; k < batches.length; k++) expect(batches[k]!.fromBlock).toBe(batches[k - 1]!.toBlock + 1n)
}
