import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { AlertsConfig, MetricsConfig } from '../../../config/monitoringSchema.js'
import { ConfigSchema } from '../../../config/schema.js'

const EXAMPLE = parse(readFileSync(new URL('../../../config/examples/relayer-evm-evm.yaml', import.meta.url), 'utf8'))

describe('config: metrics and alerts sections', () => {
  it('fills every alert threshold with its default and leaves metrics off when absent', () => {
    const { metrics: _m, alerts: _a, ...rest } = EXAMPLE as Record<string, unknown>
    const cfg = ConfigSchema.parse(rest)
    expect(cfg.metrics).toBeUndefined()
    expect(cfg.alerts).toEqual({
      enabled: true,
      slaSeconds: 600,
      routeSlaSeconds: [],
      lowBalance: {},
      balancePollMs: 60_000,
      silentWindowMs: 900_000,
      reorgWatchMs: 3_600_000,
      checkEveryMs: 10_000,
    })
  })

  it('reads the example: metrics on a port, per-chain thresholds', () => {
    const cfg = ConfigSchema.parse({
      ...EXAMPLE,
      alerts: {
        lowBalance: { 'evm:31338': 0.5 },
        routeSlaSeconds: [{ from: 'evm:31337', to: 'evm:31338', seconds: 90 }],
      },
    })
    expect(cfg.metrics).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(cfg.alerts.lowBalance).toEqual({ 'evm:31338': 0.5 })
    expect(MetricsConfig.parse({})).toEqual({ host: '127.0.0.1', port: 0 })
  })

  it('refuses unknown keys, bad ports and bad chain refs with their path', () => {
    expect(MetricsConfig.safeParse({ port: 70_000 }).success).toBe(false)
    expect(MetricsConfig.safeParse({ path: '/m' }).success).toBe(false)
    const bad = AlertsConfig.safeParse({ lowBalance: { 'not a ref': 1 }, silentWindowMs: 5 })
    expect(bad.success).toBe(false)
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['lowBalance.not a ref', 'silentWindowMs'])
  })
})
