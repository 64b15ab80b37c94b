// Termination invariants of RELIABILITY.md §6.5, read from chain state and NATS (never from relayer
// logs): I1 at-most-once execution, I2 nothing pending at quiescence, I3 conservation, I5 no signer
// equivocation, I6 cursors monotone and final, I8 the happy path happened, I9 every delivered id
// re-verifies from the PROOFS stream. Plus waitForQuiescence, the bounded wait every e2e run ends with.
import { type JetStreamManager, jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { Contract, Interface, JsonRpcProvider, type Log } from 'ethers'
import type { DevnetManifest } from '../../cli/devnet/devnetManifest.js'
import type { Devnet } from '../../cli/devnet/startDevnet.js'
import { loadArtifact } from '../../contracts/artifacts.js'
import { WaitTimeoutError } from '../../errors.js'
import { recoverAttestationSigner, verifyProofBundle } from '../../proofs/index.js'
import { attestationDigest, decodeMessage } from '../../protocol/index.js'
import { BUCKETS, parseAttestation, STREAMS } from '../../relayer/index.js'
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
}

export type OracleId = 'I1' | 'I2' | 'I3' | 'I5' | 'I6' | 'I8' | 'I9'

export interface Violation {
  oracle: OracleId
  detail: string
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

export interface InvariantReport {
  violations: Violation[]
  stats: {
    dispatched: number
    delivered: number
    failed: number
    attestations: number
    proofBundles: number
    cursors: number
    /** Per asset id: locked on the home chain and wrapped supply on the remote chain. */
    supply: Record<Hex, { locked: bigint; wrapped: bigint }>
  }
}

export const STATUS = { none: 0, delivered: 1, failed: 2, queued: 3, cancelled: 4 } as const

const BRIDGE = new Interface(loadArtifact('Bridge').abi)
const ERC20 = new Interface([
  'function balanceOf(address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
])
const NATS_TIMEOUT_MS = 5_000

/** The oracle view of a running devnet (the NATS URL is read at each check: a restart may move it). */
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
})

const providerOf = (c: OracleChain) =>
  new JsonRpcProvider(c.rpcUrl, Number(c.chainId), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 })

const withProviders = async <T>(t: OracleTarget, fn: (p: Map<number, JsonRpcProvider>) => Promise<T>): Promise<T> => {
  const providers = new Map(t.chains.map((c) => [c.domain, providerOf(c)]))
  try {
    return await fn(providers)
  } finally {
    for (const p of providers.values()) p.destroy()
  }
}

const withNats = async <T>(t: OracleTarget, fn: (nc: NatsConnection) => Promise<T>): Promise<T> => {
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

const progressOf = (scans: Map<number, ChainScan>, queued: number | undefined): Progress => {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface WaitForQuiescenceOptions {
  timeoutMs: number
  /** The quiet state must hold this long with no new delivery (late duplicates would show). */
  settleMs?: number
  pollMs?: number
  /** Also wait until at least this many messages were dispatched and settled. */
  minSettled?: number
}

/**
 * Wait until every message dispatched on a devnet chain is delivered or failed on its destination
 * and the DELIVERIES work queue is empty, and that holds for `settleMs`.
 * @throws WaitTimeoutError naming what is still pending
 */
export const waitForQuiescence = async (t: OracleTarget, o: WaitForQuiescenceOptions): Promise<Progress> => {
  const deadline = Date.now() + o.timeoutMs
  const settleMs = o.settleMs ?? 1_500
  let quietSince: { at: number; settled: number } | undefined
  let last: Progress | undefined
  while (Date.now() < deadline) {
    try {
      last = await deliveryProgress(t)
    } catch {
      last = undefined // a chain restarting or busy: not quiet
    }
    const settled = last ? last.delivered + last.failed : -1
    const quiet =
      last !== undefined && last.pending.length === 0 && last.queuedCertificates === 0 && settled >= (o.minSettled ?? 0)
    if (!quiet) quietSince = undefined
    else if (!quietSince || quietSince.settled !== settled) quietSince = { at: Date.now(), settled }
    else if (Date.now() - quietSince.at >= settleMs) return last!
    await sleep(o.pollMs ?? 300)
  }
  throw new WaitTimeoutError({
    what: 'quiescence',
    timeoutMs: o.timeoutMs,
    detail: last
      ? `${last.pending.length} of ${last.dispatched} pending (first: ${last.pending
          .slice(0, 3)
          .map((m) => `${m.origin}->${m.destination} #${m.nonce}`)
          .join(', ')}), ${last.queuedCertificates ?? '?'} certificates queued`
      : 'the chains did not answer',
  })
}

/** Wait (bounded) until `check` returns a value; polls every `pollMs`. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  pollMs = 250,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new WaitTimeoutError({ what, timeoutMs })
    await sleep(pollMs)
  }
}

// ------------------------------------------------------------------ I1, I2

const checkExecution = async (
  providers: Map<number, JsonRpcProvider>,
  scans: Map<number, ChainScan>,
  queued: number | undefined,
  out: Violation[],
) => {
  for (const s of scans.values()) {
    for (const [id, n] of s.delivered)
      if (n > 1) out.push({ oracle: 'I1', detail: `${id} executed ${n} times on domain ${s.chain.domain}` })
  }
  for (const src of scans.values()) {
    for (const m of src.dispatched) {
      const dest = scans.get(m.destination)
      if (!dest) continue
      const bridge = new Contract(dest.chain.bridge, BRIDGE, providers.get(dest.chain.domain)!)
      const status = Number(await bridge.getFunction('messageStatus')(m.id))
      const events = dest.delivered.get(m.id) ?? 0
      const route = `${m.origin}->${m.destination} #${m.nonce} ${m.id}`
      if ((status === STATUS.delivered) !== (events === 1)) {
        out.push({ oracle: 'I1', detail: `${route}: status ${status} but ${events} Delivered events` })
      }
      if (status === STATUS.failed && !(dest.failed.get(m.id) ?? []).some((r) => r.length > 2)) {
        out.push({ oracle: 'I2', detail: `${route}: Failed without a reason` })
      }
      if (status !== STATUS.delivered && status !== STATUS.failed) {
        out.push({ oracle: 'I2', detail: `${route}: still pending (status ${status})` })
      }
    }
  }
  if (queued !== 0)
    out.push({ oracle: 'I2', detail: `DELIVERIES holds ${queued ?? 'an unknown number of'} certificates` })
}

