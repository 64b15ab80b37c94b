// The SDK and the CLI against a real devnet with the real API (`isthmus api`, started by the devnet
// as `isthmus dev` does): an SDK token transfer and app message A→B to `delivered`, then `isthmus`
// commands as spawned processes (init --yes, transfer, send, status, watch) with their exit codes.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { jest } from '@jest/globals'
import { computeAddress, JsonRpcProvider, Wallet } from 'ethers'
import { lastValueFrom, toArray } from 'rxjs'
import { commands } from '../../cli/commands/index.js'
import { isthmusCommand } from '../../cli/devnet/relayerProcess.js'
import { exitCodeOf } from '../../cli/exitCodes.js'
import { loadConfig, resolvePrivateKey } from '../../config/index.js'
import { createIsthmusClient, type Hex, IsthmusApiError, type IsthmusClient } from '../../sdk/index.js'
import { type E2eDevnet, startE2eDevnet } from '../harness/e2eDevnet.js'
import { rejected } from '../harness/thrown.js'

jest.setTimeout(150_000)

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Run `isthmus <argv>` as a child process (from source, as the devnet runs its relayers), bounded. */
const isthmus = (argv: string[], env: Record<string, string> = {}, timeoutMs = 110_000): Promise<Run> =>
  new Promise((resolve, reject) => {
    const { command, args } = isthmusCommand(argv)
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
    p.on('error', reject)
    p.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** The last stdout line as JSON; when it is not JSON, the whole output (so the failing assertion shows it). */
const jsonOf = (r: Run): Record<string, unknown> => {
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>
  } catch {
    return { unparsed: r.stdout, stderr: r.stderr, code: r.code }
  }
}

let env: E2eDevnet
let client: IsthmusClient
let manifestPath: string
let apiUrl: string
const tmp = mkdtempSync(join(tmpdir(), 'isthmus-sdkcli-'))
const startedAt = new Date().toISOString()
let sdkTokenId: Hex

beforeAll(async () => {
  env = await startE2eDevnet('sdkCli', { api: true })
  apiUrl = env.devnet.api!.url
  manifestPath = join(env.devnet.stateDir, 'devnet.json')
  client = createIsthmusClient({ apiUrl, pollIntervalMs: 500 })
}, 150_000)

afterAll(async () => {
  await env?.stop()
  rmSync(tmp, { recursive: true, force: true })
})

describe('SDK against the devnet API', () => {
  it('transfers IST A→B with an ethers Signer and follows status$ to delivered', async () => {
    const d = env.devnet
    const user = d.users[0]!
    const assets = await client.assets()
    const ist = assets.find((a) => a.symbol === d.token.symbol)!
    expect(ist.assetId.toLowerCase()).toBe(d.token.assetId.toLowerCase())
    const quote = await client.quote({
      from: d.a.ref,
      to: d.b.ref,
      kind: 'token',
      assetId: ist.assetId as Hex,
      amount: 3n,
    })
    expect(BigInt(quote.fee.total)).toBeGreaterThan(0n)
    const before = await env.client.tokenBalance('B', user.address)
    const provider = new JsonRpcProvider(d.a.rpcUrl, Number(d.a.chainId), { staticNetwork: true, pollingInterval: 100 })
    try {
      const amount = 3n * 10n ** BigInt(ist.decimals)
      const txs: string[] = []
      const r = await client.transfer(
        { kind: 'token', from: d.a.ref, to: d.b.ref, assetId: ist.assetId as Hex, amount, recipient: user.address },
        new Wallet(user.privateKey, provider),
        { onTx: (t) => txs.push(t.description) },
      )
      expect(txs.length).toBeGreaterThanOrEqual(1)
      expect(r.id).toMatch(/^0x[0-9a-f]{64}$/)
      const updates = await lastValueFrom(r.status$.pipe(toArray()))
      expect(updates.at(-1)!.status).toBe('delivered')
      // Pipeline order, delivered once and last. `attested` repeats (one event per new signature)
      // and a late signer's attestation may come after `certified`, so it is left out of the order.
      const ORDER = ['dispatched', 'observed', 'verified', 'certified', 'submitted', 'delivered']
      const ranks = updates.filter((u) => u.status !== 'attested').map((u) => ORDER.indexOf(u.status))
      expect(ranks).toEqual([...ranks].sort((x, y) => x - y))
      expect(updates.filter((u) => u.status === 'delivered')).toHaveLength(1)
      expect(updates.some((u) => u.status === 'attested')).toBe(true)
      expect(await env.client.status('B', r.id)).toBe(1)
      expect((await env.client.tokenBalance('B', user.address)) - before).toBe(amount)
      sdkTokenId = r.id
      const m = await client.getMessage(r.id)
      expect(m).toMatchObject({ id: r.id, status: 'delivered', origin: d.a.domain, destination: d.b.domain })
    } finally {
      provider.destroy()
    }
  })

  it('sends an app message A→B and the recipient contract handles it', async () => {
    const d = env.devnet
    const calls = await env.client.recipientCalls('B')
    const provider = new JsonRpcProvider(d.a.rpcUrl, Number(d.a.chainId), { staticNetwork: true, pollingInterval: 100 })
    try {
      const r = await client.transfer(
        { kind: 'message', from: d.a.ref, to: d.b.ref, recipient: d.b.recipient, payload: '0x68656c6c6f' },
        new Wallet(d.users[0]!.privateKey, provider),
      )
      const last = await lastValueFrom(r.status$)
      expect(last.status).toBe('delivered')
      expect(await env.client.recipientCalls('B')).toBe(calls + 1n)
    } finally {
      provider.destroy()
    }
  })

  it('answers an unknown id with IsthmusApiError 404', async () => {
    const e = await rejected(() => client.getMessage(`0x${'00'.repeat(32)}`))
    expect(e).toBeInstanceOf(IsthmusApiError)
    expect(e).toMatchObject({ status: 404, code: 'API_ERROR' })
  })
})

/** Run one command in this process (cheap checks of exit codes); errors map to exit codes as main does. */
const inProcess = async (argv: string[], extraEnv: Record<string, string> = {}): Promise<Run> => {
  const out = { stdout: '', stderr: '' }
  const sink = (k: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, done) {
        out[k] += String(chunk)
        done()
      },
    })
  const cmd = commands.find((c) => c.name === argv[0])!
  const ctx = {
    argv: argv.slice(1),
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    env: { ...process.env, ...extraEnv },
    cwd: tmp,
  }
  try {
    return { code: await cmd.run(ctx), ...out }
  } catch (e) {
    return { code: exitCodeOf(e), ...out, stderr: `${out.stderr}${String(e)}` }
  }
}

