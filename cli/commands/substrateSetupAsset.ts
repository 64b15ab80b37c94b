import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { DestinationStream } from 'pino'
import { committeeMultisig, setupWrappedAsset, sr25519Signer } from '../../adapters/index.js'
import { connectSubstrateApi } from '../../adapters/substrate/connectSubstrateApi.js'
import { loadConfig, resolvePrivateKey } from '../../config/index.js'
import { ChainIdMismatchError, UsageError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import { createLogger } from '../createLogger.js'
import type { CliCommand } from '../types.js'

const USAGE = `Usage: isthmus substrate setup-asset --config <file> --asset-id <u32> --symbol <S> --decimals <n>
         [--name <text>] [--min-balance <n>] [--chain <ref>] [--isthmus-asset-id 0x…32] [--payer-env NAME] [--json]

Create the wrapped representation of an Isthmus asset on a Substrate (Asset Hub) chain: an
assets-pallet asset whose owner, issuer, admin and freezer is the committee multisig
(multi_account_id of committee.members[].substrateAccount and committee.threshold), by a signed
assets.create + assets.setMetadata + assets.transferOwnership in one utility.batchAll. Idempotent:
an asset the multisig already owns with the same metadata is left alone (status "exists").
  --config <file>          the relayer config (committee, the Substrate chain's wsUrls, genesisHash, signer)
  --asset-id <u32>         the assets-pallet id to create
  --symbol, --decimals     metadata (--name defaults to the symbol)
  --min-balance <n>        the asset's min_balance (default 1)
  --chain <ref>            which Substrate chain (default: the only one in the config)
  --isthmus-asset-id <0x…> the bytes32 Isthmus asset id it represents: prints the config route
  --payer-env NAME         env var with the paying account's sr25519 seed or secret URI
                           (default: the chain's signer from the config); it pays the asset deposit
  --json                   print the result as one JSON line

The mapping Isthmus asset id → assets-pallet id lives in the chain's config entry:
  assets: [{ assetId: <0x…32>, kind: wrapped, assetHubId: <u32> }]`

const OPTIONS = {
  config: { type: 'string' },
  'asset-id': { type: 'string' },
  symbol: { type: 'string' },
  decimals: { type: 'string' },
  name: { type: 'string' },
  'min-balance': { type: 'string' },
  chain: { type: 'string' },
  'isthmus-asset-id': { type: 'string' },
  'payer-env': { type: 'string' },
  json: { type: 'boolean' },
} as const

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string }

const usage = (detail: string) => new UsageError({ detail: `${detail}\n\n${USAGE}` })

const parse = (argv: string[]) => {
  let values: Values
  try {
    ;({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }) as {
      values: Values
    })
  } catch (e) {
    throw usage((e as Error).message)
  }
  for (const k of ['config', 'asset-id', 'symbol', 'decimals'] as const)
    if (!values[k]) throw usage(`--${k} is required.`)
  const assetHubId = Number(values['asset-id'])
  if (!/^\d+$/.test(values['asset-id']!) || assetHubId > 0xffffffff) throw usage('--asset-id must be a u32.')
  const decimals = Number(values.decimals)
  if (!/^\d+$/.test(values.decimals!) || decimals > 255) throw usage('--decimals must be a u8.')
  if (values['min-balance'] !== undefined && !/^[1-9]\d*$/.test(values['min-balance']))
    throw usage('--min-balance must be a positive integer.')
  const isthmusId = values['isthmus-asset-id']
  if (isthmusId !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(isthmusId))
    throw usage('--isthmus-asset-id must be bytes32 hex.')
  if (values['payer-env'] !== undefined && !/^[A-Z_][A-Z0-9_]*$/.test(values['payer-env']))
    throw usage('--payer-env must name an env var (UPPER_SNAKE).')
  return { ...values, assetHubId, decimals, symbol: values.symbol!, config: values.config! }
}

/** `isthmus substrate setup-asset`: the committee multisig's wrapped asset on Asset Hub, idempotently. */
export const substrateSetupAssetCommand: CliCommand = {
  name: 'substrate setup-asset',
  summary: 'Create a wrapped asset on a Substrate chain owned and issued by the committee multisig',
  usage: USAGE,
  run: async (ctx) => {
    const a = parse(ctx.argv)
    const cfg = loadConfig(ctx.env, resolve(ctx.cwd, a.config))
    const subs = cfg.chains.filter((c) => c.kind === 'substrate')
    const c = a.chain ? subs.find((x) => x.ref === a.chain) : subs.length === 1 ? subs[0] : undefined
    if (!c)
      throw usage(a.chain ? `no Substrate chain ${a.chain} in the config.` : 'pick the Substrate chain with --chain.')
    const multisig = committeeMultisig(
      cfg.committee.members.map((m) => m.substrateAccount ?? ''),
      cfg.committee.threshold,
    )
    const payerEnv = a['payer-env']
    const secret = payerEnv ? ctx.env[payerEnv] : await resolvePrivateKey(c.signer, ctx.env, cfg.configDir)
    if (!secret) throw usage(`env ${payerEnv} is not set.`)
    const payer = await sr25519Signer(secret, payerEnv ? `env ${payerEnv}` : `chains ${c.ref} signer`)
    const log = createLogger({ level: cfg.logLevel }, ctx.stderr as unknown as DestinationStream)
    const chain = c.ref as ChainRef
    const api = await connectSubstrateApi(chain, [...c.wsUrls], cfg.requestTimeoutMs)
    try {
      const genesis = api.genesisHash.toHex()
      if (genesis !== c.genesisHash.toLowerCase())
        throw new ChainIdMismatchError({ chain, expected: c.genesisHash, actual: genesis })
      const r = await setupWrappedAsset({
        api,
        chain,
        payer,
        multisig: multisig.account,
        assetHubId: a.assetHubId,
        name: a.name ?? a.symbol,
        symbol: a.symbol,
        decimals: a.decimals,
        ...(a['min-balance'] ? { minBalance: BigInt(a['min-balance']) } : {}),
        log,
      })
      const route = a['isthmus-asset-id']
        ? { assetId: a['isthmus-asset-id'].toLowerCase() as Hex, kind: 'wrapped', assetHubId: a.assetHubId }
        : undefined
      const out = { ...r, blockNumber: r.blockNumber?.toString(), ...(route ? { route } : {}) }
      if (a.json) ctx.stdout.write(`${JSON.stringify(out)}\n`)
      else {
        ctx.stdout.write(`asset ${r.assetHubId} ${r.status}, owner ${r.owner} (committee multisig)\n`)
        if (route)
          ctx.stdout.write(
            `config: chains[${c.ref}].assets += { assetId: ${route.assetId}, kind: wrapped, assetHubId: ${a.assetHubId} }\n`,
          )
      }
      return 0
    } finally {
      await api.disconnect().catch(() => {})
    }
  },
}