// ------------------------------------------------------------------ I3

const checkSupply = async (t: OracleTarget, providers: Map<number, JsonRpcProvider>, out: Violation[]) => {
  const supply: InvariantReport['stats']['supply'] = {}
  for (const a of t.assets) {
    const home = t.chains.find((c) => c.domain === a.homeDomain)!
    const read = (token: Hex, domain: number, fn: string, ...args: unknown[]) =>
      new Contract(token, ERC20, providers.get(domain)!).getFunction(fn)(...args) as Promise<bigint>
    const [locked, wrapped] = await Promise.all([
      read(a.homeToken, a.homeDomain, 'balanceOf', home.bridge),
      read(a.wrappedToken, a.remoteDomain, 'totalSupply'),
    ])
    supply[a.assetId] = { locked, wrapped }
    if (wrapped > locked)
      out.push({ oracle: 'I3', detail: `asset ${a.assetId}: wrapped ${wrapped} > locked ${locked}` })
  }
  return supply
}

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

// ------------------------------------------------------------------ I5

const checkAttestations = (t: OracleTarget, msgs: { subject: string; data: Uint8Array }[], out: Violation[]) => {
  const idsBySlot = new Map<string, Set<Hex>>()
  for (const m of msgs) {
    let a: ReturnType<typeof parseAttestation>
    try {
      a = parseAttestation(m.data)
    } catch {
      continue // malformed attestations are the aggregator's DLQ business (F-18), not equivocation
    }
    const digest = attestationDigest({
      epoch: a.epoch,
      destination: a.destination,
      destinationBridge: a.destinationBridge,
      id: a.id,
    })
    let signer: Hex
    try {
      signer = recoverAttestationSigner(digest, a.signature)
    } catch {
      continue
    }
    if (signer !== a.signer) continue // a forged "signer" field proves nothing about that signer
    if (!t.chains.some((c) => c.domain === a.decoded.origin)) continue
    const slot = `${signer}/${a.decoded.origin}/${a.decoded.nonce}`
    idsBySlot.set(slot, (idsBySlot.get(slot) ?? new Set()).add(a.id))
  }
  for (const [slot, ids] of idsBySlot) {
    if (ids.size > 1) out.push({ oracle: 'I5', detail: `signer/origin/nonce ${slot} signed ${[...ids].join(', ')}` })
  }
}

// ------------------------------------------------------------------ I6

