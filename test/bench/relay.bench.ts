// EVM→EVM relay throughput and latency with three relayer processes, under the workload of
// ../shared/peer-hyperlane (N=500 burst, origin 1 s blocks, automining destination, 64-byte
// bodies), against two baselines measured in the same run: the same pipeline delivering one
// message per transaction (unbatched), and Hyperlane's TypeScript relayer (the peer harness).
// Knobs: BENCH_N (500), BENCH_PEER (1; 0 skips the peer), BENCH_TIMEOUT_S (600).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../cli/devnet/projectRoot.js'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { runRelayWorkload, type WorkloadResult } from './relayWorkload.js'
import type { BenchEntry, BenchModule } from './types.js'

const N = Number(process.env['BENCH_N'] ?? 500)
const TIMEOUT_S = Number(process.env['BENCH_TIMEOUT_S'] ?? 600)
const ORIGIN_BLOCK_MS = 1000
const CONFIRMATIONS = 1
const BODY_BYTES = 64
const log = (line: string) => process.stderr.write(`bench[relay]: ${line}\n`)

interface PeerResult {
  delivered: number
  delivered_per_s: number
  latency_p50_ms: number | null
  latency_p99_ms: number | null
  dest_gas_total: number
  conditions: string
}

const runIsthmus = async (
  label: string,
  tuning: { maxDeliveryBatch: number; deliveryLingerMs: number },
): Promise<WorkloadResult> => {
  log(`${label}: starting devnet (2 hardhat nodes, nats-server, 3 relayer processes)`)
  let devnet: Devnet | undefined
  try {
    devnet = await startDevnet({
      blockTimeMs: ORIGIN_BLOCK_MS,
      confirmations: CONFIRMATIONS,
      relayers: 'require',
      relayerLogLevel: 'info',
      relayerTuning: tuning,
      onProgress: (s) => log(`${label}: ${s}`),
    })
    await devnet.b.setMining('automine')
    const chain = (c: Devnet['a']) => ({
      rpcUrl: c.rpcUrl,
      wsUrl: c.node.wsUrl,
      chainId: c.chainId,
      domain: c.domain,
      bridge: c.bridge,
    })
    return await runRelayWorkload({
      origin: chain(devnet.a),
      destination: chain(devnet.b),
      recipient: devnet.b.recipient,
      dispatcherKey: devnet.users[0]!.privateKey,
      n: N,
      bodyBytes: BODY_BYTES,
      originBlockMs: ORIGIN_BLOCK_MS,
      confirmations: CONFIRMATIONS,
      timeoutMs: TIMEOUT_S * 1000,
      stallMs: 90_000,
      log: (l) => log(`${label}: ${l}`),
    })
  } finally {
    await devnet?.stop()
  }
}

