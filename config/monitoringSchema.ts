import { z } from 'zod'

const chainRef = z.string().regex(/^(evm|substrate|fabric):[A-Za-z0-9._-]+$/, 'a chain ref such as evm:1')

/** `isthmus start` serves Prometheus metrics on `http://<host>:<port>/metrics` (docs/metrics.md). */
export const MetricsConfig = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 = an OS-chosen free port (logged as `metrics listening` with the URL). */
    port: z.number().int().min(0).max(65535).default(0),
  })
  .strict()

/** Alert thresholds (docs/events.md "Alerts"); every field has a default. */
export const AlertsConfig = z
  .object({
    /** Raise alerts at all (events on `isthmus.evt.alert.…` and ALERT log lines). */
    enabled: z.boolean().default(true),
    /** Delivery SLA of every route without its own entry: a pending message older than this is stuck. */
    slaSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(600),
    /** Per-route SLA overrides. */
    routeSlaSeconds: z
      .array(
        z
          .object({
            from: chainRef,
            to: chainRef,
            seconds: z
              .number()
              .int()
              .min(1)
              .max(30 * 86_400),
          })
          .strict(),
      )
      .default([]),
    /** Low balance of the delivery account per chain, in whole native tokens (e.g. `evm:1: 0.5`). */
    lowBalance: z.record(chainRef, z.number().min(0)).default({}),
    /** How often delivery account balances are read; 0 = never. */
    balancePollMs: z.number().int().min(0).max(86_400_000).default(60_000),
    /** A member that signed nothing this long while others did is silent. */
    silentWindowMs: z.number().int().min(1_000).max(86_400_000).default(900_000),
    /** How long the source block of each observed message is re-checked for a reorg (docs/events.md). */
    reorgWatchMs: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400_000)
      .default(3_600_000),
    /** How often stuck messages, silent members, the quorum and source blocks (reorgs) are checked. */
    checkEveryMs: z.number().int().min(100).max(3_600_000).default(10_000),
  })
  .strict()
