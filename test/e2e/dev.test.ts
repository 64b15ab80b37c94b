// `isthmus dev` as a user runs it: a spawned process that prints one JSON line, whose endpoints
// answer, and that stops every child and exits 0 on Ctrl-C (SIGINT).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { devCommand, readyBlock } from '../../cli/commands/dev.js'
import type { DevnetManifest } from '../../cli/devnet/devnetManifest.js'
import { isthmusCommand, isthmusScript } from '../../cli/devnet/relayerProcess.js'
import { loadConfig } from '../../config/index.js'
import { ProcessFailedError, UsageError, WaitTimeoutError } from '../../errors.js'
import { oracleTargetOfManifest } from '../harness/chainState.js'
import { checkInvariants } from '../harness/oracles.js'
import { rejected } from '../harness/thrown.js'
import { waitForQuiescence } from '../harness/waitFor.js'

jest.setTimeout(120_000)

const rpc = async (url: string, method: string, params: unknown[] = []): Promise<unknown> => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  })
  return ((await res.json()) as { result: unknown }).result
}

/** Every live descendant of `root` (children of children too), from /proc. */
const descendants = (root: number): number[] => {
  const parent = new Map<number, number>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = []
  const walk = (p: number) => {
    for (const [pid, pp] of parent) {
      if (pp !== p) continue
      out.push(pid)
      walk(pid)
    }
  }
  walk(root)
  return out
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
  } catch {
    return false
  }
}

const waitLine = (child: ChildProcess, timeoutMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new WaitTimeoutError({ what: 'the JSON line of isthmus dev', timeoutMs })),
      timeoutMs,
    )
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, nl))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new ProcessFailedError({ name: 'isthmus dev', detail: `exited (${code}) before printing` }))
    })
  })

/** Run a script to completion (bounded) and collect its output. */
const runScript = ([command, ...args]: string[]): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const p = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    p.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000)
    p.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })

