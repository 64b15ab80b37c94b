import type { RelayerTuning } from './types.js'

/** Defaults of the pipeline's timings and limits (production values; tests pass shorter ones). */
export const DEFAULT_TUNING: RelayerTuning = {
  attestConcurrency: 8,
  committeeRefreshMs: 30_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  maxDeliveryBatch: 50,
  deliveryLingerMs: 50,
  deliveryRetryDelaysMs: [1_000, 5_000, 15_000, 60_000],
  aggregateRetryDelaysMs: [500, 2_000, 5_000],
  aggregateConcurrency: 16,
  pullBatch: 64,
  aggregatorConsumer: {},
  delivererConsumer: {},
  releasePollMs: 5_000,
  maxReleasesPerPoll: 16,
  clockSkewMaxMs: 600_000,
  clockCheckMs: 60_000,
}

/** Fill in the defaults. */
export const resolveTuning = (t: Partial<RelayerTuning> = {}): RelayerTuning => {
  const r = { ...DEFAULT_TUNING }
  for (const [k, v] of Object.entries(t)) if (v !== undefined) (r as Record<string, unknown>)[k] = v
  return r
}
