import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { BundleInvalidError, InvalidProofError, type RelayError, UsageError } from '../../errors.js'
import {
  parseFabricTrust,
  parseGrandpaAuthoritySet,
  type VerifyProofBundleOptions,
  type VerifyProofBundleResult,
  verifyProofBundle,
} from '../../proofs/index.js'
import type { Hex } from '../../types.js'
import type { CliCommand, CliContext } from '../types.js'

const USAGE = `Usage: isthmus proof verify <bundle.json> [--bridge 0x…] [--chain-id N] [--block-hash 0x…]
       [--genesis-hash 0x…] [--authority-set <set.json>] [--fabric-trust <trust.json>] [--trust-bundle-roots] [--json]

Verify a proof bundle offline (no network) and print what it proves.
  --bridge 0x…              the origin bridge address you trust; the bundle's must match (evm)
  --chain-id N              the origin chain id you expect (evm)
  --block-hash 0x…          a block hash you saw finalized yourself; the bundle must prove that block
  --genesis-hash 0x…        the Substrate chain's genesis hash you expect (substrate-*)
  --authority-set <file>    the GRANDPA authority set you trust, JSON
                            { "setId": "N", "authorities": [{ "id": "0x…", "weight": "1" }] } (substrate-grandpa)
  --fabric-trust <file>     the Fabric trust you configure, JSON { "channel", "chaincode", "mspRoots":
                            { "<mspId>": ["PEM", …] or { "rootCerts": […], "intermediateCerts": […] } },
                            "ordererMspIds": […], "endorsementPolicy": { "signedBy": […], "rule": "AND" | { "outOf": n } } }
                            (fabric-block)
  --trust-bundle-roots      use the bundle's own MSP roots, orderer MSPs and policy for what --fabric-trust
                            leaves out: then the bundle proves only that it is self-consistent (fabric-block)
  --json                    print one JSON object instead of text

Exit codes: 0 valid, 1 invalid (the reason is printed), 2 usage error. Format: docs/proofs.md.`

const OPTIONS = {
  bridge: { type: 'string' },
  'chain-id': { type: 'string' },
  'block-hash': { type: 'string' },
  'genesis-hash': { type: 'string' },
  'authority-set': { type: 'string' },
  'fabric-trust': { type: 'string' },
  'trust-bundle-roots': { type: 'boolean' },
  json: { type: 'boolean' },
} as const

interface Args {
  path: string
  opts: VerifyProofBundleOptions
  isJson: boolean
}

const parse = (ctx: CliContext, argv: string[]): Args => {
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
  if (values['genesis-hash'] !== undefined) {
    opts.substrate = { ...opts.substrate, genesisHash: hexArg(values['genesis-hash'], '--genesis-hash', 32) }
  }
  if (values['authority-set'] !== undefined) {
    opts.substrate = { ...opts.substrate, authoritySet: readAuthoritySet(ctx, values['authority-set']) }
  }
  if (values['fabric-trust'] !== undefined) opts.fabric = readFabricTrust(ctx, values['fabric-trust'])
  if (values['trust-bundle-roots'] === true) opts.fabric = { ...opts.fabric, trustBundleAnchors: true }
  return { path: positionals[0]!, opts, isJson: values.json === true }
}

const readFabricTrust = (ctx: CliContext, path: string) => {
  try {
    return parseFabricTrust(JSON.parse(readFileSync(resolve(ctx.cwd, path), 'utf8')) as unknown)
  } catch (e) {
    const why =
      e instanceof BundleInvalidError
        ? `field ${String(e.meta['field'])}: ${String(e.meta['expected'])}`
        : 'unreadable or not JSON'
    throw new UsageError({ detail: `--fabric-trust ${path}: ${why}.` })
  }
}