describe('isthmus dev', () => {
  let child: ChildProcess | undefined
  let stateDir: string
  let stdout = ''
  let stderr = ''

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'isthmus-dev-test-'))
  })
  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL')
    rmSync(stateDir, { recursive: true, force: true })
  })

  it('prints one JSON line whose endpoints answer, and stops every child on SIGINT with exit 0', async () => {
    const { command, args } = isthmusCommand(['dev', '--json', '--block-time-ms', '500', '--state-dir', stateDir])
    child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)))
    const line = await waitLine(child, 90_000)
    const m = JSON.parse(line) as DevnetManifest

    expect(m).toMatchObject({ v: 1, stateDir, committee: { threshold: 2, epoch: '1' } })
    expect(JSON.parse(readFileSync(join(stateDir, 'devnet.json'), 'utf8'))).toEqual(m)
    for (const c of m.chains) {
      expect(c.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(BigInt((await rpc(c.rpcUrl, 'eth_chainId')) as string)).toBe(BigInt(c.chainId))
      expect(((await rpc(c.rpcUrl, 'eth_getCode', [c.bridge, 'latest'])) as string).length).toBeGreaterThan(2)
    }
    expect(
      ((await rpc(m.chains[0]!.rpcUrl, 'eth_getCode', [m.token.home.address, 'latest'])) as string).length,
    ).toBeGreaterThan(2)
    expect(
      ((await rpc(m.chains[1]!.rpcUrl, 'eth_getCode', [m.token.wrapped.address, 'latest'])) as string).length,
    ).toBeGreaterThan(2)
    // The API (isthmus api) is up and lists both chains.
    expect(m.api?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const chains = (await (await fetch(`${m.api!.url}/v1/chains`)).json()) as { chains: { ref: string }[] }
    expect(chains.chains.map((c) => c.ref)).toEqual([
      ...m.chains.map((c) => c.ref),
      ...(m.substrate ? [m.substrate.ref] : []),
    ])
    // The Asset Hub (chopsticks) answers on its WebSocket port's HTTP JSON-RPC too.
    const genesis = await fetch(m.substrate!.wsUrl.replace('ws://', 'http://'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_getBlockHash', params: [0] }),
    })
    expect(((await genesis.json()) as { result: string }).result).toBe(m.substrate!.genesisHash)
    const nc = await connect({ servers: [m.nats.url], timeout: 5_000 })
    expect((await (await jetstream(nc).jetstreamManager()).getAccountInfo()).limits).toBeDefined()
    await nc.close()
    // Each relayer's config loads (no inline secrets), its keys come from a 0600 keystore and env file.
    for (const r of m.relayers) {
      const cfg = loadConfig({}, r.configPath)
      expect(cfg.node).toMatchObject({ memberId: r.id, attestationKey: { keystore: 'attestation.keystore.json' } })
      expect(cfg.nats.servers).toEqual([m.nats.url])
      for (const f of ['attestation.keystore.json', 'relayer.env'])
        expect(statSync(join(stateDir, r.id, f)).mode & 0o777).toBe(0o600)
      expect(r.pid).toEqual(expect.any(Number))
    }

    // The "try next" script moves tokens through the running relayers; then I1-I9 hold on this devnet too.
    const manifestPath = join(stateDir, 'devnet.json')
    const token = await runScript(isthmusScript('trySend', ['--devnet', manifestPath, 'token', '5']))
    expect(token).toMatchObject({ code: 0 })
    expect(token.out).toMatch(/delivered on chain B after \d+ ms/)
    expect(token.out).toContain('balance on chain B: 5.0')
    const message = await runScript(isthmusScript('trySend', ['--devnet', manifestPath, 'message', 'hello']))
    expect(message).toMatchObject({ code: 0 })
    const target = oracleTargetOfManifest(m)
    await waitForQuiescence(target, { timeoutMs: 30_000 })
    const report = await checkInvariants(target, { minDeliveries: 2 })
    expect(report.violations).toEqual([])
    expect(report.stats.supply[m.token.assetId]).toEqual({ locked: 5n * 10n ** 18n, wrapped: 5n * 10n ** 18n })

    const children = descendants(child.pid!)
    expect(children.length).toBeGreaterThanOrEqual(7) // two chains, nats-server, three relayers, the API
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(children.filter(isAlive)).toEqual([])
    expect(stdout.trimEnd().split('\n')).toHaveLength(1)
    expect(stderr).toContain('SIGINT received, stopping')
    await expect(rpc(m.chains[0]!.rpcUrl, 'eth_chainId')).rejects.toThrow()
    expect(existsSync(join(stateDir, 'relayer-1', 'config.yaml'))).toBe(true) // a given state dir is kept
  })

  it('prints a ready block naming every endpoint, the funded account and what to try next', () => {
    const m = JSON.parse(readFileSync(join(stateDir, 'devnet.json'), 'utf8')) as DevnetManifest
    const text = readyBlock(m)
    for (const s of [
      m.chains[0]!.rpcUrl,
      m.chains[1]!.rpcUrl,
      m.chains[0]!.bridge,
      m.nats.url,
      m.token.home.address,
      m.token.wrapped.address,
      m.accounts.users[0]!.address,
      m.accounts.users[0]!.privateKey,
      `API       ${m.api!.url}`,
      `dashboard ${m.api!.url}/dashboard/`,
      'Try next:',
      `trySend.ts --devnet ${join(stateDir, 'devnet.json')} token 5`,
      'Press Ctrl-C',
    ])
      expect(text).toContain(s)
  })

  it('refuses a malformed --block-time-ms or an unknown option as a usage error', async () => {
    const ctx = (argv: string[]) => ({ argv, stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: '/' })
    expect(await rejected(() => devCommand.run(ctx(['--block-time-ms', '-5'])))).toBeInstanceOf(UsageError)
    expect(await rejected(() => devCommand.run(ctx(['--bogus'])))).toBeInstanceOf(UsageError)
  })
})
