import type { Logger } from 'pino'
import { createSubstrateClient } from '../adapters/substrate/createSubstrateClient.js'
import { committeeMultisig } from '../adapters/substrate/destination/committeeMultisig.js'
import type { Config, SubstrateChainConfig } from '../config/index.js'
import { initSubstrateCrypto } from '../proofs/index.js'
import type { AuditSourceChain } from '../relayer/index.js'
import type { ChainRef, Hex } from '../types.js'

export interface SubstrateAuditSourceOptions {
  chain: ChainRef
  domain: number
  wsUrls: string[]
  genesisHash: Hex
  /** The committee multisig AccountId32 outbound asset movements must pay. */
  committeeAccount: Hex
  /** assets-pallet id (decimal) → Isthmus asset id, for wrapped assets burnt on the way out. */
  wrappedAssets: Record<string, Hex>
  commitments: 'substrate' | 'chopsticks'
  requestTimeoutMs: number
  log: Logger
}

export interface SubstrateAuditSource {
  source: AuditSourceChain
  close(): Promise<void>
}

const U32_MAX = 0xffff_ffff

/** The block number a `substrate-storage` bundle claims, when it is well-formed enough to look up. */
const claimedBlock = (b: unknown): number | undefined => {
  if (typeof b !== 'object' || b === null) return undefined
  const d = b as Record<string, unknown>
  if (d['kind'] !== 'substrate-storage' || typeof d['blockNumber'] !== 'string') return undefined
  if (!/^\d{1,10}$/.test(d['blockNumber'])) return undefined
  const n = Number(d['blockNumber'])
  return n <= U32_MAX ? n : undefined
}

/**
 * A Substrate origin for `isthmus audit`: the same trust anchors the relayer hands to
 * `verifyProofBundle` (`adapter.substrateTrust`: genesis hash, committee account, domain, wrapped
 * assets and commitments from the config; runtime metadata per spec version read from the
 * auditor's own endpoint at the parent of each bundle's block (the runtime that executed it), never from a bundle), and
 * canonical block hashes (`chain_getBlockHash`). The genesis hash is checked before use (F-06).
 * @throws ChainIdMismatchError (wrong genesis), RpcTimeoutError / RpcError (endpoint unreachable)
 */
export const createSubstrateAuditSource = async (o: SubstrateAuditSourceOptions): Promise<SubstrateAuditSource> => {
  await initSubstrateCrypto()
  const client = createSubstrateClient({
    chain: o.chain,
    wsUrls: o.wsUrls,
    genesisHash: o.genesisHash,
    requestTimeoutMs: o.requestTimeoutMs,
    log: o.log.child({ module: 'audit-substrate-source', chain: o.chain }),
  })
  try {
    await client.checkGenesis()
  } catch (e) {
    await client.close()
    throw e
  }
  const blockHashAt = async (n: bigint): Promise<Hex | undefined> => {
    if (n < 0n || n > BigInt(U32_MAX)) return undefined
    const h = await client.request<Hex | null>('chain_getBlockHash', [Number(n)])
    return h ? (h.toLowerCase() as Hex) : undefined
  }
  /** Load the metadata of the runtime that executed each bundle's block (once per spec version). */
  const prepare = async (bundles: readonly unknown[]): Promise<void> => {
    for (const b of bundles) {
      const n = claimedBlock(b)
      if (n === undefined) continue
      // The runtime that executed block n is the one in block n-1's state (see scanBlocks).
      const hash = await blockHashAt(BigInt(Math.max(n - 1, 0)))
      if (!hash) continue
      const { specVersion } = await client.runtimeAt(hash)
      await client.metadataOf(specVersion, hash)
    }
  }
  return {
    source: {
      source: {
        domain: o.domain,
        chain: o.chain,
        trust: {
          substrate: {
            genesisHash: o.genesisHash,
            metadata: client.metadata,
            committeeAccount: o.committeeAccount,
            domain: o.domain,
            wrappedAssets: o.wrappedAssets,
            commitments: o.commitments,
          },
        },
      },
      reader: { blockHashAt },
      prepare,
    },
    close: () => client.close(),
  }
}

/** `createSubstrateAuditSource` for a config's Substrate chain (as `cli/substrateChainOf.ts` builds its trust). */
export const substrateAuditSourceOf = (cfg: Config, c: SubstrateChainConfig, log: Logger) =>
  createSubstrateAuditSource({
    chain: c.ref as ChainRef,
    domain: c.domain,
    wsUrls: [...c.wsUrls],
    genesisHash: c.genesisHash as Hex,
    committeeAccount: committeeMultisig(
      cfg.committee.members.map((m) => m.substrateAccount ?? ''),
      cfg.committee.threshold,
    ).account,
    wrappedAssets: Object.fromEntries(
      c.assets.flatMap((a) => (a.kind === 'wrapped' ? [[String(a.assetHubId), a.assetId.toLowerCase() as Hex]] : [])),
    ),
    commitments: c.commitments,
    requestTimeoutMs: cfg.requestTimeoutMs,
    log,
  })
