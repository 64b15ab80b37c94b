import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { FinalityDowngradeError } from '../../errors.js'
import type { ChainRef } from '../../types.js'
import { type CursorRecord, tryGetCursorRecord } from '../nats/cursors.js'
import type { FinalitySetting } from '../types.js'

/** How a configured finality setting compares with the one recorded for the scanned range. */
export type FinalityVerdict = 'unrecorded' | 'same' | 'stronger' | 'weaker'

/** `finalized-tag`, or `<n> confirmation(s)`. */
export const describeFinality = (f: FinalitySetting): string =>
  f.mode === 'finalized-tag' ? 'finalized-tag' : `${f.confirmations} confirmation${f.confirmations === 1 ? '' : 's'}`

// The finalized tag is stronger than any confirmation count.
const strength = (f: FinalitySetting): number =>
  f.mode === 'finalized-tag' ? Number.POSITIVE_INFINITY : f.confirmations

/** Compare the configured setting with the recorded one (undefined: nothing recorded yet). Pure. */
export const compareFinality = (
  recorded: FinalitySetting | undefined,
  configured: FinalitySetting,
): FinalityVerdict => {
  if (!recorded) return 'unrecorded'
  const [r, c] = [strength(recorded), strength(configured)]
  return c === r ? 'same' : c > r ? 'stronger' : 'weaker'
}

export interface CheckFinalityOptions {
  /** The `isthmus-cursors` bucket. */
  cursors: KV
  memberId: string
  /** Source chains and the finality setting each is configured with. */
  chains: { chain: ChainRef; finality: FinalitySetting }[]
  /** `relayer.allowFinalityDowngrade`: accept a weaker setting as a logged migration. */
  allowDowngrade: boolean
  log: Logger
}

export interface FinalityCheck {
  chain: ChainRef
  verdict: FinalityVerdict
  recorded?: FinalitySetting
  configured: FinalitySetting
}

const scannedTo = (r: CursorRecord) => r.toBlock ?? r.block

/**
 * F-36 startup guard: for every source chain, compare the configured finality setting with the
 * one recorded in this member's cursor record. A weaker setting (fewer confirmations, or
 * confirmations instead of the finalized tag) is refused, unless `allowDowngrade` (then logged at
 * warn as a migration). A stronger or equal one passes; the next cursor move records it.
 * @throws FinalityDowngradeError for the first chain whose setting was lowered
 * @throws WireFormatError (corrupt cursor record), NATS RelayErrors
 */
export const checkFinalitySettings = async (o: CheckFinalityOptions): Promise<FinalityCheck[]> => {
  const out: FinalityCheck[] = []
  for (const { chain, finality } of o.chains) {
    const rec = await tryGetCursorRecord(o.cursors, o.memberId, chain)
    const verdict = compareFinality(rec?.finality, finality)
    const check: FinalityCheck = {
      chain,
      verdict,
      configured: finality,
      ...(rec?.finality ? { recorded: rec.finality } : {}),
    }
    out.push(check)
    if (verdict !== 'weaker' || !rec?.finality) {
      if (verdict === 'stronger')
        o.log.info(
          { chain, recorded: describeFinality(rec!.finality!), configured: describeFinality(finality) },
          'source finality setting strengthened',
        )
      continue
    }
    const p = {
      chain,
      recorded: describeFinality(rec.finality),
      configured: describeFinality(finality),
      scannedTo: scannedTo(rec),
    }
    if (!o.allowDowngrade) throw new FinalityDowngradeError(p)
    o.log.warn({ ...p, migration: 'finality-downgrade' }, 'finality downgrade migration: allowed by the config')
  }
  return out
}
