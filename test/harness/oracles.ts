// Termination invariants of RELIABILITY.md §6.5, read from chain state and NATS (never from relayer
// logs): I1 at-most-once execution, I2 nothing pending at quiescence, I3 conservation, I4 every
// signature made on a final block (the observed head each proof bundle / attestation records), I5
// no signer equivocation, I6 cursors monotone and final with no holes in the scanned ranges, I7
// committee unchanged, I8 the happy path happened, I9 every delivered id re-verifies from PROOFS.
import { jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { Contract, Interface, type JsonRpcProvider } from 'ethers'
import { recoverAttestationSigner, verifyProofBundle } from '../../proofs/index.js'
import { attestationDigest, decodeMessage } from '../../protocol/index.js'
import { parseAttestation, STREAMS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import {
  BRIDGE,
  type ChainScan,
  type CursorHistory,
  NATS_TIMEOUT_MS,
  type OracleChain,
  type OracleTarget,
  progressOf,
  readCursorHistories,
  readStream,
  STATUS,
  scanChains,
  withNats,
  withProviders,
} from './chainState.js'

// The target types stay importable from here (other suites build their own targets).
export type { OracleAsset, OracleChain, OracleTarget } from './chainState.js'

export type OracleId = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'I8' | 'I9'

export interface Violation {
  oracle: OracleId
  detail: string
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
    /** I6: recorded scanned ranges checked for holes (0 when the relayers record none). */
    scannedRanges: number
    /** I4: signing-time finality claims checked (PROOFS bundles, attestations that record a head). */
    finalityClaims: number
    /** Per asset id: locked on the home chain and wrapped supply on the remote chain. */
    supply: Record<Hex, { locked: bigint; wrapped: bigint }>
  }
}

const ERC20 = new Interface([
  'function balanceOf(address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
])
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

// ------------------------------------------------------------------ I7

/** The stored committee is the one deployed, and no rotation happened outside a governance test. */
const checkCommittee = async (t: OracleTarget, providers: Map<number, JsonRpcProvider>, out: Violation[]) => {
  const want = t.committee
  if (!want) return
  const norm = (xs: readonly string[]) => xs.map((x) => x.toLowerCase()).sort()
  for (const c of t.chains) {
    const p = providers.get(c.domain)!
    const bridge = new Contract(c.bridge, BRIDGE, p)
    const [epoch, signers, threshold] = (await bridge.getFunction('committee')()) as [bigint, string[], bigint]
    const have = { epoch, threshold: Number(threshold), signers: norm(signers) }
    if (JSON.stringify(have, big) !== JSON.stringify({ ...want, signers: norm(want.signers) }, big)) {
      out.push({ oracle: 'I7', detail: `committee on domain ${c.domain} is ${JSON.stringify(have, big)}` })
    }
    const rotations = await p.getLogs({
      address: c.bridge,
      fromBlock: c.deployBlock + 1n,
      toBlock: 'latest',
      topics: [BRIDGE.getEvent('CommitteeRotated')!.topicHash],
    })
    if (rotations.length > 0)
      out.push({ oracle: 'I7', detail: `${rotations.length} committee rotations on domain ${c.domain}` })
  }
}

const big = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)

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

/** Canonical block hashes by (domain, height), fetched once per check. */
type HashAt = (domain: number, height: bigint) => Promise<string | undefined>

const hashCache = (providers: Map<number, JsonRpcProvider>): HashAt => {
  const cache = new Map<string, Promise<string | undefined>>()
  return (domain, height) => {
    const key = `${domain}/${height}`
    if (!cache.has(key))
      cache.set(
        key,
        providers
          .get(domain)!
          .getBlock(height)
          .then((b) => b?.hash?.toLowerCase() ?? undefined),
      )
    return cache.get(key)!
  }
}

/**
 * The recorded scanned ranges of one cursor tile [start block, last cursor] with no hole: each
 * range starts right after the previous one ends, its end is the cursor value it wrote, and its
 * end hash is the chain's block. The first range must start at the start block unless the
 * bucket's history limit dropped older writes. Writes without a range (older relayers) claim nothing.
 */
