import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { computeAddress } from 'ethers'
import { COMMAND_LOADERS } from '../../../cli/commandLoaders.js'
import { commands } from '../../../cli/commands/index.js'
import { askAnswers, initCommand, parseEvmSpec } from '../../../cli/commands/init.js'
import { describeMessage } from '../../../cli/commands/status.js'
import { findAsset, toBaseUnits } from '../../../cli/commands/transfer.js'
import { foldWatchRows, parseWatchArgs, renderWatchTable } from '../../../cli/commands/watch.js'
import { createPrompter } from '../../../cli/createPrompter.js'
import { EXIT, exitCodeOf } from '../../../cli/exitCodes.js'
import { renderTable } from '../../../cli/renderTable.js'
import { resolveApiUrl } from '../../../cli/resolveApiTarget.js'
import type { CliContext } from '../../../cli/types.js'
import { loadConfig, resolvePrivateKey } from '../../../config/index.js'
import { ApiUnavailableError, IsthmusApiError, UsageError, WaitTimeoutError } from '../../../errors.js'
import type { AssetInfo, Hex, MessageView, WatchEvent } from '../../../sdk/index.js'
import { rejected, thrown } from '../../harness/thrown.js'

const ID = `0x${'ab'.repeat(32)}` as Hex
const ctxOf = (env: Record<string, string> = {}): CliContext => ({
  argv: [],
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  env,
  cwd: '/',
})

describe('exitCodeOf', () => {
  it.each([
    ['USAGE', new UsageError({ detail: 'x' }), EXIT.usage],
    ['WAIT_TIMEOUT', new WaitTimeoutError({ what: 'x', timeoutMs: 1 }), EXIT.timeout],
    ['API_UNAVAILABLE', new ApiUnavailableError({ url: 'http://127.0.0.1:1', detail: 'down' }), EXIT.unavailable],
    ['API_ERROR 404', new IsthmusApiError({ status: 404, apiCode: 'message_not_found', message: 'no' }), EXIT.notFound],
    ['API_ERROR 400', new IsthmusApiError({ status: 400, apiCode: 'request_invalid', message: 'no' }), EXIT.failure],
    ['a non-RelayError', new TypeError('x'), EXIT.failure],
  ])('maps %s to its exit code', (_, e, code) => expect(exitCodeOf(e)).toBe(code))
})

describe('parseWatchArgs', () => {
  it('turns flags into an SDK filter', () =>
    expect(
      parseWatchArgs([
        '--status',
        'delivered',
        '--origin',
        '1',
        '--destination',
        'evm:31338',
        '--id',
        ID.toUpperCase().replace('0X', '0x'),
        '--from-seq',
        '42',
        '--count',
        '3',
        '--timeout-ms',
        '500',
        '--json',
      ]),
    ).toMatchObject({
      filter: { status: 'delivered', origin: 1, destination: 'evm:31338', id: ID, fromSeq: 42 },
      count: 3,
      timeoutMs: 500,
      isJson: true,
    }))

  it.each([
    [['--status', 'lost']],
    [['--origin', 'chain one']],
    [['--id', '0x12']],
    [['--since', 'yesterday']],
    [['--count', '0']],
    [['--count', '-1']],
    [['--nope']],
    [['positional']],
  ])('refuses %p with a usage error', (argv) => expect(thrown(() => parseWatchArgs(argv))).toBeInstanceOf(UsageError))
})

describe('renderTable', () => {
  it('pads columns to the widest cell, right-aligns, and cuts long cells with …', () =>
    expect(
      renderTable(
        [
          { a: 'x', n: 5, long: 'abcdefghij' },
          { a: 'yyyy', n: 123, long: 'ab' },
        ],
        [
          { header: 'A', cell: (r) => r.a },
          { header: 'N', cell: (r) => String(r.n), align: 'right' },
          { header: 'LONG', cell: (r) => r.long, maxWidth: 6 },
        ],
      ),
    ).toBe(['A       N  LONG', '----  ---  ------', 'x       5  abcde…', 'yyyy  123  ab'].join('\n')))
})

const ev = (seq: number, status: string, extra: Record<string, unknown> = {}): WatchEvent => ({
  seq: String(seq),
  event: {
    v: 1,
    status: status as WatchEvent['event']['status'],
    id: ID,
    origin: 1,
    destination: 2,
    nonce: '0',
    at: `2026-11-21T15:40:0${seq}.000Z`,
    ...extra,
  },
})

describe('the watch table', () => {
  it('keeps one row per message with its latest status, newest first, and counts events', () => {
    const rows = new Map()
    const other = { ...ev(3, 'observed'), event: { ...ev(3, 'observed').event, id: `0x${'cd'.repeat(32)}` as Hex } }
    for (const w of [ev(1, 'observed'), ev(2, 'attested', { count: 1, threshold: 2 }), other]) foldWatchRows(rows, w)
    const lines = renderWatchTable(rows, 10).split('\n')
    expect(lines[0]).toMatch(/^MESSAGE\s+ROUTE\s+STATUS\s+DETAIL\s+EVENTS\s+LAST SEEN$/)
    expect(lines[2]).toContain('0xcdcdcdcdcdcdcdc…')
    expect(lines[3]).toMatch(/0xabababababababa…\s+1 -> 2\s+attested\s+1\/2 signatures\s+2/)
    expect(renderWatchTable(rows, 1).split('\n')).toHaveLength(3)
  })
})

