import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jest } from '@jest/globals'
import { Kvm } from '@nats-io/kv'
import { stringify } from 'yaml'
import { nodeBinary } from '../../../cli/devnet/projectRoot.js'
import { type ManagedProcess, spawnManaged } from '../../../cli/devnet/spawnManaged.js'
import { attestationSubject, BUCKETS, STREAMS, tryGetCursorRecord } from '../../../relayer/index.js'
import { MEMBERS, type RelayNet, startRelayNet, waitUntil } from './relayNetFixture.js'

jest.setTimeout(150_000)

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const READY = /\{[^\n]*"msg":"relayer ready"[^\n]*\}/

describe('isthmus start: F-36 finality guard and failpoints (spawned process)', () => {
  let net: RelayNet
  let dir: string
  const procs: ManagedProcess[] = []

  beforeAll(async () => {
    net = await startRelayNet()
    dir = mkdtempSync(join(tmpdir(), 'isthmus-finality-'))
  })
  afterAll(async () => {
    for (const p of procs) await p.stop(2_000)
    await net?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** relayer-1's config with `confirmations` on both chains. */
  const writeConfig = (name: string, confirmations: number, relayer: Record<string, unknown> = {}): string => {
    const chains = [net.a, net.b].map((c) => ({
      kind: 'evm',
      ref: c.ref,
      domain: c.domain,
      chainId: Number(c.chainId),
      rpcUrls: [c.node.rpcUrl],
      bridge: c.bridgeAddress,
      startBlock: Number(c.deployBlock),
      finality: { mode: 'confirmations', confirmations },
      signer: { env: 'ISTHMUS_DELIVERY_KEY' },
      pollIntervalMs: 100,
      stuckAfterMs: 3_000,
    }))
    const doc = {
      node: { memberId: MEMBERS[0]!.id, attestationKey: { env: 'ISTHMUS_ATTESTATION_KEY' } },
      committee: {
        epoch: 1,
        threshold: 2,
        members: MEMBERS.map((m, i) => ({
          id: m.id,
          address: m.address,
          operatorId: `operator-${i}`,
          custodyDomain: `custody-${i}`,
        })),
      },
      chains,
      nats: { servers: [net.nats.url] },
      relayer: { retryBaseMs: 100, retryMaxMs: 1_000, deliveryAckWaitMs: 10_000, shutdownGraceMs: 10_000, ...relayer },
      logLevel: 'info',
    }
    const path = join(dir, `${name}.yaml`)
    writeFileSync(path, stringify(doc))
    return path
  }

  const start = (configPath: string, env: Record<string, string> = {}): ManagedProcess => {
    const p = spawnManaged({
      name: 'isthmus-start',
      command: nodeBinary(),
      args: ['--import', 'tsx', join(ROOT, 'cli', 'devnet', 'cliEntry.ts'), 'start', '--config', configPath],
      cwd: ROOT,
      env: {
        ...process.env,
        ISTHMUS_DELIVERY_KEY: MEMBERS[0]!.deliveryKey,
        ISTHMUS_ATTESTATION_KEY: MEMBERS[0]!.key,
        ...env,
      },
    })
    procs.push(p)
    return p
  }
  const jsonLines = (p: ManagedProcess) =>
    p
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; level: string; [k: string]: unknown })

  /** Mine on A until relayer-1's cursor on A records a range scanned with `confirmations`. */
  const cursorScannedWith = async (confirmations: number) => {
    const cursors = await new Kvm(net.js).open(BUCKETS.cursors)
    return waitUntil(
      async () => {
        await net.a.node.rpc('hardhat_mine', ['0x2'])
        const r = await tryGetCursorRecord(cursors, MEMBERS[0]!.id, net.a.ref)
        return r?.finality?.mode === 'confirmations' && r.finality.confirmations === confirmations ? r : undefined
      },
      30_000,
      `a cursor range scanned with ${confirmations} confirmations`,
    )
  }

  it('refuses to start with fewer confirmations than the scanned range was signed with, and starts when the config allows the migration', async () => {
    const strong = start(writeConfig('strong', 3))
    await strong.waitFor(READY, 60_000)
    const rec = await cursorScannedWith(3)
    expect(rec.toBlockHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(BigInt(rec.fromBlock!)).toBeLessThanOrEqual(BigInt(rec.toBlock!))
    strong.signal('SIGTERM')
    expect(await strong.exited).toBe(0)

    const weak = start(writeConfig('weak', 1))
    expect(await weak.exited).toBe(1)
    const line = weak
      .output()
      .split('\n')
      .find((l) => l.startsWith('error '))
    expect(line).toMatch(
      new RegExp(
        `^error FINALITY_DOWNGRADE: Finality on ${net.a.ref} was lowered from 3 confirmations to 1 confirmation after blocks up to \\d+ were scanned`,
      ),
    )
    expect(weak.output()).not.toContain('relayer ready')

    const migrated = start(writeConfig('migrated', 1, { allowFinalityDowngrade: true }))
    await migrated.waitFor(READY, 60_000)
    expect(
      jsonLines(migrated).find((l) => l.msg === 'finality downgrade migration: allowed by the config'),
    ).toMatchObject({
      level: 'warn',
      migration: 'finality-downgrade',
      chain: net.a.ref,
      recorded: '3 confirmations',
      configured: '1 confirmation',
    })
    await cursorScannedWith(1)
    migrated.signal('SIGTERM')
    expect(await migrated.exited).toBe(0)

    // The migrated ranges now record the new setting: a plain restart with it starts.
    const again = start(writeConfig('weak-again', 1))
    await again.waitFor(READY, 60_000)
    again.signal('SIGTERM') // at once: "relayer ready" means the signal handlers are in place
    expect(await again.exited).toBe(0)
  })

  it('dies by SIGKILL at an armed failpoint after logging it; a restart re-signs and delivers (F-19)', async () => {
    const p = start(writeConfig('failpoint', 1), { ISTHMUS_FAILPOINTS: 'attest.afterSign' })
    await p.waitFor(READY, 60_000)
    const peer = await net.startNode(1)
    const id = await net.dispatchApp(net.a, net.b, await net.b.recipient.getAddress(), '0xdead')
    expect(await p.exited).toBeNull() // killed by a signal
    expect(jsonLines(p).filter((l) => l.level === 'fatal')).toEqual([
      expect.objectContaining({ msg: 'failpoint hit', failpoint: 'attest.afterSign', msgId: id }),
    ])
    const subject = attestationSubject(net.b.domain, id, MEMBERS[0]!.id)
    expect(await net.lastMessage(STREAMS.attestations, subject)).toBeUndefined()

    const restarted = start(writeConfig('failpoint', 1))
    await restarted.waitFor(READY, 60_000)
    await waitUntil(async () => (await net.statusOn(net.b, id)) === 1, 30_000, 'delivery after the restart')
    expect(await net.lastMessage(STREAMS.attestations, subject)).toBeDefined()
    expect(await net.deliveredEvents(net.b, id)).toBe(1)
    await peer.stop()
    restarted.signal('SIGTERM')
    expect(await restarted.exited).toBe(0)
  })
})