const checkScannedRanges = async (
  h: CursorHistory,
  chain: OracleChain,
  hashAt: HashAt,
  out: Violation[],
): Promise<number> => {
  const name = `cursor ${h.relayer}@${h.chainRef}`
  const ranged = h.sinceReset.filter((w) => w.range)
  const first = ranged[0]
  const startBlock = chain.deployBlock
  if (first && first === h.sinceReset[0] && !h.truncated && first.range!.fromBlock !== startBlock) {
    out.push({
      oracle: 'I6',
      detail: `${name}: first scanned range starts at ${first.range!.fromBlock}, not at the start block ${startBlock}`,
    })
  }
  for (let i = 0; i < ranged.length; i++) {
    const { range, block, revision } = ranged[i]!
    const r = range!
    if (r.toBlock !== block || r.fromBlock > r.toBlock)
      out.push({
        oracle: 'I6',
        detail: `${name} rev ${revision}: range [${r.fromBlock}, ${r.toBlock}] for cursor ${block}`,
      })
    const prev = ranged[i - 1]?.range
    if (prev && r.fromBlock !== prev.toBlock + 1n) {
      const what = r.fromBlock > prev.toBlock + 1n ? `hole ${prev.toBlock + 1n}..${r.fromBlock - 1n}` : 'overlap'
      out.push({
        oracle: 'I6',
        detail: `${name}: scanned [${prev.fromBlock}, ${prev.toBlock}] then [${r.fromBlock}, ${r.toBlock}] (${what})`,
      })
    }
    const hash = await hashAt(chain.domain, r.toBlock)
    if (hash !== r.toBlockHash.toLowerCase())
      out.push({ oracle: 'I6', detail: `${name}: block ${r.toBlock} recorded as ${r.toBlockHash}, chain has ${hash}` })
  }
  return ranged.length
}

const checkCursors = async (
  t: OracleTarget,
  nc: NatsConnection,
  providers: Map<number, JsonRpcProvider>,
  hashAt: HashAt,
  out: Violation[],
): Promise<{ cursors: number; scannedRanges: number }> => {
  const histories = await readCursorHistories(nc)
  let scannedRanges = 0
  for (const h of histories) {
    const blocks = h.writes.map((w) => w.block)
    blocks.forEach((b, i) => {
      if (i > 0 && b < blocks[i - 1]!)
        out.push({ oracle: 'I6', detail: `cursor ${h.relayer}@${h.chainRef} moved back ${blocks[i - 1]} -> ${b}` })
    })
    if (t.unmodeled?.includes(h.chainRef)) continue
    const chain = t.chains.find((c) => `evm:${c.chainId}` === h.chainRef)
    if (!chain) {
      out.push({ oracle: 'I6', detail: `cursor ${h.key} names an unknown chain` })
      continue
    }
    const head = BigInt(await providers.get(chain.domain)!.getBlockNumber())
    const finalized = head - BigInt(chain.confirmations - 1)
    const latest = blocks.at(-1)
    if (latest !== undefined && latest > finalized) {
      out.push({
        oracle: 'I6',
        detail: `cursor ${h.relayer}@${h.chainRef} = ${latest} is past the finalized head ${finalized}`,
      })
    }
    scannedRanges += await checkScannedRanges(h, chain, hashAt, out)
  }
  return { cursors: histories.length, scannedRanges }
}

// ------------------------------------------------------------------ I4

/** One signer's claim that a message's block was final: the block and the head it saw. */
interface FinalityClaim {
  where: string
  chain: OracleChain
  blockNumber: bigint
  mode: string
  observedHeadNumber: bigint
  observedHeadHash: string
}

interface FinalityJson {
  mode?: unknown
  observedHeadNumber?: unknown
  observedHeadHash?: unknown
}

const claimOf = (
  where: string,
  chain: OracleChain,
  blockNumber: bigint,
  f: FinalityJson | undefined,
): FinalityClaim | undefined =>
  f && typeof f.observedHeadNumber === 'string' && typeof f.observedHeadHash === 'string'
    ? {
        where,
        chain,
        blockNumber,
        mode: String(f.mode),
        observedHeadNumber: BigInt(f.observedHeadNumber),
        observedHeadHash: f.observedHeadHash.toLowerCase(),
      }
    : undefined

