import type { Logger } from 'pino'
import { defer } from 'rxjs'
import { UnsupportedChainKindError } from '../../errors.js'
import { substrateBridgeRef } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import type { ChainAdapter, ChainHead, DestinationAdapter, PreflightReport } from '../types.js'
import { createSubstrateClient, type SubstrateClient } from './createSubstrateClient.js'
import { createSubstrateObserve, finalizedHead } from './createSubstrateSource.js'
import { parseSubstrateSourceOptions, type SubstrateSourceOptions } from './options.js'

/** The destination half (multisig delivery), built on the adapter's client once it exists. */
export type SubstrateDestinationHalf = Omit<DestinationAdapter, 'chain' | 'domain' | 'bridgeRef' | 'latestHead'> & {
  close?(): Promise<void>
}

export interface SubstrateAdapterDeps {
  log: Logger
  /**
   * Builds the destination half (`adapters/substrate/destination`). Without it the adapter is a
   * source only: delivery calls throw UnsupportedChainKindError.
   */
  destination?: (ctx: { client: SubstrateClient; log: Logger }) => SubstrateDestinationHalf
}

/** A Substrate adapter plus the trust anchors the relayer hands to `verifyProofBundle` for its bundles. */
export interface SubstrateChainAdapter extends ChainAdapter {
  /**
   * Filled at runtime from this adapter's own endpoint (metadata per spec version), never from a bundle:
   * `{ genesisHash, metadata, intent: { domain, committeeAccount, wrappedAssets }, commitments }`.
   */
  readonly substrateTrust: {
    genesisHash: Hex
    metadata: Record<string, Hex>
    committeeAccount: Hex
    domain: number
    wrappedAssets: Record<string, Hex>
    commitments: 'substrate' | 'chopsticks'
  }
}

/**
 * The Substrate chain adapter (`@polkadot/rpc-provider` WebSocket client): a finalized-head source of
 * `utility.batchAll` intents with `substrate-storage` bundles, composed with the multisig destination.
 * @throws ConfigInvalidError for invalid options
 * @example
 * const sub = createSubstrateAdapter({ chain: 'substrate:asset-hub-local', domain: 3, wsUrls: [url], genesisHash,
 *   committeeAccount }, { log })
 * await sub.preflight(); sub.observe$(0n).subscribe((batch) => ...)
 */
export const createSubstrateAdapter = (
  options: SubstrateSourceOptions,
  deps: SubstrateAdapterDeps,
): SubstrateChainAdapter => {
  const o = parseSubstrateSourceOptions(options)
  const log = deps.log.child({ module: 'adapter-substrate', chain: o.chain })
  const client = createSubstrateClient({
    chain: o.chain,
    wsUrls: o.wsUrls,
    genesisHash: o.genesisHash,
    requestTimeoutMs: o.requestTimeoutMs,
    log,
  })
  const dest = deps.destination?.({ client, log: log.child({ component: 'deliver' }) })
  const noDest = () =>
    new UnsupportedChainKindError({ chain: o.chain, kind: 'substrate', detail: 'no Substrate destination configured' })
  const need = () => {
    if (!dest) throw noDest()
    return dest
  }
  return {
    chain: o.chain,
    domain: o.domain,
    bridgeRef: substrateBridgeRef(o.genesisHash, o.committeeAccount),
    // The committee multisig executes after `threshold` members each approved.
    deliveryMode: 'every-member',
    substrateTrust: {
      genesisHash: o.genesisHash,
      metadata: client.metadata,
      committeeAccount: o.committeeAccount,
      domain: o.domain,
      wrappedAssets: o.wrappedAssets,
      commitments: o.commitments,
    },
    observe$: createSubstrateObserve({ options: o, client, log }),
    deliver: async (items) => need().deliver(items),
    deliverProgress$: (items) => defer(() => need().deliverProgress$(items)),
    release: async (message) => need().release(message),
    isDelivered: async (id) => need().isDelivered(id),
    committee: async () => need().committee(),
    latestHead: async (): Promise<ChainHead> => {
      const hash = (await client.request<Hex>('chain_getBlockHash', [])).toLowerCase() as Hex
      const [header, now] = await Promise.all([
        client.request<{ number: Hex }>('chain_getHeader', [hash]),
        client.request<Hex | null>('state_getStorage', [TIMESTAMP_NOW_KEY, hash]),
      ])
      return { number: BigInt(header.number), hash, timestamp: now ? leU64(now) / 1000n : 0n }
    },
    preflight: async (): Promise<PreflightReport> => {
      const genesis = await client.checkGenesis()
      const head = await finalizedHead(client)
      return {
        chain: o.chain,
        chainIdentity: `genesis ${genesis}`,
        bridge: o.committeeAccount,
        headNumber: head.number,
        checks: ['genesis hash', 'finalized head readable'],
      }
    },
    close: async () => {
      await dest?.close?.()
      await client.close()
    },
  }
}

/** `Timestamp.Now` (u64 milliseconds, little-endian). */
const TIMESTAMP_NOW_KEY: Hex = '0xf0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb'
const leU64 = (h: Hex): bigint => {
  let v = 0n
  const b = Buffer.from(h.slice(2), 'hex')
  for (let i = Math.min(8, b.length) - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
  return v
}