describe('isthmus CLI against the devnet API', () => {
  // Spawned commands run from source (tsx) and cost seconds of CPU each on a busy machine: the
  // independent ones run at once, each sender with its own devnet account.
  const keyEnv = (i: number) => ({ ISTHMUS_TEST_SENDER_KEY: env.devnet.users[i]!.privateKey })
  const sendArgs = () => ['--devnet', manifestPath, '--key-env', 'ISTHMUS_TEST_SENDER_KEY', '--json']
  it('spawned: init --yes, transfer (delivered), send (refused by the recipient), status and watch --json, with their exit codes', async () => {
    const dir = join(tmp, 'node')
    const id = sdkTokenId // delivered by the SDK test above
    const [init, transfer, refused, status, unknown, watch] = await Promise.all([
      isthmus(
        [
          'init',
          '--yes',
          '--dir',
          dir,
          '--devnet',
          manifestPath,
          '--member-id',
          'ops-1',
          '--scrypt-n',
          '4096',
          '--json',
        ],
        {
          ISTHMUS_KEYSTORE_PASSWORD: 'init-e2e-password',
        },
      ),
      isthmus(['transfer', '--api', apiUrl, '--asset', 'IST', '--amount', '1.5', ...sendArgs()], keyEnv(1)),
      isthmus(
        ['send', '--text', 'refuse me', '--recipient', env.devnet.b.revertingRecipient, ...sendArgs()],
        keyEnv(2),
      ),
      isthmus(['status', id, '--api', apiUrl, '--json']),
      isthmus(['status', `0x${'00'.repeat(32)}`, '--api', apiUrl, '--json']),
      isthmus([
        'watch',
        '--api',
        apiUrl,
        '--id',
        id,
        '--since',
        startedAt,
        '--status',
        'delivered',
        '--count',
        '1',
        '--timeout-ms',
        '60000',
      ]),
    ])

    // init: a config loadConfig accepts, 0600 keystores that decrypt, no secret printed or written
    expect({ code: init.code, stderr: init.stderr }).toMatchObject({ code: 0 })
    const out = jsonOf(init) as { config: string; keys: Record<string, { address: string; path: string }> }
    const cfg = loadConfig({ PWD: dir }, out.config)
    expect(cfg.chains.map((c) => c.ref)).toEqual([env.devnet.a.ref, env.devnet.b.ref])
    expect(cfg.nats.servers).toEqual([env.devnet.nats.url])
    expect(cfg.committee.members[0]!.address.toLowerCase()).toBe(out.keys['attestation']!.address)
    for (const k of ['attestation', 'evm', 'substrate']) expect(statSync(out.keys[k]!.path).mode & 0o777).toBe(0o600)
    const key = await resolvePrivateKey(
      cfg.node.attestationKey,
      { ISTHMUS_KEYSTORE_PASSWORD: 'init-e2e-password' },
      cfg.configDir,
    )
    expect(computeAddress(key).toLowerCase()).toBe(out.keys['attestation']!.address)
    expect(`${init.stdout}${init.stderr}`).not.toMatch(/[0-9a-f]{64}/i) // no private key or seed
    expect(`${init.stdout}${init.stderr}`).not.toContain('init-e2e-password')
    expect(readFileSync(out.config, 'utf8')).not.toMatch(/[0-9a-f]{64}/i)

    // transfer: delivered, progress on stderr, delivered on B
    expect({ code: transfer.code, stderr: transfer.stderr }).toMatchObject({ code: 0 })
    expect(jsonOf(transfer)).toMatchObject({
      status: 'delivered',
      kind: 'token',
      from: env.devnet.a.ref,
      to: env.devnet.b.ref,
    })
    expect(transfer.stderr).toContain('delivered')
    expect(await env.client.status('B', jsonOf(transfer)['id'] as Hex)).toBe(1)

    // send: the reverting recipient refuses it: exit 1 with RECIPIENT_REVERTED
    expect(refused.code).toBe(1)
    expect(jsonOf(refused)).toMatchObject({ status: 'failed', failure: { reason: 'RECIPIENT_REVERTED' } })

    // status: the delivered message; an unknown id exits 3 with the API's error as JSON
    expect(status.code).toBe(0)
    expect(jsonOf(status)).toMatchObject({ id, status: 'delivered' })
    expect(unknown.code).toBe(3)
    expect(jsonOf(unknown)).toMatchObject({ error: { code: 'API_ERROR', apiCode: 'message_not_found', status: 404 } })

    // watch (stdout not a terminal: JSON lines): the delivered event replayed, then exit at --count
    expect(watch.code).toBe(0)
    const lines = watch.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; seq: string })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ id, status: 'delivered' })
    expect(Number(lines[0]!.seq)).toBeGreaterThan(0)
  })

  it('in process: send --no-wait exits 0 at dispatch; watch without events exits 4; an unreachable API 5', async () => {
    const [quick, none, down] = await Promise.all([
      inProcess(['send', '--text', 'hi', '--no-wait', ...sendArgs()], keyEnv(0)),
      inProcess([
        'watch',
        '--api',
        apiUrl,
        '--id',
        `0x${'00'.repeat(32)}`,
        '--count',
        '1',
        '--timeout-ms',
        '1500',
        '--json',
      ]),
      inProcess(['status', `0x${'00'.repeat(32)}`, '--api', 'http://127.0.0.1:9']),
    ])
    expect(quick.code).toBe(0)
    expect(jsonOf(quick)).toMatchObject({ status: 'dispatched' })
    expect(none.code).toBe(4)
    expect(down.code).toBe(5)
  })

  it('leaves the devnet consistent (I1-I9)', async () => {
    const { report } = await env.settleAndCheck()
    expect(report.violations).toEqual([])
  })
})
