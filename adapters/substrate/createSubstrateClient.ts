import { WsProvider } from '@polkadot/rpc-provider'
import type { Logger } from 'pino'
import { Observable } from 'rxjs'
import { ChainIdMismatchError, RelayError, RpcError, RpcTimeoutError } from '../../errors.js'
import { registryOf } from '../../proofs/substrate/intent/metadataRegistry.js'
import type { ChainRef, Hex } from '../../types.js'

/** A block as `chain_getBlock` returns it (digest logs and extrinsics as SCALE hex). */
export interface RpcSubstrateBlock {
  block: {
    header: { parentHash: Hex; number: Hex; stateRoot: Hex; extrinsicsRoot: Hex; digest: { logs: Hex[] } }
    extrinsics: Hex[]
  }
}

export interface RuntimeVersionInfo {
  specVersion: number
  stateVersion: 0 | 1
}

export interface SubstrateClientOptions {
  chain: ChainRef
  wsUrls: string[]
  genesisHash: Hex
  requestTimeoutMs: number
  log: Logger
}

/**
 * One WebSocket JSON-RPC connection to a Substrate chain (`@polkadot/rpc-provider`): it reconnects by
 * itself, moving through `wsUrls`. Every request is bounded by `requestTimeoutMs`; runtime versions are
 * read per block and metadata is fetched once per spec version from this endpoint (`metadataOf`).
 */
export const createSubstrateClient = (o: SubstrateClientOptions) => {
  const provider = new WsProvider(o.wsUrls, 500, undefined, o.requestTimeoutMs)
  // The provider logs its own reconnect attempts; surface them once through ours.
  provider.on('error', (err: unknown) => o.log.debug({ err: String(err) }, 'substrate ws error'))
  const metadata: Record<string, Hex> = {}
  const metadataLoads = new Map<number, Promise<Hex>>()

  const request = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        (async () => {
          await provider.isReady
          return provider.send<T>(method, params)
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RpcTimeoutError({ chain: o.chain, method, timeoutMs: o.requestTimeoutMs })),
            o.requestTimeoutMs,
          )
        }),
      ])
    } catch (e) {
      if (e instanceof RelayError) throw e
      const msg = e instanceof Error ? e.message : String(e)
      // A JSON-RPC error answer (-32xxx, e.g. an unknown method) will not change on a retry; a dropped
      // connection ("1006:: Abnormal Closure", "disconnected") will.
      const answered = /^-32\d{3}:/.test(msg) || /not implemented|Method not found/i.test(msg)
      throw new RpcError({ chain: o.chain, method, retryable: !answered, cause: e })
    } finally {
      clearTimeout(timer)
    }
  }

  /** `chain_getBlockHash(0)` must be the configured genesis hash (F-06). */
  const checkGenesis = async (): Promise<Hex> => {
    const actual = (await request<Hex>('chain_getBlockHash', [0])).toLowerCase() as Hex
    if (actual !== o.genesisHash.toLowerCase()) {
      throw new ChainIdMismatchError({ chain: o.chain, expected: o.genesisHash, actual })
    }
    return actual
  }

  const runtimeAt = async (hash: Hex): Promise<RuntimeVersionInfo> => {
    const v = await request<{ specVersion: number; stateVersion?: number }>('state_getRuntimeVersion', [hash])
    return { specVersion: v.specVersion, stateVersion: v.stateVersion === 1 ? 1 : 0 }
  }

  /** Metadata of the runtime of block `hash` (spec `specVersion`), fetched once per spec version. */
  const metadataOf = (specVersion: number, hash: Hex): Promise<Hex> => {
    const known = metadata[String(specVersion)]
    if (known) return Promise.resolve(known)
    let p = metadataLoads.get(specVersion)
    if (!p) {
      p = request<Hex>('state_getMetadata', [hash]).then((m) => {
        registryOf(m) // refuse undecodable metadata here, not in the middle of a scan
        metadata[String(specVersion)] = m
        o.log.info({ specVersion }, 'runtime metadata loaded')
        return m
      })
      p.catch(() => metadataLoads.delete(specVersion))
      metadataLoads.set(specVersion, p)
    }
    return p
  }

  /** Finalized head numbers as the node announces them (a hint to scan; never trusted for gaps). */
  const finalizedHeads$ = new Observable<bigint>((sub) => {
    let id: string | number | undefined
    let closed = false
    provider.isReady
      .then(() =>
        provider.subscribe(
          'chain_finalizedHead',
          'chain_subscribeFinalizedHeads',
          [],
          (err: Error | null, head: { number: Hex } | undefined) => {
            if (err || !head) return
            sub.next(BigInt(head.number))
          },
        ),
      )
      .then((s) => {
        id = s
        if (closed) provider.unsubscribe('chain_finalizedHead', 'chain_unsubscribeFinalizedHeads', s).catch(() => {})
      })
      .catch((err: unknown) => o.log.debug({ err: String(err) }, 'finalized heads subscription failed'))
    return () => {
      closed = true
      if (id !== undefined && provider.isConnected)
        provider.unsubscribe('chain_finalizedHead', 'chain_unsubscribeFinalizedHeads', id).catch(() => {})
    }
  })

  return {
    chain: o.chain,
    request,
    checkGenesis,
    runtimeAt,
    metadataOf,
    /** specVersion (decimal) → metadata hex this client loaded from its own endpoint (trust for the verifier). */
    metadata,
    finalizedHeads$,
    close: () => provider.disconnect().catch(() => {}),
  }
}

export type SubstrateClient = ReturnType<typeof createSubstrateClient>
