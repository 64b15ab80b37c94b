import type { Signer } from 'ethers'
import { type Observable, shareReplay } from 'rxjs'
import { UnsupportedChainKindError } from '../errors.js'
import { messageStatus$ } from './messageStatus.js'
import { type FetchFn, requestJson } from './requestJson.js'
import { sendEvmTransfer } from './sendEvmTransfer.js'
import { type FabricSigner, fabricAccountOf, sendFabricTransfer } from './sendFabricTransfer.js'
import { type SubstrateSigner, sendSubstrateTransfer } from './sendSubstrateTransfer.js'
import type {
  AssetInfo,
  BuiltTransfer,
  ChainInfo,
  ChainRef,
  Hex,
  MessagePage,
  MessageQuery,
  MessageView,
  Quote,
  QuoteRequest,
  StatusUpdate,
  TransferRequest,
  WatchEvent,
  WatchFilter,
} from './types.js'
import { watchEvents$ } from './watchEvents.js'

export type { FabricSigner, SubstrateSigner }

/**
 * Who signs a transfer on the source chain: an ethers Signer (EVM), a SubstrateSigner (Asset Hub: the
 * caller's connected ApiPromise with a KeyringPair or an injected `{ address, signer }`), or a
 * FabricSigner (the caller's connected fabric-gateway `Gateway`; Node only).
 */
export type TransferSigner = Signer | SubstrateSigner | FabricSigner

export interface IsthmusClientOptions {
  /** Base URL of the Isthmus API, e.g. `http://127.0.0.1:8080`. */
  apiUrl: string
  /** Defaults to the global `fetch`. */
  fetch?: FetchFn
  /** Per request (default 15000). */
  requestTimeoutMs?: number
  /** How often `status$` polls the message besides the event stream (default 2000). */
  pollIntervalMs?: number
  /** First SSE reconnection delay, doubling up to 30 s (default 500). */
  reconnectDelayMs?: number
}

export interface TransferOptions {
  /** Progress of the source-chain transactions (approve, sendToken / dispatch). */
  onTx?: (p: { index: number; count: number; description: string; txHash: Hex }) => void
}

/** What `transfer` resolves to once the source transaction is mined and its Dispatch checked. */
export interface TransferResult {
  /** The message id (keccak256 of the canonical encoding), from the bridge's Dispatch log. */
  id: Hex
  /** The source transaction that dispatched it. */
  txHash: Hex
  blockNumber: bigint
  nonce: bigint
  /** Status updates until delivered or definitely failed (replayed to late subscribers). */
  status$: Observable<StatusUpdate>
}

export interface IsthmusClient {
  readonly apiUrl: string
  /** `GET /v1/chains` (cached after the first success). */
  chains(): Promise<ChainInfo[]>
  /** `GET /v1/assets`. */
  assets(): Promise<AssetInfo[]>
  /** `POST /v1/quote`: fee, expected time and finality of a route. */
  quote(q: QuoteRequest): Promise<Quote>
  /** Build through the API, sign with `signer`, send on the source chain; see TransferResult. */
  transfer(req: TransferRequest, signer: TransferSigner, o?: TransferOptions): Promise<TransferResult>
  /** `GET /v1/messages/{id}`. @throws IsthmusApiError `message_not_found` (404) */
  getMessage(id: Hex): Promise<MessageView>
  /** `GET /v1/messages` (one page). */
  listMessages(q?: MessageQuery): Promise<MessagePage>
  /** A message's status updates until delivered or definitely failed. */
  status$(id: Hex, o?: { since?: string }): Observable<StatusUpdate>
  /** Live status events matching `filter` (SSE, resumed after reconnects). */
  watch(filter?: WatchFilter): Observable<WatchEvent>
}

const isEthersSigner = (s: TransferSigner): s is Signer =>
  typeof (s as Signer).sendTransaction === 'function' && typeof (s as Signer).getAddress === 'function'

const signerKind = (s: TransferSigner): 'evm' | 'substrate' | 'fabric' => (isEthersSigner(s) ? 'evm' : s.kind)

/**
 * A client of the Isthmus HTTP API. Works in Node ≥ 22 and browsers (only `fetch` and web streams).
 * @example
 * const isthmus = createIsthmusClient({ apiUrl: 'http://127.0.0.1:8080' })
 * const { id, status$ } = await isthmus.transfer(
 *   { kind: 'token', from: 'evm:31337', to: 'evm:31338', assetId, amount: 5n * 10n ** 18n, recipient },
 *   wallet, // an ethers Signer connected to the source chain
 * )
 * status$.subscribe((u) => console.log(id, u.status))
 */