const MESSAGE: MessageView = {
  id: ID,
  origin: 1,
  destination: 2,
  nonce: '7',
  status: 'attested',
  stages: { observed: '2026-11-21T15:40:00.000Z', attested: '2026-11-21T15:40:01.000Z' },
  attestations: { count: 1, threshold: 2 },
  waitingFor: { code: 'quorum', detail: 'signatures 1/2', progress: { have: 1, need: 2 } },
}

describe('describeMessage', () => {
  it('shows status, route, what it waits for and the stage times', () => {
    const text = describeMessage(MESSAGE)
    expect(text).toContain('status    attested (1/2 signatures)')
    expect(text).toContain('route     domain 1 -> domain 2, nonce 7')
    expect(text).toContain('waiting   quorum: signatures 1/2 (1/2)')
    expect(text).toMatch(/stages\n {2}observed {3}2026-11-21T15:40:00.000Z\n {2}attested {3}2026/)
  })
})

describe('transfer amounts and assets', () => {
  const assets = [{ assetId: ID, symbol: 'IST', decimals: 18 }] as AssetInfo[]
  it('finds an asset by symbol (any case) or id', () => {
    expect(findAsset(assets, 'ist').assetId).toBe(ID)
    expect(findAsset(assets, ID.toUpperCase().replace('0X', '0x')).symbol).toBe('IST')
    expect(thrown(() => findAsset(assets, 'DAI'))).toBeInstanceOf(UsageError)
  })
  it('converts token units to base units exactly', () => {
    expect(toBaseUnits('1.5', 18)).toBe(1_500_000_000_000_000_000n)
    expect(toBaseUnits('7', 0)).toBe(7n)
  })
  it.each([['0'], ['-1'], ['1e3'], ['0.001']])('refuses the amount %s', (a) =>
    expect(thrown(() => toBaseUnits(a, 2))).toBeInstanceOf(UsageError),
  )
})

describe('resolveApiUrl', () => {
  it('takes --api first, then $ISTHMUS_API_URL, and trims trailing slashes', () => {
    expect(resolveApiUrl(ctxOf({ ISTHMUS_API_URL: 'http://127.0.0.1:2' }), { api: 'http://127.0.0.1:1/' }, '')).toBe(
      'http://127.0.0.1:1',
    )
    expect(resolveApiUrl(ctxOf({ ISTHMUS_API_URL: 'http://127.0.0.1:2' }), {}, '')).toBe('http://127.0.0.1:2')
  })
  it('refuses a missing or non-http URL', () => {
    expect(thrown(() => resolveApiUrl(ctxOf(), {}, ''))).toBeInstanceOf(UsageError)
    expect(thrown(() => resolveApiUrl(ctxOf(), { api: 'ftp://x' }, ''))).toBeInstanceOf(UsageError)
  })
})

describe('isthmus init answers', () => {
  it('parses --evm specs and refuses malformed ones', () => {
    expect(parseEvmSpec('evm:31337,1,http://127.0.0.1:8545,0x5FbDB2315678afecb367f032d93F642f64180aa3,3')).toEqual({
      ref: 'evm:31337',
      domain: 1,
      rpcUrl: 'http://127.0.0.1:8545',
      bridge: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      confirmations: 3,
    })
    expect(thrown(() => parseEvmSpec('evm:31337,1,http://127.0.0.1:8545'))).toBeInstanceOf(UsageError)
    expect(
      thrown(() => parseEvmSpec('substrate:x,1,http://127.0.0.1:8545,0x5FbDB2315678afecb367f032d93F642f64180aa3')),
    ).toBeInstanceOf(UsageError)
  })

  it('asks every question, keeps defaults on Enter, re-asks an invalid answer, and hides the secret', async () => {
    const input = new PassThrough()
    let shown = ''
    const output = new Writable({
      write(chunk, _enc, done) {
        shown += String(chunk)
        done()
      },
    })
    const p = createPrompter(input, output)
    const defaults = {
      memberId: 'relayer-1',
      operatorId: 'relayer-1',
      custodyDomain: 'relayer-1-keystore',
      natsUrl: 'nats://127.0.0.1:4222',
      passwordEnv: 'ISTHMUS_KEYSTORE_PASSWORD',
      chains: [
        { ref: 'evm:1', domain: 1, rpcUrl: 'http://127.0.0.1:1', bridge: `0x${'11'.repeat(20)}`, confirmations: 2 },
        { ref: 'evm:2', domain: 2, rpcUrl: 'http://127.0.0.1:2', bridge: `0x${'22'.repeat(20)}`, confirmations: 2 },
      ],
    }
    // member, operator, custody, nats, chain 1 (ref, domain: invalid then valid, rpc, bridge, conf), chain 2 (5), password env
    input.write(
      ['ops-7', '', 'hsm-7', '', 'evm:5', 'not-a-number', '5', '', '', '4', '', '', '', '', '', ''].join('\n') + '\n',
    )
    const a = await askAnswers(p, defaults)
    input.write('super-secret-pw\n')
    const secret = await p.askSecret('Password')
    p.close()
    expect(a).toMatchObject({
      memberId: 'ops-7',
      operatorId: 'ops-7',
      custodyDomain: 'hsm-7',
      natsUrl: 'nats://127.0.0.1:4222',
    })
    expect(a.chains[0]).toMatchObject({ ref: 'evm:5', domain: 5, confirmations: 4 })
    expect(a.chains[1]).toEqual(defaults.chains[1])
    expect(shown).toContain('a uint32 domain') // the invalid domain was re-asked
    expect(secret).toBe('super-secret-pw')
    expect(shown).not.toContain('super-secret-pw')
  })
})

