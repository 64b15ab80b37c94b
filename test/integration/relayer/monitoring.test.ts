import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jest } from '@jest/globals'
import { type Contract, getAddress, Wallet } from 'ethers'
import { firstValueFrom, filter as rxFilter, scan, timeout } from 'rxjs'
import { stringify } from 'yaml'
import { nodeBinary } from '../../../cli/devnet/projectRoot.js'
import { type ManagedProcess, spawnManaged } from '../../../cli/devnet/spawnManaged.js'
import { HARDHAT_DEV_KEYS } from '../../../cli/devnet/startHardhatNode.js'
import {
  addressToBytes32,
  bytesToHex,
  encodeAppBody,
  encodeMessage,
  evmBridgeRef,
  messageId,
} from '../../../protocol/index.js'
import { type AlertEvent, proofSubject, type StreamedEvent, subscribeEvents$ } from '../../../relayer/index.js'
import type { Hex, Message } from '../../../types.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { EPOCH, MEMBERS, type RelayNet, startRelayNet, THRESHOLD, waitUntil } from './relayNetFixture.js'

jest.setTimeout(150_000)

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Monitoring against a real relay: `isthmus start` (member 1, spawned, with metrics and alerts)
 * plus member 2 in-process; member 3 never runs (silent). Then `isthmus audit` on the same config,
 * before and after a forged delivery and a tampered bundle.
 */
