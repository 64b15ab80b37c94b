import { computeAddress, SigningKey } from 'ethers'
import type { Logger } from 'pino'
import { defer } from 'rxjs'
import { KeyInvalidError, RpcError } from '../../errors.js'
import { evmBridgeRef } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import type { ChainAdapter, ChainHead, CommitteeInfo } from '../types.js'
import { callView } from './callView.js'
import { createDeliver } from './createDeliver.js'
import { createNonceManager } from './createNonceManager.js'
import { createRelease } from './createRelease.js'
import { createRpcClient, type RpcTransport } from './createRpcClient.js'
import { createObserve } from './createSource.js'
import { createTxSender, type TxSender } from './createTxSender.js'
import { type EvmAdapterOptions, parseEvmAdapterOptions } from './options.js'
import { preflight } from './preflight.js'
import type { RpcBlock } from './rpcTypes.js'

export interface EvmAdapterDeps {
  log: Logger
  /** Replaces the HTTP transport (tests only). */
  transport?: RpcTransport
}

/**
 * The EVM chain adapter (ethers v6 for ABI and signing, its own multi-endpoint JSON-RPC layer).
 * @throws ConfigInvalidError for invalid options, KeyInvalidError for an invalid signer key
 * @example
 * const evm = createEvmAdapter({ chain: 'evm:31337', chainId: 31337n, domain: 1, rpcUrls: [url], bridge,
 *   finality: { mode: 'confirmations', confirmations: 3 }, signerKey, maxFeePerGasCapWei: 10n ** 11n }, { log })
 * await evm.preflight()
 * evm.observe$(0n).subscribe((batch) => ...)
 */
export const createEvmAdapter = (options: EvmAdapterOptions, deps: EvmAdapterDeps): ChainAdapter => {
  const o = parseEvmAdapterOptions(options)
  const log = deps.log.child({ module: 'adapter-evm', chain: o.chain })
  const rpc = createRpcClient({
    chain: o.chain,
    urls: o.rpcUrls,
    requestTimeoutMs: o.requestTimeoutMs,
    maxAttempts: o.rpcMaxAttempts,
    backoffBaseMs: o.rpcBackoffBaseMs,
    backoffMaxMs: o.rpcBackoffMaxMs,
    log,
    ...(deps.transport ? { transport: deps.transport } : {}),
  })
  const minAgreeing = o.minAgreeingEndpoints ?? Math.min(2, o.rpcUrls.length)
  const bridgeRef = evmBridgeRef(o.chainId, o.bridge)
  const view = { chain: o.chain, rpc, bridge: o.bridge }

  let key: SigningKey | undefined
  let from: Hex | undefined
  if (o.signerKey) {
    try {
      key = new SigningKey(o.signerKey)
      from = computeAddress(key) as Hex
    } catch (e) {
      throw new KeyInvalidError({ source: 'signerKey', expected: 'a secp256k1 private key', cause: e })
    }
  }
  let deliver: ReturnType<typeof createDeliver> | undefined
  let release: ReturnType<typeof createRelease> | undefined
  if (key && from) {
    const signer = from
    const nonces = createNonceManager(async () =>
      BigInt(await rpc.request<Hex>('eth_getTransactionCount', [signer, 'pending'])),
    )
    const sender: TxSender = createTxSender({
      chain: o.chain,
      chainId: o.chainId,
      rpc,
      log: log.child({ component: 'tx', from: signer }),
      key,
      from: signer,
      nonces,
      maxFeePerGasCapWei: o.maxFeePerGasCapWei,
      ...(o.maxPriorityFeePerGasWei === undefined ? {} : { maxPriorityFeePerGasWei: o.maxPriorityFeePerGasWei }),
      bumpPercent: o.bumpPercent,
      stuckAfterMs: o.stuckAfterMs,
      pollIntervalMs: Math.min(o.pollIntervalMs, Math.max(10, Math.floor(o.stuckAfterMs / 2))),
      txTimeoutMs: o.txTimeoutMs,
      confirmations: o.destinationConfirmations,
    })
    const deps = {
      chain: o.chain,
      domain: o.domain,
      bridge: o.bridge,
      from: signer,
      rpc,
      log: log.child({ component: 'deliver' }),
      sender,
      gasMarginPercent: o.gasMarginPercent,
    }
    deliver = createDeliver(deps)
    release = createRelease(deps)
  }
  const noKey = () =>
    new KeyInvalidError({ source: 'signerKey', expected: 'a signer key to deliver with (none configured)' })

  return {
    chain: o.chain,
    domain: o.domain,
    bridgeRef,
    observe$: createObserve({ options: o, rpc, log, minAgreeing }),
    deliver: async (items) => {
      if (!deliver) throw noKey()
      return deliver.deliver(items)
    },
    deliverProgress$: (items) =>
      defer(() => {
        if (!deliver) throw noKey()
        return deliver.deliverProgress$(items)
      }),
    release: async (message) => {
      if (!release) throw noKey()
      return release(message)
    },
    latestHead: async (): Promise<ChainHead> => {
      const b = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', ['latest', false])
      if (!b) throw new RpcError({ chain: o.chain, method: 'eth_getBlockByNumber latest (null)', retryable: true })
      return { number: BigInt(b.number), hash: b.hash, timestamp: BigInt(b.timestamp) }
    },
    isDelivered: async (id) => Boolean((await callView(view, 'isDelivered', [id]))[0]),
    committee: async (): Promise<CommitteeInfo> => {
      const [epoch, signers, threshold] = await callView(view, 'committee')
      return {
        epoch: BigInt(epoch),
        signers: [...(signers as string[])].map((s) => s as Hex),
        threshold: Number(threshold),
      }
    },
    preflight: () => preflight(o, rpc, log, minAgreeing),
    close: async () => {},
    rpcCalls$: rpc.calls$,
    signerBalance: async () => {
      if (!from) return undefined
      const wei = await rpc.request<Hex>('eth_getBalance', [from, 'latest'])
      return { address: from.toLowerCase(), balance: BigInt(wei), unit: 10n ** 18n }
    },
    blockHashAt: async (n) => {
      const b = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
      return b ? b.hash : undefined
    },
  }
}
