// Termination invariants of RELIABILITY.md §6.5, read from chain state and NATS (never from relayer
// logs): I1 at-most-once execution, I2 nothing pending at quiescence, I3 conservation, I5 no signer
// equivocation, I6 cursors monotone and final, I7 committee unchanged, I8 the happy path happened,
// I9 every delivered id re-verifies from the PROOFS stream. (I4 needs a signing log with the
// finalized head used; not checked here.)
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { Contract, Interface, type JsonRpcProvider } from 'ethers'
import { recoverAttestationSigner, verifyProofBundle } from '../../proofs/index.js'
import { attestationDigest } from '../../protocol/index.js'
import { BUCKETS, parseAttestation, STREAMS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import {
  BRIDGE,
  type ChainScan,
  NATS_TIMEOUT_MS,
  type OracleTarget,
  progressOf,
  readStream,
  STATUS,
  scanChains,
  withNats,
  withProviders,
} from './chainState.js'

// The target types stay importable from here (other suites build their own targets).
export type { OracleAsset, OracleChain, OracleTarget } from './chainState.js'

export type OracleId = 'I1' | 'I2' | 'I3' | 'I5' | 'I6' | 'I7' | 'I8' | 'I9'

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
 * Check I1, I2, I3, I5, I6, I7 (when the target names a committee), I8 and I9 against the chains and NATS as they are now (call it at
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
      await checkCommittee(t, providers, violations)
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