describe('monitoring: isthmus start /metrics + alerts, isthmus audit (real chains and NATS)', () => {
  let net: RelayNet
  let dir: string
  let config: string
  const procs: ManagedProcess[] = []
  let delivered: Hex
  let reverted: Hex
  let reorged: Hex
  let relayer1: ManagedProcess
  let peer: Awaited<ReturnType<RelayNet['startNode']>>

  beforeAll(async () => {
    net = await startRelayNet()
    dir = mkdtempSync(join(tmpdir(), 'isthmus-monitoring-'))
    const chains = [net.a, net.b].map((c) => ({
      kind: 'evm',
      ref: c.ref,
      domain: c.domain,
      chainId: Number(c.chainId),
      rpcUrls: [c.node.rpcUrl],
      bridge: c.bridgeAddress,
      startBlock: Number(c.deployBlock),
      finality: { mode: 'confirmations', confirmations: 1 },
      signer: { env: 'ISTHMUS_DELIVERY_KEY' },
      pollIntervalMs: 100,
      destinationConfirmations: 1,
      stuckAfterMs: 3_000,
    }))
    const doc = {
      node: { memberId: MEMBERS[0]!.id, attestationKey: { env: 'ISTHMUS_ATTESTATION_KEY' } },
      committee: {
        epoch: Number(EPOCH),
        threshold: THRESHOLD,
        members: MEMBERS.map((m, i) => ({
          id: m.id,
          address: m.address,
          operatorId: `operator-${i}`,
          custodyDomain: `custody-${i}`,
        })),
      },
      chains,
      nats: { servers: [net.nats.url] },
      relayer: {
        committeeRefreshMs: 2_000,
        retryBaseMs: 100,
        retryMaxMs: 1_000,
        deliveryRetryDelaysMs: [200, 500, 1_000],
        deliveryAckWaitMs: 10_000,
        deliveryMaxDeliver: 10,
        shutdownGraceMs: 10_000,
      },
      assets: [{ symbol: 'IST', decimals: 18, home: { chain: net.a.ref, address: net.token.homeAddress } }],
      metrics: { host: '127.0.0.1', port: 0 },
      alerts: {
        slaSeconds: 600,
        routeSlaSeconds: [{ from: net.a.ref, to: net.b.ref, seconds: 4 }],
        // Far above any dev account: the balance alert must fire.
        lowBalance: { [net.b.ref]: 1e9 },
        balancePollMs: 500,
        silentWindowMs: 60_000,
        checkEveryMs: 250,
      },
      logLevel: 'info',
    }
    config = join(dir, 'relayer-1.yaml')
    writeFileSync(config, stringify(doc))
  })
  afterAll(async () => {
    for (const p of procs) await p.stop(2_000)
    await net?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const isthmus = (argv: string[]): ManagedProcess => {
    const p = spawnManaged({
      name: `isthmus-${argv[0]}`,
      command: nodeBinary(),
      args: ['--import', 'tsx', join(ROOT, 'cli', 'devnet', 'cliEntry.ts'), ...argv],
      cwd: ROOT,
      env: {
        ...process.env,
        ISTHMUS_DELIVERY_KEY: MEMBERS[0]!.deliveryKey,
        ISTHMUS_ATTESTATION_KEY: MEMBERS[0]!.key,
      },
    })
    procs.push(p)
    return p
  }

  const audit = async (): Promise<{ code: number | null; report: AuditJson }> => {
    const p = isthmus(['audit', '--config', config, '--json'])
    const code = await p.exited
    const line = p
      .output()
      .split('\n')
      .find((l) => l.startsWith('{"checked"'))
    expect(line).toBeDefined()
    return { code, report: JSON.parse(line!) as AuditJson }
  }

  it('serves /metrics fed by a real run and publishes alerts: low balance, silent member, quorum at risk, stuck message', async () => {
    // A rate-limit bucket on B for the home token's wrapped asset: its headroom is exported.
    await (await net.b.bridge.getFunction('setRateLimit')(net.token.assetId, 10n ** 24n, 10n ** 18n)).wait()
    const p = isthmus(['start', '--config', config])
    relayer1 = p
    const [line] = await p.waitFor(/\{[^\n]*"msg":"metrics listening"[^\n]*\}/, 60_000)
    const url = (JSON.parse(line) as { url: string }).url
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    await p.waitFor(/"msg":"relayer ready"/, 60_000)
    const alerts$ = subscribeEvents$({ js: net.js, filter: { statuses: ['alert'] }, start: 'all' })
    const wanted = ['signer-balance-low', 'member-silent', 'quorum-at-risk', 'message-stuck']
    const alertsSeen = firstValueFrom(
      alerts$.pipe(
        scan((acc, x) => (x.kind === 'alert' ? [...acc, x.event] : acc), [] as AlertEvent[]),
        rxFilter((xs) => wanted.every((k) => xs.some((a) => a.alert === k))),
        timeout(90_000),
      ),
    )
    peer = await net.startNode(1)
    delivered = await net.dispatchApp(net.a, net.b, net.b.recipient.target as string, '0x6d6f6e')
    reverted = await net.dispatchApp(net.a, net.b, net.b.reverting, '0x6661696c')
    await waitUntil(async () => (await net.statusOn(net.b, delivered)) === 1, 40_000, 'delivery')
    await waitUntil(async () => (await net.statusOn(net.b, reverted)) === 2, 40_000, 'recipient reverted')

    const alerts = await alertsSeen
    const of = (k: string) => alerts.filter((a) => a.alert === k)
    expect(of('signer-balance-low')[0]).toMatchObject({
      chain: net.b.ref,
      threshold: '1000000000',
      severity: 'warning',
      relayer: 'relayer-1',
    })
    expect(of('member-silent').map((a) => a.signer)).toEqual([MEMBERS[2]!.address])
    expect(of('quorum-at-risk')[0]).toMatchObject({ value: '2', threshold: '2', severity: 'critical' })
    expect(of('message-stuck').map((a) => a.id)).toEqual([reverted])
    // Each condition is stored once although it stays true (dedup by Nats-Msg-Id + once per window).
    expect(of('member-silent')).toHaveLength(1)

    const text = await (await fetch(url)).text()
    const sample = (re: RegExp) => Number(text.match(re)?.[1] ?? Number.NaN)
    const route = `origin="${net.a.domain}",destination="${net.b.domain}"`
    const rpcLabel = new URL(net.b.node.rpcUrl).origin
    expect(sample(new RegExp(`isthmus_messages_total\\{${route},status="delivered"\\} (\\d+)`))).toBeGreaterThanOrEqual(
      1,
    )
    expect(
      sample(new RegExp(`isthmus_message_failures_total\\{${route},reason="RECIPIENT_REVERTED"\\} (\\d+)`)),
    ).toBeGreaterThanOrEqual(1)
    expect(
      sample(new RegExp(`isthmus_stage_latency_seconds_count\\{${route},stage="delivered"\\} (\\d+)`)),
    ).toBeGreaterThanOrEqual(1)
    expect(sample(new RegExp(`isthmus_messages_stuck\\{${route}\\} (\\d+)`))).toBe(1)
    expect(sample(new RegExp(`isthmus_route_sla_seconds\\{${route}\\} (\\d+)`))).toBe(4)
    expect(
      sample(
        new RegExp(
          `isthmus_signatures_total\\{destination="${net.b.domain}",signer="${MEMBERS[0]!.address}"\\} (\\d+)`,
        ),
      ),
    ).toBeGreaterThanOrEqual(1)
    expect(sample(new RegExp(`isthmus_committee_member_silent\\{signer="${MEMBERS[2]!.address}"\\} (\\d+)`))).toBe(1)
    expect(sample(/isthmus_quorum_headroom (-?\d+)/)).toBe(0)
    // RPC per endpoint, labelled with the redacted URL (no path, no credentials).
    expect(
      sample(
        new RegExp(
          `isthmus_rpc_request_duration_seconds_count\\{chain="${net.b.ref}",endpoint="${rpcLabel}",method="eth_getBlockByNumber"\\} (\\d+)`,
        ),
      ),
    ).toBeGreaterThan(0)
    expect(
      sample(/isthmus_jetstream_consumer_pending\{stream="ATTESTATIONS",consumer="aggregator"\} (\d+)/),
    ).toBeGreaterThanOrEqual(0)
    expect(
      sample(
        new RegExp(
          `isthmus_jetstream_consumer_ack_pending\\{stream="DELIVERIES",consumer="deliver-${net.b.domain}"\\} (\\d+)`,
        ),
      ),
    ).toBeGreaterThanOrEqual(0)
    const deliveryAddress = new Wallet(MEMBERS[0]!.deliveryKey).address.toLowerCase()
    expect(
      sample(new RegExp(`isthmus_signer_balance\\{chain="${net.b.ref}",address="${deliveryAddress}"\\} ([\\d.e+]+)`)),
    ).toBeGreaterThan(1)
    expect(sample(new RegExp(`isthmus_relayer_batches_total\\{chain="${net.a.ref}"\\} (\\d+)`))).toBeGreaterThanOrEqual(
      1,
    )
    expect(sample(/isthmus_relayer_info\{member="relayer-1",signer="0x[0-9a-f]{40}"\} (\d)/)).toBe(1)
    expect(text).toContain('isthmus_alerts_total{alert="member-silent",severity="warning"}')
    expect(
      sample(
        new RegExp(
          `isthmus_rate_limit_headroom\\{chain="${net.b.ref}",asset="${net.token.assetId.toLowerCase()}"\\} ([\\d.e+]+)`,
        ),
      ),
    ).toBeGreaterThan(0)

    expect(p.output()).toContain('ALERT committee member')
  })

  it('isthmus audit: every delivery of the run verifies while the relayer runs (exit 0); isthmus api exports the relay metrics', async () => {
    const api = isthmus(['api', '--config', config])
    const { code, report } = await audit()
    expect(report.mismatches).toEqual([])
    expect(report.checked).toBeGreaterThanOrEqual(1)
    expect(report.ok).toBe(report.checked)
    expect(code).toBe(0)
    const [line] = await api.waitFor(/\{"api":"[^"]+"\}/, 60_000)
    const url = (JSON.parse(line) as { api: string }).api
    const route = `origin="${net.a.domain}",destination="${net.b.domain}"`
    // The API's index replays the stream from its start: the run's deliveries are counted.
    const text = await waitUntil(
      async () => {
        const t = await (await fetch(`${url}/metrics`)).text()
        return /isthmus_messages_total\{[^}]*status="delivered"\} [1-9]/.test(t) ? t : undefined
      },
      30_000,
      'relay metrics on the API',
    )
    expect(text).toMatch(new RegExp(`isthmus_messages_total\\{${route},status="delivered"\\} [1-9]`))
    expect(text).toMatch(new RegExp(`isthmus_stage_latency_seconds_count\\{${route},stage="delivered"\\} [1-9]`))
    api.signal('SIGTERM')
    expect(await api.exited).toBe(0)
  })

  it('retracts (REORG) a delivered message whose source block a reorg removed, and raises a reorg alert', async () => {
    // One confirmation: the head block is final to the relayers, so a revert reorganises it away.
    const snapshot = await net.a.node.rpc('evm_snapshot')
    reorged = await net.dispatchApp(net.a, net.b, net.b.recipient.target as string, '0x72656f7267')
    await waitUntil(async () => (await net.statusOn(net.b, reorged)) === 1, 40_000, 'delivery before the reorg')
    const seen = firstValueFrom(
      subscribeEvents$({ js: net.js, filter: { statuses: ['retracted', 'alert'] }, start: 'all' }).pipe(
        scan((acc, x) => [...acc, x], [] as StreamedEvent[]),
        rxFilter(
          (xs) =>
            xs.some((x) => x.kind === 'status' && x.event.id === reorged) &&
            xs.some((x) => x.kind === 'alert' && x.event.alert === 'reorg'),
        ),
        timeout(30_000),
      ),
    )
    await net.a.node.rpc('evm_revert', [snapshot])
    for (let i = 0; i < 3; i++) await net.a.node.rpc('evm_mine')
    const events = await seen
    const retracted = events.find((x) => x.kind === 'status' && x.event.id === reorged)
    expect(retracted).toMatchObject({
      subject: `isthmus.evt.retracted.${net.a.domain}.${net.b.domain}`,
      event: { status: 'retracted', reason: 'REORG' },
    })
    expect(events.find((x) => x.kind === 'alert' && x.event.alert === 'reorg')).toMatchObject({
      event: { id: reorged, severity: 'critical', origin: net.a.domain, destination: net.b.domain },
    })
    await peer.stop()
    relayer1.signal('SIGTERM')
    expect(await relayer1.exited).toBe(0)
  })

  it('isthmus audit reports a forged delivery (valid certificate, no source proof) and a tampered bundle (exit 1)', async () => {
    // A message never dispatched on A, certified by two committee keys and delivered on B.
    const forged: Message = {
      version: 1,
      nonce: 4242n,
      origin: net.a.domain,
      sender: addressToBytes32(getAddress(net.user.address)),
      destination: net.b.domain,
      recipient: addressToBytes32(getAddress(net.b.recipient.target as string)),
      body: encodeAppBody('0x666f726765'),
    }
    const forgedId = messageId(forged)
    // A watcher running before the forgery finds it on a later pass.
    const watcher = isthmus([
      'audit',
      '--config',
      config,
      '--json',
      '--watch',
      '--poll-ms',
      '300',
      '--alerts',
      '--metrics-port',
      '0',
    ])
    await watcher.waitFor(/"pass":\{/, 60_000)
    const cert = signCertificate({
      keys: [MEMBERS[0]!.key, MEMBERS[1]!.key],
      epoch: EPOCH,
      destination: net.b.domain,
      destinationBridge: evmBridgeRef(net.b.chainId, net.b.bridgeAddress),
      id: forgedId,
    })
    const attacker = net.b.bridge.connect(new Wallet(HARDHAT_DEV_KEYS[7]!, net.b.provider)) as Contract
    await (await attacker.getFunction('deliver')(bytesToHex(encodeMessage(forged)), cert.epoch, cert.signatures)).wait()
    expect(await net.statusOn(net.b, forgedId)).toBe(1)
    // A tampered copy of the honest bundle of a real delivery, published next to it.
    const honest = await net.lastMessage('PROOFS', proofSubject(net.a.domain, delivered))
    const bundle = honest!.json<{ receiptProof: string[] }>()
    const tampered = { ...bundle, receiptProof: bundle.receiptProof.slice(1) }
    await net.js.publish(proofSubject(net.a.domain, delivered), JSON.stringify(tampered), {
      msgID: `tamper:${delivered}`,
    })

    const [found] = await watcher.waitFor(new RegExp(`\\{"finding":\\{"id":"${forgedId}"[^\\n]*`), 30_000)
    expect(JSON.parse(found)).toMatchObject({ finding: { result: 'bundle-missing', txHash: expect.any(String) } })
    const [metricsUrl] = await watcher.waitFor(/http:\/\/127\.0\.0\.1:\d+\/metrics/, 5_000)
    expect(await (await fetch(metricsUrl)).text()).toContain(
      `isthmus_audit_checked_total{destination="${net.b.domain}",result="bundle-missing"} 1`,
    )
    watcher.signal('SIGTERM')
    expect(await watcher.exited).toBe(1)
    expect(watcher.output()).toMatch(/"summary":\{"checked":\d+,"mismatches":[1-9]/)
    // --alerts: the finding is an audit-mismatch alert event.
    const alert = await net.lastMessage('EVENTS', `isthmus.evt.alert.${net.a.domain}.${net.b.domain}`)
    expect(alert?.json<{ alert: string }>().alert).toBe('audit-mismatch')

    const { code, report } = await audit()
    expect(code).toBe(1)
    const byId = new Map(report.mismatches.map((f) => [f.id, f]))
    expect(byId.get(forgedId)).toMatchObject({ result: 'bundle-missing', origin: net.a.domain, nonce: '4242' })
    expect(byId.get(delivered)).toMatchObject({ result: 'bundle-invalid' })
    // The delivery whose source block was reorganised away (previous test).
    expect(byId.get(reorged)).toMatchObject({ result: 'source-block-not-canonical' })
    expect(report.mismatches).toHaveLength(3)
    expect(report.byResult).toMatchObject({ 'bundle-missing': 1, 'bundle-invalid': 1, 'source-block-not-canonical': 1 })
  })
})

interface AuditJson {
  checked: number
  ok: number
  mismatches: { id: Hex; result: string; origin: number; nonce: string; detail: string }[]
  byResult: Record<string, number>
}
