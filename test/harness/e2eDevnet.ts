// One devnet per e2e test file: real chains, nats-server and three `isthmus start` processes, with
// the client and oracle views the tests use, and the termination check every scenario ends with.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type JetStreamManager, jetstream } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { projectRoot } from '../../cli/devnet/projectRoot.js'
import { type Devnet, type StartDevnetOptions, startDevnet } from '../../cli/devnet/startDevnet.js'
import type { Hex } from '../../types.js'
import { type OracleTarget, oracleTargetOf, type Progress } from './chainState.js'
import { type DevnetClient, devnetClient } from './devnetClient.js'
import { type CheckInvariantsOptions, checkInvariants, type InvariantReport } from './oracles.js'
import { waitForQuiescence } from './waitFor.js'

export interface E2eDevnet {
  devnet: Devnet
  client: DevnetClient
  target: OracleTarget
  /** Wait for quiescence, then assert I1-I9 hold; returns the report for scenario-specific checks. */
  settleAndCheck(
    o?: CheckInvariantsOptions & { timeoutMs?: number },
  ): Promise<{ progress: Progress; report: InvariantReport }>
  /** A short-lived JetStream manager on the current NATS URL. */
  withJsm<T>(fn: (jsm: JetStreamManager, nc: NatsConnection) => Promise<T>): Promise<T>
  /** Last lines of every relayer's output, for failure messages. */
  relayerTails(lines?: number): string
  stop(): Promise<void>
}

/**
 * Start the devnet of one e2e file (relayers required). ISTHMUS_E2E_KEEP=1 keeps its state dir
 * (configs, NATS store, every log) under .cache/e2e/<name> for a post-mortem.
 */
export const startE2eDevnet = async (name: string, o: StartDevnetOptions = {}): Promise<E2eDevnet> => {
  const keep = process.env.ISTHMUS_E2E_KEEP === '1'
  const stateDir = keep ? join(projectRoot(), '.cache', 'e2e', name) : undefined
  if (stateDir) mkdirSync(stateDir, { recursive: true })
  const devnet = await startDevnet({
    blockTimeMs: 250,
    relayers: 'require',
    readyTimeoutMs: 90_000,
    ...(stateDir ? { stateDir } : {}),
    ...o,
  })
  const client = devnetClient(devnet)
  const target = oracleTargetOf(devnet)
  const relayerTails = (lines = 15) =>
    devnet.relayers.map((r) => `--- ${r.id}\n${r.output().trimEnd().split('\n').slice(-lines).join('\n')}`).join('\n')
  return {
    devnet,
    client,
    target,
    relayerTails,
    settleAndCheck: async (c = {}) => {
      const progress = await waitForQuiescence(target, { timeoutMs: c.timeoutMs ?? 60_000 })
      const report = await checkInvariants(target, c)
      if (report.violations.length > 0) process.stderr.write(`${relayerTails()}\n`)
      expect(report.violations).toEqual([])
      return { progress, report }
    },
    withJsm: async (fn) => {
      const nc = await connect({ servers: [devnet.nats.url], timeout: 5_000 })
      try {
        return await fn(await jetstream(nc, { timeout: 5_000 }).jetstreamManager(), nc)
      } finally {
        await nc.close()
      }
    },
    stop: async () => {
      client.close()
      await devnet.stop()
    },
  }
}

/** `n` distinct app payloads tagged with a label, so each test's messages are recognisable. */
export const payloads = (label: string, n: number): Hex[] =>
  Array.from({ length: n }, (_, i) => `0x${Buffer.from(`${label}-${i}`).toString('hex')}` as Hex)
