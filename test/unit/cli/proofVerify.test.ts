import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { proofVerifyCommand } from '../../../cli/commands/proofVerify.js'
import { UsageError } from '../../../errors.js'
import { buildEvmReceiptBundle, type EvmReceiptBundle } from '../../../proofs/index.js'
import { rejected } from '../../harness/thrown.js'
import { edr } from '../proofs/fixtures.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const bundle: EvmReceiptBundle = buildEvmReceiptBundle({
  chain: 'evm:31337',
  chainId: 31337n,
  bridge: edr.emitter,
  header: edr.header,
  receipts: edr.receipts,
  txIndex: 3,
  logIndex: 0,
  finality: {
    mode: 'finalized-tag',
    observedHeadNumber: BigInt(edr.header.number).toString(),
    observedHeadHash: edr.header.hash,
  },
})
const id = edr.receipts[3]!.logs[0]!.topics[1]!
const flipped = (h: string): string => `${h.slice(0, 50)}${h[50] === '0' ? '1' : '0'}${h.slice(51)}`

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real CLI entry (cli/main.ts) in a child Node process through tsx: no dist/ needed, no network. */
const cli = (args: string[]): Promise<Run> =>
  new Promise((done) => {
    const code = `const { main } = await import(${JSON.stringify(join(ROOT, 'cli', 'main.ts'))}); process.exitCode = await main(process.argv.slice(1))`
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code, '--', ...args],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    )
  })

describe('isthmus proof verify (spawned)', () => {
  let dir: string
  const runs: Record<string, Run> = {}

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isthmus-proof-'))
    writeFileSync(join(dir, 'valid.json'), JSON.stringify(bundle))
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify({ ...bundle, header: flipped(bundle.header) }))
    const [valid, validJson, tampered, tamperedJson] = await Promise.all([
      cli(['proof', 'verify', join(dir, 'valid.json')]),
      cli([
        'proof',
        'verify',
        join(dir, 'valid.json'),
        '--json',
        '--bridge',
        edr.emitter,
        '--chain-id',
        '31337',
        '--block-hash',
        edr.header.hash,
      ]),
      cli(['proof', 'verify', join(dir, 'tampered.json')]),
      cli(['proof', 'verify', join(dir, 'valid.json'), '--json', '--bridge', `0x${'11'.repeat(20)}`]),
    ])
    Object.assign(runs, { valid, validJson, tampered, tamperedJson })
  }, 120_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('exits 0 and prints the message id, route, nonce, bridge, chain and block for a valid bundle', () => {
    const r = runs['valid']!
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('VALID evm-receipt proof bundle')
    expect(r.stdout).toContain(id)
    expect(r.stdout).toContain('domain 31337 -> domain 2, nonce 2')
    expect(r.stdout).toContain(`bridge ${edr.emitter} on evm:31337 (chain id 31337)`)
    expect(r.stdout).toMatch(new RegExp(`block +2 ${edr.header.hash}, transaction 3, log 0`))
  })

  it('prints one JSON object with --json and honours --bridge, --chain-id and --block-hash', () => {
    const r = runs['validJson']!
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      valid: true,
      kind: 'evm-receipt',
      id,
      chainId: '31337',
      blockNumber: '2',
      message: { nonce: '2' },
    })
  })

  it('exits 1 and prints the error code and reason for a tampered header', () => {
    const r = runs['tampered']!
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('INVALID INVALID_PROOF HEADER_MISMATCH')
  })

  it('exits 1 with the reason in JSON when the bridge is not the expected one', () => {
    const r = runs['tamperedJson']!
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, code: 'INVALID_PROOF', reason: 'EMITTER_NOT_BRIDGE' })
  })
})

describe('proofVerifyCommand (in process)', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'isthmus-proof-'))
    writeFileSync(join(dir, 'valid.json'), JSON.stringify(bundle))
    writeFileSync(join(dir, 'broken.json'), '{"kind": "evm-receipt",')
    writeFileSync(join(dir, 'planned.json'), JSON.stringify({ kind: 'cosmos-ibc' }))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const run = async (argv: string[]) => {
    let out = ''
    const stdout = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk)
        cb()
      },
    })
    const code = await proofVerifyCommand.run({ argv, stdout, stderr: stdout, env: {}, cwd: dir })
    return { code, out }
  }

  it('resolves the bundle path against the working directory', async () => {
    expect(await run(['valid.json', '--chain-id', '31337'])).toMatchObject({
      code: 0,
      out: expect.stringContaining(id),
    })
  })

  it('exits 1 naming the field when the file is not JSON', async () => {
    const r = await run(['broken.json', '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, code: 'BUNDLE_INVALID', field: '(root)' })
  })

  it('exits 1 naming the kind for an unknown kind', async () => {
    const r = await run(['planned.json'])
    expect(r).toMatchObject({
      code: 1,
      out: expect.stringContaining('INVALID BUNDLE_INVALID: Proof bundle field "kind"'),
    })
  })

  it('exits 1 with CHAIN_MISMATCH for another expected chain id', async () => {
    expect(await run(['valid.json', '--chain-id', '1'])).toMatchObject({
      code: 1,
      out: expect.stringContaining('CHAIN_MISMATCH'),
    })
  })

  it.each([
    ['no bundle file', []],
    ['two bundle files', ['a.json', 'b.json']],
    ['an unknown option', ['valid.json', '--fast']],
    ['a non-decimal chain id', ['valid.json', '--chain-id', '0x1']],
    ['a short bridge', ['valid.json', '--bridge', '0x12']],
    ['a short block hash', ['valid.json', '--block-hash', '0x12']],
    ['a missing file', ['missing.json']],
  ])('throws a usage error (exit 2) for %s', async (_, argv) => {
    expect(await rejected(() => run(argv))).toBeInstanceOf(UsageError)
  })
})