/** The finality claims of PROOFS bundles (every bundle) and of attestations that record one. */
const finalityClaims = (
  t: OracleTarget,
  proofs: { subject: string; data: Uint8Array }[],
  attestations: { subject: string; data: Uint8Array }[],
  scans: Map<number, ChainScan>,
  out: Violation[],
): FinalityClaim[] => {
  const claims: FinalityClaim[] = []
  for (const m of proofs) {
    const chain = t.chains.find((c) => c.domain === Number(m.subject.split('.')[2]))
    const doc = parseJson(m.data)
    const b = bundleOf(doc) as { kind?: unknown; blockNumber?: unknown; finality?: FinalityJson } | undefined
    if (!chain || b?.kind !== 'evm-receipt' || typeof b.blockNumber !== 'string') continue
    const claim = claimOf(m.subject, chain, BigInt(b.blockNumber), b.finality)
    if (claim) claims.push(claim)
    else out.push({ oracle: 'I4', detail: `${m.subject}: the bundle records no observed head` })
  }
  const dispatchedAt = new Map<string, bigint>()
  for (const s of scans.values()) for (const d of s.dispatched) dispatchedAt.set(d.id.toLowerCase(), d.blockNumber)
  for (const m of attestations) {
    const a = parseJson(m.data) as
      | { id?: unknown; sourceBlockNumber?: unknown; finality?: FinalityJson; message?: unknown }
      | undefined
    if (!a?.finality || typeof a.id !== 'string') continue
    const block = dispatchedAt.get(a.id.toLowerCase())
    if (block === undefined) continue // not a devnet message: I5/I9 territory
    let origin: number
    try {
      origin = decodeMessage(String(a.message) as Hex).origin
    } catch {
      continue
    }
    const chain = t.chains.find((c) => c.domain === origin)
    if (!chain) continue
    if (typeof a.sourceBlockNumber === 'string' && BigInt(a.sourceBlockNumber) !== block)
      out.push({
        oracle: 'I4',
        detail: `${m.subject}: claims source block ${a.sourceBlockNumber}, dispatched in ${block}`,
      })
    const claim = claimOf(m.subject, chain, block, a.finality)
    if (claim) claims.push(claim)
  }
  return claims
}

const parseJson = (data: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(data))
  } catch {
    return undefined
  }
}

/**
 * I4: every signature was made on a final block. The head the signer observed is at least the
 * route's confirmations above the message's block (any depth ≥ 1 under the finalized tag), and it
 * is the chain's block at that height — so the head descends from the message's block.
 */
const checkFinalityAtSigning = async (claims: FinalityClaim[], hashAt: HashAt, out: Violation[]) => {
  for (const c of claims) {
    const required = c.mode === 'finalized-tag' ? 1n : BigInt(c.chain.confirmations)
    const depth = c.observedHeadNumber - c.blockNumber + 1n
    if (depth < required)
      out.push({
        oracle: 'I4',
        detail: `${c.where}: block ${c.blockNumber} signed at head ${c.observedHeadNumber} (depth ${depth} < ${required})`,
      })
    const hash = await hashAt(c.chain.domain, c.observedHeadNumber)
    if (hash !== c.observedHeadHash)
      out.push({
        oracle: 'I4',
        detail: `${c.where}: observed head ${c.observedHeadNumber} ${c.observedHeadHash} is not the chain's block (${hash ?? 'none'})`,
      })
  }
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
      } else if ('id' in r) proven.add(r.id.toLowerCase() as Hex)
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
 * Check I1-I6, I7 (when the target names a committee), I8 and I9 against the chains and NATS as
 * they are now (call it at quiescence). Returns every violation found; an empty list is a pass.
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
      await checkCommittee(t, providers, violations)
      const attestations = await readStream(jsm, STREAMS.attestations)
      checkAttestations(t, attestations, violations)
      const hashAt = hashCache(providers)
      const { cursors, scannedRanges } = await checkCursors(t, nc, providers, hashAt, violations)
      const proofs = await readStream(jsm, STREAMS.proofs)
      const claims = finalityClaims(t, proofs, attestations, scans, violations)
      await checkFinalityAtSigning(claims, hashAt, violations)
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
          scannedRanges,
          finalityClaims: claims.length,
          supply,
        },
      }
    }),
  )
}