describe('isthmus init (in process, files in a temp dir)', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })
  const run = async (argv: string[], env: Record<string, string>, stdin?: PassThrough & { isTTY?: boolean }) => {
    const dir = mkdtempSync(join(tmpdir(), 'isthmus-init-'))
    dirs.push(dir)
    let out = ''
    const ctx: CliContext = {
      ...ctxOf(env),
      argv: [...argv, '--dir', dir, '--scrypt-n', '1024'],
      stdout: new Writable({
        write(c, _e, done) {
          out += String(c)
          done()
        },
      }),
      cwd: dir,
      ...(stdin ? { stdin } : {}),
    }
    return { code: await initCommand.run(ctx), out, dir, ctx }
  }

  it('--yes writes a config loadConfig accepts, with keystores that decrypt to its keys, and refuses to overwrite', async () => {
    const env = { ISTHMUS_KEYSTORE_PASSWORD: 'unit-test-password' }
    const r = await run(['--yes', '--json', '--member-id', 'node-9'], env)
    expect(r.code).toBe(0)
    const out = JSON.parse(r.out) as { config: string; keys: Record<string, { address: string; path: string }> }
    const cfg = loadConfig({ PWD: r.dir }, out.config)
    expect(cfg.node.memberId).toBe('node-9')
    expect(cfg.chains.map((c) => c.ref)).toEqual(['evm:31337', 'evm:31338'])
    const attestation = await resolvePrivateKey(cfg.node.attestationKey, env, cfg.configDir)
    expect(computeAddress(attestation).toLowerCase()).toBe(out.keys['attestation']!.address)
    const chain = cfg.chains[0]!
    if (chain.kind !== 'evm') throw new UsageError({ detail: 'expected an EVM chain' })
    const evm = await resolvePrivateKey(chain.signer, env, cfg.configDir)
    expect(computeAddress(evm).toLowerCase()).toBe(out.keys['evm']!.address)
    expect(out.keys['substrate']!.address).toMatch(/^5[1-9A-HJ-NP-Za-km-z]{47}$/)
    expect(statSync(out.keys['substrate']!.path).mode & 0o777).toBe(0o600)
    expect(r.out).not.toMatch(/[0-9a-f]{64}/i)
    const again = await rejected(() => initCommand.run({ ...r.ctx, argv: ['--yes', '--dir', r.dir] }))
    expect(again).toBeInstanceOf(UsageError)
  })

  it('refuses to run without --yes when stdin is not a terminal, and a short password', async () => {
    expect(await rejected(() => run([], { ISTHMUS_KEYSTORE_PASSWORD: 'unit-test-password' }))).toBeInstanceOf(
      UsageError,
    )
    expect(await rejected(() => run(['--yes'], { ISTHMUS_KEYSTORE_PASSWORD: 'short' }))).toMatchObject({
      code: 'KEY_INVALID',
    })
  })

  it('--interactive takes the answers from stdin and asks for the password twice when the env var is unset', async () => {
    const stdin = new PassThrough()
    const answers = ['ops-3', '', '', '', ...Array(10).fill(''), 'OPS3_PASSWORD', 'interactive-pw', 'interactive-pw']
    stdin.end(`${answers.join('\n')}\n`)
    const r = await run(['--interactive'], {}, stdin)
    expect(r.code).toBe(0)
    const cfg = loadConfig({ PWD: r.dir }, join(r.dir, 'isthmus.yaml'))
    expect(cfg.node).toMatchObject({ memberId: 'ops-3', attestationKey: { passwordEnv: 'OPS3_PASSWORD' } })
    await expect(
      resolvePrivateKey(cfg.node.attestationKey, { OPS3_PASSWORD: 'interactive-pw' }, cfg.configDir),
    ).resolves.toMatch(/^0x/)
  })
})

describe('main: each command loads only its own module', () => {
  it.each(Object.keys(COMMAND_LOADERS))('%s is the command commands/index.ts registers', async (name) => {
    const cmd = await COMMAND_LOADERS[name]!()
    expect(cmd.name).toBe(name)
    expect(commands).toContain(cmd)
  })

  it('lazily loads every registered command, in the same order', () => {
    expect(Object.keys(COMMAND_LOADERS)).toEqual(commands.map((c) => c.name))
  })
})