const hexArg = (v: string, flag: string, bytes: number): Hex => {
  if (!new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`).test(v))
    throw new UsageError({ detail: `${flag} must be 0x followed by ${bytes} bytes of hex.` })
  return v as Hex
}

const readAuthoritySet = (ctx: CliContext, path: string) => {
  try {
    return parseGrandpaAuthoritySet(JSON.parse(readFileSync(resolve(ctx.cwd, path), 'utf8')) as unknown)
  } catch (e) {
    const why =
      e instanceof BundleInvalidError
        ? `field ${String(e.meta['field'])}: ${String(e.meta['expected'])}`
        : 'unreadable or not JSON'
    throw new UsageError({ detail: `--authority-set ${path}: ${why}.` })
  }
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

const describeValid = (r: VerifyProofBundleResult, opts: VerifyProofBundleOptions): string => {
  if (r.kind === 'substrate-storage') {
    return [
      `VALID ${r.kind} proof bundle`,
      `  chain        ${r.chain} (genesis ${r.genesisHash})`,
      `  block        ${r.blockNumber} ${r.blockHash}`,
      ...('message' in r
        ? [
            `  message id   ${r.id}`,
            `  route        domain ${r.message.origin} -> domain ${r.message.destination}, nonce ${r.message.nonce}`,
            `  sender       ${r.message.sender} (extrinsic ${r.extrinsicIndex} signed by ${r.signer})`,
            `  recipient    ${r.message.recipient}`,
            `  body         ${(r.message.body.length - 2) / 2} bytes`,
          ]
        : []),
      `  state root   ${r.header.stateRoot} (trie layout V${r.stateVersion})`,
      ...r.entries.map(
        (e) =>
          `  entry        ${e.key} = ${e.value === null ? 'absent' : `${(e.value.length - 2) / 2} bytes ${abridge(e.value)}`}`,
      ),
      r.extrinsics === null
        ? '  extrinsics   not included'
        : `  extrinsics   ${r.extrinsics.length}, matching extrinsicsRoot ${r.header.extrinsicsRoot}`,
      r.isAnchored
        ? '  anchored to  the block hash given with --block-hash'
        : '  note         the header is authenticated by its hash only; pass --block-hash (or check a substrate-grandpa bundle for it) to anchor it',
    ].join('\n')
  }
  if (r.kind === 'substrate-grandpa') {
    return [
      `VALID ${r.kind} proof bundle`,
      `  chain        ${r.chain} (genesis ${r.genesisHash})`,
      `  finalized    block ${r.blockNumber} ${r.blockHash}${r.header ? ' (header included)' : ''}`,
      `  round        ${r.round}, authority set ${r.setId}`,
      `  signed by    ${r.signers.length} authorities, weight ${r.signedWeight} of ${r.totalWeight} (threshold ${r.threshold})`,
      r.isAnchored
        ? '  anchored to  the authority set given with --authority-set'
        : "  note         the authority set is the bundle's own; pass --authority-set with a set you trust to anchor it",
    ].join('\n')
  }
  const messageLines = [
    `  message id   ${r.id}`,
    `  route        domain ${r.message.origin} -> domain ${r.message.destination}, nonce ${r.message.nonce}`,
    `  sender       ${r.message.sender}`,
    `  recipient    ${r.message.recipient}`,
    `  body         ${(r.message.body.length - 2) / 2} bytes`,
  ]
  if (r.kind === 'fabric-block') {
    return [
      `VALID ${r.kind} proof bundle`,
      ...messageLines,
      `  emitted by   chaincode ${r.chaincode} on channel ${r.channel} (${r.chain})`,
      `  block        ${r.blockNumber} ${r.blockHash}, transaction ${r.txIndex} (tx id ${r.txId})`,
      `  signed by    ${r.ordererSigners} orderer(s); created by ${r.creatorMspId}; endorsed by ${r.endorsingMspIds.join(', ')}`,
      r.isSelfAnchored
        ? "  note         the MSP roots, orderer MSPs or endorsement policy are the bundle's own (--trust-bundle-roots); pass --fabric-trust to anchor them"
        : '  anchored to  the MSP roots, orderer MSPs and endorsement policy given with --fabric-trust',
    ].join('\n')
  }
  return [
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
}

const abridge = (h: string): string => (h.length > 42 ? `${h.slice(0, 22)}…${h.slice(-16)}` : h)

const firstLine = (e: RelayError): string => e.message.split('\n')[0]!

const jsonOf = (v: unknown): string => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x), 2)

/** `isthmus proof verify`: offline verification of one proof bundle file. */
export const proofVerifyCommand: CliCommand = {
  name: 'proof verify',
  summary: 'Verify a proof bundle offline and print what it proves',
  usage: USAGE,
  run: async (ctx) => {
    const args = parse(ctx, ctx.argv)
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
