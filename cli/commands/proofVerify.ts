import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { BundleInvalidError, InvalidProofError, type RelayError, UsageError } from '../../errors.js'
import { type VerifyProofBundleOptions, type VerifyProofBundleResult, verifyProofBundle } from '../../proofs/index.js'
import type { Hex } from '../../types.js'
import type { CliCommand, CliContext } from '../types.js'

const USAGE = `Usage: isthmus proof verify <bundle.json> [--bridge 0x…] [--chain-id N] [--block-hash 0x…] [--json]

Verify a proof bundle offline (no network) and print what it proves.
  --bridge 0x…      the origin bridge address you trust; the bundle's must match
  --chain-id N      the origin chain id you expect
  --block-hash 0x…  a block hash you saw finalized yourself; the bundle must prove that block
  --json            print one JSON object instead of text

Exit codes: 0 valid, 1 invalid (the reason is printed), 2 usage error. Format: docs/proofs.md.`

const OPTIONS = {
  bridge: { type: 'string' },
  'chain-id': { type: 'string' },
  'block-hash': { type: 'string' },
  json: { type: 'boolean' },
} as const

interface Args {
  path: string
  opts: VerifyProofBundleOptions
  isJson: boolean
}

const parse = (argv: string[]): Args => {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n\n${USAGE}` })
  }
  const { values, positionals } = parsed
  if (positionals.length !== 1) throw new UsageError({ detail: `Expected one bundle file.\n\n${USAGE}` })
  const opts: VerifyProofBundleOptions = {}
  if (values.bridge !== undefined) opts.bridge = hexArg(values.bridge, '--bridge', 20)
  if (values['block-hash'] !== undefined) opts.trustedBlockHash = hexArg(values['block-hash'], '--block-hash', 32)
  if (values['chain-id'] !== undefined) {
    if (!/^(?:0|[1-9][0-9]*)$/.test(values['chain-id']))
      throw new UsageError({ detail: '--chain-id must be a decimal integer.' })
    opts.chainId = BigInt(values['chain-id'])
  }
  return { path: positionals[0]!, opts, isJson: values.json === true }
}

const hexArg = (v: string, flag: string, bytes: number): Hex => {
  if (!new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`).test(v))
    throw new UsageError({ detail: `${flag} must be 0x followed by ${bytes} bytes of hex.` })
  return v as Hex
}

const readBundle = (ctx: CliContext, path: string): unknown => {
  let text: string
  try {
    text = readFileSync(resolve(ctx.cwd, path), 'utf8')
  } catch (e) {
    throw new UsageError({ detail: `Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.` })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new BundleInvalidError({ field: '(root)', expected: 'a JSON document', cause: e })
  }
}

const describeValid = (r: VerifyProofBundleResult, opts: VerifyProofBundleOptions): string =>
  [
    `VALID ${r.kind} proof bundle`,
    `  message id   ${r.id}`,
    `  route        domain ${r.message.origin} -> domain ${r.message.destination}, nonce ${r.message.nonce}`,
    `  sender       ${r.message.sender}`,
    `  recipient    ${r.message.recipient}`,
    `  body         ${(r.message.body.length - 2) / 2} bytes`,
    `  emitted by   bridge ${r.bridge} on ${r.chain} (chain id ${r.chainId})`,
    `  block        ${r.blockNumber} ${r.blockHash}, transaction ${r.txIndex}, log ${r.logIndex}`,
    opts.trustedBlockHash
      ? '  anchored to  the block hash given with --block-hash'
      : '  note         finality is the relayer-recorded evidence; pass --block-hash to anchor it to a block you trust',
  ].join('\n')

const firstLine = (e: RelayError): string => e.message.split('\n')[0]!

const jsonOf = (v: unknown): string => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x), 2)

/** `isthmus proof verify`: offline verification of one proof bundle file. */
export const proofVerifyCommand: CliCommand = {
  name: 'proof verify',
  summary: 'Verify a proof bundle offline and print what it proves',
  usage: USAGE,
  run: async (ctx) => {
    const args = parse(ctx.argv)
    try {
      const r = verifyProofBundle(readBundle(ctx, args.path), args.opts)
      ctx.stdout.write(`${args.isJson ? jsonOf({ valid: true, ...r }) : describeValid(r, args.opts)}\n`)
      return 0
    } catch (e) {
      if (!(e instanceof InvalidProofError || e instanceof BundleInvalidError)) throw e
      const reason = e instanceof InvalidProofError ? e.reason : undefined
      const field = e instanceof BundleInvalidError ? (e.meta['field'] as string) : undefined
      const out = args.isJson
        ? jsonOf({ valid: false, code: e.code, reason, field, detail: firstLine(e) })
        : `INVALID ${e.code}${reason ? ` ${reason}` : ''}: ${firstLine(e)}\nSee docs/proofs.md and docs/errors.md#${e.code.toLowerCase()}.`
      ctx.stdout.write(`${out}\n`)
      return 1
    }
  },
}