export const createIsthmusClient = (o: IsthmusClientOptions): IsthmusClient => {
  const doFetch: FetchFn = o.fetch ?? ((input, init) => fetch(input, init))
  const timeoutMs = o.requestTimeoutMs ?? 15_000
  const pollIntervalMs = o.pollIntervalMs ?? 2_000
  const req = <T>(
    method: 'GET' | 'POST',
    path: string,
    extra: { body?: unknown; query?: Record<string, string | number | undefined> } = {},
  ) => requestJson<T>({ apiUrl: o.apiUrl, fetch: doFetch, timeoutMs, method, path, ...extra })

  let chainsCache: Promise<ChainInfo[]> | undefined
  const chains = () => {
    chainsCache ??= req<{ chains: ChainInfo[] }>('GET', '/v1/chains').then((r) => r.chains)
    chainsCache.catch(() => {
      chainsCache = undefined
    })
    return chainsCache
  }
  const chainOf = async (ref: ChainRef): Promise<ChainInfo> => {
    const c = (await chains()).find((x) => x.ref === ref)
    if (!c)
      throw new UnsupportedChainKindError({
        chain: ref,
        kind: 'unknown',
        detail: 'the API does not list this chain in /v1/chains',
      })
    return c
  }
  const getMessage = (id: Hex) => req<MessageView>('GET', `/v1/messages/${id}`)
  const watch = (filter: WatchFilter = {}) =>
    watchEvents$({
      apiUrl: o.apiUrl,
      fetch: doFetch,
      filter,
      reconnectDelayMs: o.reconnectDelayMs ?? 500,
      maxReconnectDelayMs: 30_000,
    })
  const status$ = (id: Hex, so: { since?: string } = {}) =>
    messageStatus$({ id, events$: watch({ id, ...(so.since ? { since: so.since } : {}) }), getMessage, pollIntervalMs })

  const transfer = async (
    r: TransferRequest,
    signer: TransferSigner,
    to: TransferOptions = {},
  ): Promise<TransferResult> => {
    const [source, destination] = await Promise.all([chainOf(r.from), chainOf(r.to)])
    const kind = signerKind(signer)
    if (kind !== source.kind)
      throw new UnsupportedChainKindError({
        chain: source.ref,
        kind: source.kind,
        detail: `a ${kind} signer cannot sign for it`,
      })
    const startedAt = new Date(Date.now() - 60_000).toISOString()
    const sender = isEthersSigner(signer)
      ? await signer.getAddress()
      : signer.kind === 'fabric'
        ? fabricAccountOf(signer.gateway)
        : 'pair' in signer
          ? signer.pair.address
          : signer.address
    const body = r.kind === 'token' ? { ...r, amount: BigInt(r.amount).toString(), sender } : { ...r, sender }
    const built = await req<BuiltTransfer>('POST', '/v1/transfers', { body })
    let sent: { id: Hex; txHash: Hex; blockNumber: bigint; nonce: bigint }
    // What every chain kind's sender takes besides its signer and the built transaction.
    const common = { request: r, source, destination, ...(to.onTx ? { onTx: to.onTx } : {}) }
    if (built.kind === 'evm-tx' && isEthersSigner(signer)) {
      sent = await sendEvmTransfer({ signer, txs: built.txs, ...common })
    } else if (built.kind === 'substrate-extrinsic' && !isEthersSigner(signer) && signer.kind === 'substrate') {
      sent = await sendSubstrateTransfer({ signer, built, ...common })
    } else if (built.kind === 'fabric-proposal' && !isEthersSigner(signer) && signer.kind === 'fabric') {
      sent = await sendFabricTransfer({ signer, built, ...common })
    } else
      throw new UnsupportedChainKindError({
        chain: source.ref,
        kind: built.kind,
        detail: `the SDK cannot sign a ${built.kind} with a ${kind} signer`,
      })
    return {
      ...sent,
      status$: status$(sent.id, { since: startedAt }).pipe(shareReplay({ bufferSize: 32, refCount: true })),
    }
  }

  return {
    apiUrl: o.apiUrl,
    chains,
    assets: () => req<{ assets: AssetInfo[] }>('GET', '/v1/assets').then((x) => x.assets),
    quote: (q) =>
      req<Quote>('POST', '/v1/quote', {
        body: { ...q, ...(q.amount === undefined ? {} : { amount: BigInt(q.amount).toString() }) },
      }),
    transfer,
    getMessage,
    listMessages: (q = {}) => req<MessagePage>('GET', '/v1/messages', { query: { ...q } }),
    status$,
    watch,
  }
}
