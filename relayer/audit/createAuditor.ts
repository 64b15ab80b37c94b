import type { JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { concatMap, from, mergeMap, type Observable, takeUntil, timer } from 'rxjs'
import type { DeliveryReader } from '../../adapters/index.js'
import type { Hex, Message } from '../../types.js'
import { metric } from '../metrics/metricDefinitions.js'
import { createProofIndex } from './createProofIndex.js'
import {
  type AuditedDelivery,
  type AuditFinding,
  type AuditSource,
  judgeDelivery,
  proveDelivery,
} from './judgeDelivery.js'

/** A delivery as a destination reports it; origin and nonce are absent where the chain does not record them. */
export type AuditedRecord = Omit<AuditedDelivery, 'origin' | 'nonce'> & { origin?: number; nonce?: bigint }

/** A keyless reader of one destination's deliveries (EVM `Delivered` events, Substrate multisig executions). */
export interface AuditDeliveryReader {
  readonly chain: DeliveryReader['chain']
  head(): Promise<bigint>
  deliveries(fromBlock: bigint, toBlock: bigint): Promise<readonly AuditedRecord[]>
}

export interface AuditDestination {
  reader: AuditDeliveryReader
  domain: number
  /** First block scanned for deliveries (the bridge's deployment block, or later). */
  fromBlock: bigint
  /** Destinations whose deliveries carry a call, not the message: the call `m` must execute (undefined = none). */
  expectedCall?: (id: Hex, m: Message) => Hex | undefined
}

export interface AuditSourceChain {
  source: AuditSource
  reader: Pick<DeliveryReader, 'blockHashAt'>
  /**
   * Load, from the auditor's own endpoint, the trust material these bundles need before they are
   * verified (Substrate: the runtime metadata at each bundle's height). A failure fails the pass.
   */
  prepare?: (bundles: readonly unknown[]) => Promise<void>
}

export interface AuditorOptions {
  js: JetStreamClient
  destinations: readonly AuditDestination[]
  sources: readonly AuditSourceChain[]
  log: Logger
  /** Counts results in `isthmus_audit_checked_total` when given. */
  registry?: Registry
}

export interface AuditReport {
  checked: number
  ok: number
  /** Every finding that is not `ok`. */
  mismatches: AuditFinding[]
  byResult: Record<string, number>
  /** The block range scanned on each destination in this pass. */
  scanned: { chain: string; fromBlock: string; toBlock: string }[]
  proofBundles: number
}

export interface Auditor {
  /** Audit the deliveries made since the previous pass (every one, the first time). */
  runOnce(): Promise<AuditReport>
}

/**
 * `isthmus audit` (docs/audit.md): re-verify every delivery independently of the relayers. For
 * each `Delivered` event on each destination bridge: a proof bundle exists on PROOFS, every bundle
 * verifies with the configured trust anchors of the origin (`verifyProofBundle`), the message the
 * delivery transaction carried is the proven one, and the proven block is still the source chain's
 * block at that height. Each pass reads the destination heads first, then the PROOFS stream to its
 * end (a bundle is published before the attestation, hence before any delivery), then the events.
 * @throws RelayError (RPC, NATS) when a chain or the stream cannot be read; a next pass retries
 */
export const createAuditor = (o: AuditorOptions): Auditor => {
  const proofs = createProofIndex(o.js)
  const next = new Map(o.destinations.map((d) => [d.reader.chain, d.fromBlock]))
  const sources = new Map(o.sources.map((s) => [s.source.domain, s]))
  const checked = o.registry ? metric(o.registry, 'isthmus_audit_checked_total') : undefined
  const runOnce = async (): Promise<AuditReport> => {
    const heads = await Promise.all(o.destinations.map((d) => d.reader.head()))
    const { lastSeq } = await proofs.catchUp()
    const report: AuditReport = { checked: 0, ok: 0, mismatches: [], byResult: {}, scanned: [], proofBundles: 0 }
    const hashes = new Map<string, Hex | undefined>()
    for (const [i, d] of o.destinations.entries()) {
      const from = next.get(d.reader.chain)!
      const to = heads[i]!
      if (to < from) continue
      report.scanned.push({ chain: d.reader.chain, fromBlock: from.toString(), toBlock: to.toString() })
      for (const rec of await d.reader.deliveries(from, to)) {
        const bundles = proofs.bundlesOf(rec.id)
        // No origin on chain (Substrate): the origin the bundles were published under, proven below.
        const origin = rec.origin ?? proofs.originsOf(rec.id).find((n) => sources.has(n))
        const src = origin === undefined ? undefined : sources.get(origin)
        if (src?.prepare && bundles.length > 0) await src.prepare(bundles)
        const first = src
          ? proveDelivery({ ...rec, origin: origin!, nonce: rec.nonce ?? 0n }, bundles, src.source)
          : undefined
        const del: AuditedDelivery = {
          ...rec,
          origin: origin ?? first?.proven?.message.origin ?? 0,
          nonce: rec.nonce ?? first?.proven?.message.nonce ?? 0n,
        }
        // An origin-less delivery without any bundle is a missing bundle, not an unknown origin.
        const proven = first ?? (origin === undefined && bundles.length === 0 ? { refused: [] } : undefined)
        let canonical: Hex | undefined
        if (src && proven?.proven) {
          const key = `${src.source.chain}#${proven.proven.blockNumber}`
          if (!hashes.has(key)) {
            const h = await src.reader.blockHashAt(proven.proven.blockNumber).catch((err: unknown) => {
              o.log.warn({ err, chain: src.source.chain }, 'source block not read')
              return undefined
            })
            hashes.set(key, h)
          }
          canonical = hashes.get(key)
        }
        const expected = proven?.proven ? d.expectedCall?.(proven.proven.id, proven.proven.message) : undefined
        const f = judgeDelivery(del, proven, bundles.length, canonical, expected)
        report.checked++
        report.byResult[f.result] = (report.byResult[f.result] ?? 0) + 1
        checked?.inc({ destination: String(d.domain), result: f.result })
        if (f.result === 'ok') report.ok++
        else {
          report.mismatches.push(f)
          o.log.error({ alert: 'audit-mismatch', finding: f }, `ALERT audit: ${f.result} for ${f.id}: ${f.detail}`)
        }
      }
      next.set(d.reader.chain, to + 1n)
    }
    report.proofBundles = lastSeq
    return report
  }
  return { runOnce }
}

/**
 * Watch mode: a pass every `pollMs` (the first at once, one at a time) until `stop$`; emits each
 * pass's report. A failed pass is logged and retried at the next tick (its range is re-read).
 */
export const audit$ = (
  a: Auditor,
  o: { pollMs: number; stop$: Observable<unknown>; log: Logger },
): Observable<AuditReport> =>
  timer(0, o.pollMs).pipe(
    takeUntil(o.stop$),
    concatMap(() =>
      from(
        a.runOnce().catch((err: unknown) => {
          o.log.warn({ err }, 'audit pass failed, retrying at the next poll')
          return undefined
        }),
      ),
    ),
    mergeMap((r) => (r ? [r] : [])),
  )
