import type { JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { concatMap, from, mergeMap, type Observable, takeUntil, timer } from 'rxjs'
import type { DeliveryReader } from '../../adapters/index.js'
import type { Hex } from '../../types.js'
import { metric } from '../metrics/metricDefinitions.js'
import { createProofIndex } from './createProofIndex.js'
import { type AuditFinding, type AuditSource, judgeDelivery, proveDelivery } from './judgeDelivery.js'

export interface AuditDestination {
  reader: Pick<DeliveryReader, 'chain' | 'head' | 'deliveries'>
  domain: number
  /** First block scanned for `Delivered` events (the bridge's deployment block, or later). */
  fromBlock: bigint
}

export interface AuditSourceChain {
  source: AuditSource
  reader: Pick<DeliveryReader, 'blockHashAt'>
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
      for (const del of await d.reader.deliveries(from, to)) {
        const src = sources.get(del.origin)
        const bundles = proofs.bundlesOf(del.id)
        const proven = src ? proveDelivery(del, bundles, src.source) : undefined
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
        const f = judgeDelivery(del, proven, bundles.length, canonical)
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