const unescapeToken = (s: string) =>
  s.replace(/=([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))

const checkCursors = async (
  t: OracleTarget,
  nc: NatsConnection,
  providers: Map<number, JsonRpcProvider>,
  out: Violation[],
): Promise<number> => {
  let kv: Awaited<ReturnType<Kvm['open']>>
  try {
    kv = await new Kvm(jetstream(nc, { timeout: NATS_TIMEOUT_MS })).open(BUCKETS.cursors)
  } catch {
    return 0
  }
  const keys: string[] = []
  for await (const k of await kv.keys()) keys.push(k)
  for (const key of keys) {
    const [relayer, chainRef] = key.split('.').map(unescapeToken)
    const chain = t.chains.find((c) => `evm:${c.chainId}` === chainRef)
    const blocks: bigint[] = []
    const hist = await kv.history({ key })
    for await (const e of hist) {
      if (e.operation === 'PUT')
        blocks.push(BigInt((JSON.parse(new TextDecoder().decode(e.value)) as { block: string }).block))
      if (e.delta === 0) break
    }
    blocks.forEach((b, i) => {
      if (i > 0 && b < blocks[i - 1]!)
        out.push({ oracle: 'I6', detail: `cursor ${relayer}@${chainRef} moved back ${blocks[i - 1]} -> ${b}` })
    })
    if (!chain) {
      out.push({ oracle: 'I6', detail: `cursor ${key} names an unknown chain` })
      continue
    }
    const head = BigInt(await providers.get(chain.domain)!.getBlockNumber())
    const finalized = head - BigInt(chain.confirmations - 1)
    const latest = blocks.at(-1)
    if (latest !== undefined && latest > finalized) {
      out.push({
        oracle: 'I6',
        detail: `cursor ${relayer}@${chainRef} = ${latest} is past the finalized head ${finalized}`,
      })
    }
  }
  return keys.length
}

// ------------------------------------------------------------------ I9

/** A PROOFS payload: the bundle itself, or an envelope carrying it under `bundle`. */
const bundleOf = (doc: unknown): unknown =>
  doc && typeof doc === 'object' && 'bundle' in doc && !('kind' in doc) ? (doc as { bundle: unknown }).bundle : doc

const checkProofs = async (
  t: OracleTarget,
  msgs: { subject: string; data: Uint8Array }[],
  scans: Map<number, ChainScan>,
  providers: Map<number, JsonRpcProvider>,
  out: Violation[],
) => {
  const proven = new Set<Hex>()
  const hashes = new Map<string, string | undefined>()
  for (const m of msgs) {
    const origin = Number(m.subject.split('.')[2])
    const chain = t.chains.find((c) => c.domain === origin)
    if (!chain) continue
    try {
      const doc = bundleOf(JSON.parse(new TextDecoder().decode(m.data)))
      const r = verifyProofBundle(doc, { chainId: chain.chainId, bridge: chain.bridge })
      const key = `${origin}/${r.blockNumber}`
      if (!hashes.has(key)) hashes.set(key, (await providers.get(origin)!.getBlock(r.blockNumber))?.hash ?? undefined)
      if (hashes.get(key)?.toLowerCase() !== r.blockHash.toLowerCase()) {
        out.push({ oracle: 'I9', detail: `${m.subject}: block ${r.blockNumber} is not the chain's block` })
      } else proven.add(r.id.toLowerCase() as Hex)
    } catch (e) {
      out.push({ oracle: 'I9', detail: `${m.subject}: does not verify (${(e as { code?: string }).code ?? 'error'})` })
    }
  }
  for (const s of scans.values()) {
    for (const id of s.delivered.keys()) {
      if (!proven.has(id.toLowerCase() as Hex))
        out.push({
          oracle: 'I9',
          detail: `${id} delivered on domain ${s.chain.domain} without a valid proof bundle on PROOFS`,
        })
    }
  }
}

export interface CheckInvariantsOptions {
  /** I8: at least this many deliveries (default 1). */
  minDeliveries?: number
}

/**
 * Check I1, I2, I3, I5, I6, I8 and I9 against the chains and NATS as they are now (call it at
 * quiescence). Returns every violation found; an empty list is a pass.
 */
export const checkInvariants = async (t: OracleTarget, o: CheckInvariantsOptions = {}): Promise<InvariantReport> => {
  const violations: Violation[] = []
  const scans = await scanChains(t)
  return withProviders(t, async (providers) =>
    withNats(t, async (nc) => {
      const jsm = await jetstream(nc, { timeout: NATS_TIMEOUT_MS }).jetstreamManager()
      const queued = (await jsm.streams.info(STREAMS.deliveries).catch(() => undefined))?.state.messages ?? 0
      await checkExecution(providers, scans, queued, violations)
      const supply = await checkSupply(t, providers, violations)
      const attestations = await readStream(jsm, STREAMS.attestations)
      checkAttestations(t, attestations, violations)
      const cursors = await checkCursors(t, nc, providers, violations)
      const proofs = await readStream(jsm, STREAMS.proofs)
      await checkProofs(t, proofs, scans, providers, violations)
      const p = progressOf(scans, queued)
      if (p.delivered < Math.max(1, o.minDeliveries ?? 1)) {
        violations.push({
          oracle: 'I8',
          detail: `${p.delivered} deliveries, expected at least ${Math.max(1, o.minDeliveries ?? 1)}`,
        })
      }
      return {
        violations,
        stats: {
          dispatched: p.dispatched,
          delivered: p.delivered,
          failed: p.failed,
          attestations: attestations.length,
          proofBundles: proofs.length,
          cursors,
          supply,
        },
      }
    }),
  )
}