const runPeer = (): PeerResult | undefined => {
  const script = join(projectRoot(), '..', 'shared', 'peer-hyperlane', 'run.sh')
  if (process.env['BENCH_PEER'] === '0' || !existsSync(script)) return undefined
  log(`peer: ${script} (N=${N}; installs its pinned packages into /tmp/peer-hyperlane on first use)`)
  const r = spawnSync('bash', [script], {
    env: {
      ...process.env,
      N: String(N),
      ORIGIN_BLOCK_MS: String(ORIGIN_BLOCK_MS),
      DEST_BLOCK_MS: '0',
      TIMEOUT_S: String(TIMEOUT_S),
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: (TIMEOUT_S + 600) * 1000,
  })
  const last = r.stdout?.trim().split('\n').pop()
  if (r.status !== 0 || !last) {
    log(`peer: run.sh failed (exit ${r.status}); peer rows are left out`)
    return undefined
  }
  return JSON.parse(last) as PeerResult
}

const bench: BenchModule = {
  title: `EVM→EVM relay, 3 relayers, N=${N} burst (peer-hyperlane workload)`,
  run: async (): Promise<BenchEntry[]> => {
    const batched = await runIsthmus('batched', { maxDeliveryBatch: 50, deliveryLingerMs: 50 })
    const unbatched = await runIsthmus('unbatched', { maxDeliveryBatch: 1, deliveryLingerMs: 0 })
    const peer = runPeer()
    const cond = (r: WorkloadResult, what: string) =>
      `${what}; ${r.delivered}/${r.n} delivered (${r.stopReason}); 2 hardhat 3.18 (EDR 0.22) nodes, origin ${ORIGIN_BLOCK_MS} ms blocks, destination automine, ${CONFIRMATIONS} confirmation, ${BODY_BYTES}-byte app messages to RecordingRecipient, 3 relayer processes (2-of-3) + nats-server on one ${process.arch} machine; node ${process.version}`
    const rows: BenchEntry[] = []
    const row = (
      name: string,
      value: number | null | undefined,
      unit: string,
      betterWhen: 'higher' | 'lower',
      base: { name: string; value: number | null | undefined } | null,
      conditions: string,
    ) => {
      if (value === null || value === undefined) return
      const b = base && base.value !== null && base.value !== undefined ? { name: base.name, value: base.value } : null
      rows.push({
        name,
        value,
        unit,
        betterWhen,
        baseline: b,
        ratio: b && b.value !== 0 ? value / b.value : null,
        conditions,
      })
    }
    const bc = cond(batched, 'isthmus, deliverBatch ≤ 50 per tx')
    row(
      'delivered msgs/s (batched)',
      batched.deliveredPerS,
      'msgs/s',
      'higher',
      { name: 'isthmus unbatched, same run', value: unbatched.deliveredPerS },
      bc,
    )
    row(
      'latency p50, dispatch block → delivery block (batched)',
      batched.latencyMs?.p50,
      'ms',
      'lower',
      { name: 'isthmus unbatched, same run', value: unbatched.latencyMs?.p50 },
      bc,
    )
    row(
      'latency p99, dispatch block → delivery block (batched)',
      batched.latencyMs?.p99,
      'ms',
      'lower',
      { name: 'isthmus unbatched, same run', value: unbatched.latencyMs?.p99 },
      bc,
    )
    row(
      'relayer-added latency p50, final block seen → delivery block',
      batched.relayerAddedMs?.p50,
      'ms',
      'lower',
      { name: 'isthmus unbatched, same run', value: unbatched.relayerAddedMs?.p50 },
      bc,
    )
    row(
      'relayer-added latency p99, final block seen → delivery block',
      batched.relayerAddedMs?.p99,
      'ms',
      'lower',
      { name: 'isthmus unbatched, same run', value: unbatched.relayerAddedMs?.p99 },
      bc,
    )
    row(
      'destination gas per message (batched)',
      batched.destGasPerMessage,
      'gas',
      'lower',
      { name: 'isthmus unbatched, same run', value: unbatched.destGasPerMessage },
      bc,
    )
    row(
      'delivered msgs/s (unbatched)',
      unbatched.deliveredPerS,
      'msgs/s',
      'higher',
      null,
      cond(unbatched, 'isthmus, one message per tx'),
    )
    if (peer) {
      const pc = `peer: ${peer.conditions}`
      const peerName = 'hyperlane TS relayer, same run'
      row(
        'delivered msgs/s vs peer',
        batched.deliveredPerS,
        'msgs/s',
        'higher',
        { name: peerName, value: peer.delivered_per_s },
        pc,
      )
      row(
        'latency p50 vs peer',
        batched.latencyMs?.p50,
        'ms',
        'lower',
        { name: peerName, value: peer.latency_p50_ms },
        pc,
      )
      row(
        'latency p99 vs peer',
        batched.latencyMs?.p99,
        'ms',
        'lower',
        { name: peerName, value: peer.latency_p99_ms },
        pc,
      )
      row(
        'destination gas per message vs peer',
        batched.destGasPerMessage,
        'gas',
        'lower',
        { name: peerName, value: peer.delivered ? peer.dest_gas_total / peer.delivered : null },
        pc,
      )
    }
    return rows
  },
}
export default bench
