// What the oracles read: each devnet bridge's Dispatch / Delivered / DeliveryFailed logs, delivery
// progress, NATS streams read by sequence and the cursor bucket's history — straight from the
// chains and JetStream.
import { type JetStreamManager, jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { Interface, JsonRpcProvider, type Log } from 'ethers'
import type { DevnetManifest } from '../../cli/devnet/devnetManifest.js'
import type { Devnet } from '../../cli/devnet/startDevnet.js'
import { loadArtifact } from '../../contracts/artifacts.js'
import { decodeMessage } from '../../protocol/index.js'
import { BUCKETS, STREAMS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'

export interface OracleChain {
  name: string
  domain: number
  chainId: bigint
  rpcUrl: string
  bridge: Hex
  deployBlock: bigint
  confirmations: number
}

export interface OracleAsset {
  assetId: Hex
  homeDomain: number
  homeToken: Hex
  remoteDomain: number
  wrappedToken: Hex
}

/** What the oracles look at: the chains with their bridges, the assets, and NATS. */
export interface OracleTarget {
  chains: OracleChain[]
  assets: OracleAsset[]
  natsUrl: () => string
  /** The committee the bridges were deployed with; when set, I7 checks it is still in force. */
  committee?: { epoch: bigint; threshold: number; signers: Hex[] }
  /** Chain refs the relayers also serve but these oracles do not model (the Asset Hub): their cursors are skipped. */
  unmodeled?: string[]
}

export interface DispatchedMessage {
  id: Hex
  origin: number
  destination: number
  nonce: bigint
  encoded: Hex
  blockNumber: bigint
}

/** What one chain's bridge logged, as origin (Dispatch) and as destination (Delivered, DeliveryFailed). */
export interface ChainScan {
  chain: OracleChain
  dispatched: DispatchedMessage[]
  /** Delivered events per id. */
  delivered: Map<Hex, number>
  /** DeliveryFailed reasons per id. */
  failed: Map<Hex, Hex[]>
}

export interface Progress {
  dispatched: number
  delivered: number
  failed: number
  /** Dispatched to a devnet chain, neither delivered nor failed there yet. */
  pending: DispatchedMessage[]
  /** Certificates left in the DELIVERIES work queue (undefined when NATS did not answer). */
  queuedCertificates: number | undefined
}

export const STATUS = { none: 0, delivered: 1, failed: 2, queued: 3, cancelled: 4 } as const
export const BRIDGE = new Interface(loadArtifact('Bridge').abi)
export const NATS_TIMEOUT_MS = 5_000

export const oracleTargetOf = (d: Devnet): OracleTarget => ({
  chains: [d.a, d.b].map((c) => ({
    name: c.name,
    domain: c.domain,
    chainId: c.chainId,
    rpcUrl: c.rpcUrl,
    bridge: c.bridge,
    deployBlock: c.deployBlock,
    confirmations: c.confirmations,
  })),
  assets: [
    {
      assetId: d.token.assetId,
      homeDomain: d.a.domain,
      homeToken: d.token.homeToken,
      remoteDomain: d.b.domain,
      wrappedToken: d.token.wrappedToken,
    },
  ],
  natsUrl: () => d.nats.url,
  committee: { epoch: d.committee.epoch, threshold: d.committee.threshold, signers: d.committee.signers },
  ...(d.substrate ? { unmodeled: [d.substrate.ref] } : {}),
})

/** The oracle view of a devnet known only by its manifest (`isthmus dev --json`, devnet.json). */
export const oracleTargetOfManifest = (m: DevnetManifest): OracleTarget => ({
  chains: m.chains.map((c) => ({
    name: c.name,
    domain: c.domain,
    chainId: BigInt(c.chainId),
    rpcUrl: c.rpcUrl,
    bridge: c.bridge,
    deployBlock: BigInt(c.deployBlock),
    confirmations: c.confirmations,
  })),
  assets: [
    {
      assetId: m.token.assetId,
      homeDomain: m.token.home.domain,
      homeToken: m.token.home.address,
      remoteDomain: m.token.wrapped.domain,
      wrappedToken: m.token.wrapped.address,
    },
  ],
  natsUrl: () => m.nats.url,
  committee: { epoch: BigInt(m.committee.epoch), threshold: m.committee.threshold, signers: m.committee.signers },
  ...(m.substrate ? { unmodeled: [m.substrate.ref] } : {}),
})

const providerOf = (c: OracleChain) =>
  new JsonRpcProvider(c.rpcUrl, Number(c.chainId), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 })

export const withProviders = async <T>(
  t: OracleTarget,
  fn: (p: Map<number, JsonRpcProvider>) => Promise<T>,
): Promise<T> => {
  const providers = new Map(t.chains.map((c) => [c.domain, providerOf(c)]))
  try {
    return await fn(providers)
  } finally {
    for (const p of providers.values()) p.destroy()
  }
}

export const withNats = async <T>(t: OracleTarget, fn: (nc: NatsConnection) => Promise<T>): Promise<T> => {
  const nc = await connect({ servers: [t.natsUrl()], timeout: NATS_TIMEOUT_MS, reconnect: false })
  try {
    return await fn(nc)
  } finally {
    await nc.close()
  }
}

const logsOf = (p: JsonRpcProvider, c: OracleChain, event: string): Promise<Log[]> =>
  p.getLogs({
    address: c.bridge,
    fromBlock: c.deployBlock,
    toBlock: 'latest',
    topics: [BRIDGE.getEvent(event)!.topicHash],
  })

const scanChain = async (p: JsonRpcProvider, c: OracleChain): Promise<ChainScan> => {
  const [dispatch, delivered, failed] = await Promise.all([
    logsOf(p, c, 'Dispatch'),
    logsOf(p, c, 'Delivered'),
    logsOf(p, c, 'DeliveryFailed'),
  ])
  const scan: ChainScan = { chain: c, dispatched: [], delivered: new Map(), failed: new Map() }
  for (const l of dispatch) {
    const ev = BRIDGE.parseLog(l)!
    const encoded = ev.args.getValue('message') as Hex
    const m = decodeMessage(encoded)
    scan.dispatched.push({
      id: ev.args.getValue('id') as Hex,
      origin: m.origin,
      destination: m.destination,
      nonce: m.nonce,
      encoded,
      blockNumber: BigInt(l.blockNumber),
    })
  }
  for (const l of delivered) {
    const id = BRIDGE.parseLog(l)!.args.getValue('id') as Hex
    scan.delivered.set(id, (scan.delivered.get(id) ?? 0) + 1)
  }
  for (const l of failed) {
    const ev = BRIDGE.parseLog(l)!
    const id = ev.args.getValue('id') as Hex
    scan.failed.set(id, [...(scan.failed.get(id) ?? []), ev.args.getValue('reason') as Hex])
  }
  return scan
}

/** Dispatch, Delivered and DeliveryFailed logs of every bridge since its deployment, keyed by domain. */
export const scanChains = (t: OracleTarget): Promise<Map<number, ChainScan>> =>
  withProviders(t, async (providers) => {
    const scans = await Promise.all(t.chains.map((c) => scanChain(providers.get(c.domain)!, c)))
    return new Map(scans.map((s) => [s.chain.domain, s]))
  })

const queuedCertificates = async (t: OracleTarget): Promise<number | undefined> => {
  try {
    return await withNats(t, async (nc) => {
      const jsm = await jetstream(nc, { timeout: NATS_TIMEOUT_MS }).jetstreamManager()
      return (await jsm.streams.info(STREAMS.deliveries)).state.messages
    })
  } catch {
    return undefined
  }
}

export const progressOf = (scans: Map<number, ChainScan>, queued: number | undefined): Progress => {
  let dispatched = 0
  let delivered = 0
  let failed = 0
  const pending: DispatchedMessage[] = []
  for (const s of scans.values()) {
    for (const m of s.dispatched) {
      const dest = scans.get(m.destination)
      if (!dest) continue
      dispatched += 1
      if (dest.delivered.has(m.id)) delivered += 1
      else if (dest.failed.has(m.id)) failed += 1
      else pending.push(m)
    }
  }
  return { dispatched, delivered, failed, pending, queuedCertificates: queued }
}

/** Where delivery stands now: every dispatched message is delivered, failed, or pending. */
export const deliveryProgress = async (t: OracleTarget): Promise<Progress> =>
  progressOf(await scanChains(t), await queuedCertificates(t))

// ------------------------------------------------------------------ NATS readers

/** Every message of a stream, read by sequence (works for work-queue streams too, without consuming). */
export const readStream = async (
  jsm: JetStreamManager,
  stream: string,
): Promise<{ subject: string; data: Uint8Array }[]> => {
  let state: { first_seq: number; last_seq: number; messages: number }
  try {
    state = (await jsm.streams.info(stream)).state
  } catch {
    return [] // not created yet: nothing was ever published
  }
  const out: { subject: string; data: Uint8Array }[] = []
  const seqs = Array.from({ length: Math.max(0, state.last_seq - state.first_seq + 1) }, (_, i) => state.first_seq + i)
  for (let i = 0; i < seqs.length; i += 32) {
    const got = await Promise.all(
      seqs.slice(i, i + 32).map((seq) => jsm.streams.getMessage(stream, { seq }).catch(() => null)),
    )
    for (const m of got) if (m) out.push({ subject: m.subject, data: m.data })
  }
  return out
}

// ------------------------------------------------------------------ cursor histories (I6)

/** One write of a relayer cursor as the `isthmus-cursors` history keeps it. */
export interface CursorWrite {
  revision: number
  /** The last block handed off. */
  block: bigint
  /** The scanned range this write completed, when the relayer records it. */
  range?: { fromBlock: bigint; toBlock: bigint; toBlockHash: Hex }
}

/** The retained history of one cursor key. */
export interface CursorHistory {
  key: string
  relayer: string
  chainRef: string
  /** Every retained PUT, oldest first. */
  writes: CursorWrite[]
  /** PUTs after the last purge/delete marker (the cursor was lost there and rebuilt from the start block). */
  sinceReset: CursorWrite[]
  /** Older writes may have been dropped by the bucket's per-key history limit. */
  truncated: boolean
}

const unescapeToken = (s: string) =>
  s.replace(/=([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))

const parseCursorWrite = (revision: number, raw: Uint8Array): CursorWrite => {
  const r = JSON.parse(new TextDecoder().decode(raw)) as {
    block: string
    fromBlock?: string
    toBlock?: string
    toBlockHash?: string
  }
  const w: CursorWrite = { revision, block: BigInt(r.block) }
  if (r.fromBlock !== undefined && r.toBlock !== undefined && r.toBlockHash !== undefined)
    w.range = { fromBlock: BigInt(r.fromBlock), toBlock: BigInt(r.toBlock), toBlockHash: r.toBlockHash as Hex }
  return w
}

/** Every key's retained history in `isthmus-cursors` (empty when the bucket does not exist yet). */
export const readCursorHistories = async (nc: NatsConnection): Promise<CursorHistory[]> => {
  let kv: Awaited<ReturnType<Kvm['open']>>
  let limit: number
  try {
    kv = await new Kvm(jetstream(nc, { timeout: NATS_TIMEOUT_MS })).open(BUCKETS.cursors)
    limit = (await kv.status()).history
  } catch {
    return []
  }
  const keys: string[] = []
  for await (const k of await kv.keys()) keys.push(k)
  const out: CursorHistory[] = []
  for (const key of keys) {
    const [relayer = '', chainRef = ''] = key.split('.').map(unescapeToken)
    const h: CursorHistory = { key, relayer, chainRef, writes: [], sinceReset: [], truncated: false }
    let retained = 0
    let firstIsMarker = false
    for await (const e of await kv.history({ key })) {
      if (retained === 0) firstIsMarker = e.operation !== 'PUT'
      retained += 1
      if (e.operation === 'PUT') {
        const w = parseCursorWrite(e.revision, e.value)
        h.writes.push(w)
        h.sinceReset.push(w)
      } else h.sinceReset = []
      if (e.delta === 0) break
    }
    // A purge rolls the key up to its marker, so nothing before a leading marker was dropped.
    h.truncated = retained >= limit && !firstIsMarker
    out.push(h)
  }
  return out
}
