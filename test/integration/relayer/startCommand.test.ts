import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jest } from '@jest/globals'
import { computeAddress, encryptKeystoreJsonSync, Wallet } from 'ethers'
import { stringify } from 'yaml'
import { nodeBinary } from '../../../cli/devnet/projectRoot.js'
import { type ManagedProcess, spawnManaged } from '../../../cli/devnet/spawnManaged.js'
import type { Hex } from '../../../types.js'
import { MEMBERS, type RelayNet, startRelayNet, waitUntil } from './relayNetFixture.js'

jest.setTimeout(120_000)

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PASSWORD = 'integration-test-password'

interface ConfigVariant {
  /** Attestation key of this relayer (written to an encrypted keystore), or an existing keystore file. */
  key: Hex | { keystore: string }
  /** Committee member addresses the config lists (in MEMBERS order). */
  members: Hex[]
  /** Chain id the config claims for chain A. */
  chainIdA?: bigint
}

describe('isthmus start (spawned process)', () => {
  let net: RelayNet
  let dir: string
  const procs: ManagedProcess[] = []

  beforeAll(async () => {
    net = await startRelayNet()
    dir = mkdtempSync(join(tmpdir(), 'isthmus-start-'))
  })
  afterAll(async () => {
    for (const p of procs) await p.stop(2_000)
    await net?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const writeConfig = (name: string, v: ConfigVariant): string => {
    let keystore = `${name}.keystore.json`
    if (typeof v.key === 'string') {
      writeFileSync(
        join(dir, keystore),
        encryptKeystoreJsonSync({ address: computeAddress(v.key), privateKey: v.key }, PASSWORD, {
          scrypt: { N: 1 << 12, r: 8, p: 1 },
        }),
        { mode: 0o600 },
      )
    } else keystore = v.key.keystore
    const chainIdA = v.chainIdA ?? net.a.chainId
    const chains = [
      { c: net.a, chainId: chainIdA },
      { c: net.b, chainId: net.b.chainId },
    ].map(({ c, chainId }) => ({
      kind: 'evm',
      ref: `evm:${chainId}`,
      domain: c.domain,
      chainId: Number(chainId),
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
      node: { memberId: MEMBERS[0]!.id, attestationKey: { keystore, passwordEnv: 'ISTHMUS_KEYSTORE_PASSWORD' } },
      committee: {
        epoch: 1,
        threshold: 2,
        members: v.members.map((address, i) => ({
          id: MEMBERS[i]!.id,
          address,
          operatorId: `operator-${i}`,
          custodyDomain: `custody-${i}`,
        })),
      },
      chains,
      routes: [
        { from: chains[0]!.ref, to: chains[1]!.ref },
        { from: chains[1]!.ref, to: chains[0]!.ref },
      ],
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
      logLevel: 'info',
    }
    const path = join(dir, `${name}.yaml`)
    writeFileSync(path, stringify(doc))
    return path
  }

  const isthmus = (argv: string[]): ManagedProcess => {
    const p = spawnManaged({
      name: `isthmus-${argv[0]}`,
      command: nodeBinary(),
      args: ['--import', 'tsx', join(ROOT, 'cli', 'devnet', 'cliEntry.ts'), ...argv],
      cwd: ROOT,
      env: {
        ...process.env,
        ISTHMUS_DELIVERY_KEY: MEMBERS[0]!.deliveryKey,
        ISTHMUS_KEYSTORE_PASSWORD: PASSWORD,
      },
    })
    procs.push(p)
    return p
  }
  const start = (configPath: string) => isthmus(['start', '--config', configPath])

  const errorLine = (p: ManagedProcess) =>
    p
      .output()
      .split('\n')
      .find((l) => l.startsWith('error ')) ?? ''

  it('creates an encrypted keystore with `isthmus keys new` and refuses to overwrite it', async () => {
    const made = isthmus(['keys', 'new', '--out', join(dir, 'new.keystore.json'), '--json'])
    expect(await made.exited).toBe(0)
    const out = JSON.parse(made.output().trim()) as { address: Hex; path: string }
    const json = readFileSync(out.path, 'utf8')
    expect(json).not.toMatch(/"privateKey"/)
    expect(statSync(out.path).mode & 0o777).toBe(0o600)
    expect((await Wallet.fromEncryptedJson(json, PASSWORD)).address.toLowerCase()).toBe(out.address)
    const again = isthmus(['keys', 'new', '--out', join(dir, 'new.keystore.json')])
    expect(await again.exited).toBe(2)
    expect(again.output()).toContain('refusing to overwrite')
  })

  it('exits 1 with a one-line reason when the attestation key is not in the on-chain committee', async () => {
    const outsider = JSON.parse(readFileSync(join(dir, 'new.keystore.json'), 'utf8')) as { address: string }
    const members = [
      `0x${outsider.address.replace(/^0x/, '').toLowerCase()}` as Hex,
      MEMBERS[1]!.address,
      MEMBERS[2]!.address,
    ]
    const p = start(writeConfig('outsider', { key: { keystore: 'new.keystore.json' }, members }))
    expect(await p.exited).toBe(1)
    expect(errorLine(p)).toBe(
      `error COMMITTEE_MISMATCH: Committee on ${net.a.ref} does not match: this relayer's attestation key ${members[0]} is not a member of committee epoch 1.`,
    )
    expect(p.output()).not.toContain('relayer ready')
  })

  it('exits 1 naming both chain ids when the config claims another chain id than the endpoint', async () => {
    const p = start(
      writeConfig('wrong-chain', { key: MEMBERS[0]!.key, members: MEMBERS.map((m) => m.address), chainIdA: 31339n }),
    )
    expect(await p.exited).toBe(1)
    expect(errorLine(p)).toMatch(
      /^error CHAIN_ID_MISMATCH: Endpoint for evm:31339 reports chain identity 31337; the config expects 31339\.$/,
    )
  })

  it('runs as a member with a keystore key, delivers with an in-process peer, and exits 0 on SIGTERM', async () => {
    const p = start(writeConfig('member-1', { key: MEMBERS[0]!.key, members: MEMBERS.map((m) => m.address) }))
    const [ready] = await p.waitFor(/\{[^\n]*"msg":"relayer ready"[^\n]*\}/, 60_000)
    expect(JSON.parse(ready)).toMatchObject({
      level: 'info',
      memberId: 'relayer-1',
      signer: MEMBERS[0]!.address,
      routes: [`${net.a.ref}->${net.b.ref}`, `${net.b.ref}->${net.a.ref}`],
    })
    const peer = await net.startNode(1, { tuning: { aggregatorConsumer: {} } })
    const id = await net.dispatchApp(net.a, net.b, net.b.recipient.target as string, '0x5157')
    await waitUntil(
      async () => (await net.statusOn(net.b, id)) === 1,
      30_000,
      'delivery with relayer-1 (process) + relayer-2',
    )
    const rec = await net.record(id)
    expect(Object.keys(rec?.attestations ?? {}).sort()).toEqual([MEMBERS[0]!.address, MEMBERS[1]!.address].sort())
    await peer.stop()
    p.signal('SIGTERM')
    expect(await p.exited).toBe(0)
    const lines = p
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; level: string })
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['relayer shutting down', 'relayer stopped']))
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([])
  })
})
