import { parseUnits } from 'ethers'
import { UsageError } from '../../errors.js'
import type { AssetInfo, Hex } from '../../sdk/index.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { resolveSenderAddress, SEND_FLAGS, SEND_FLAGS_USAGE, sendAndFollow, setupSend } from '../sendThroughApi.js'
import type { CliCommand } from '../types.js'

const USAGE = `Usage: isthmus transfer --asset SYMBOL|0xassetId --amount N [--recipient 0x…] [--from REF] [--to REF]
                        [--key-env NAME | --keystore FILE --password-env NAME] [--rpc URL]
                        [--no-wait] [--timeout-ms N] [--api URL] [--devnet FILE] [--json]

Send tokens across chains: the API builds the transactions (an approve when the allowance is
short, then sendToken), this command signs them with your key, sends them on the source chain,
checks the bridge's Dispatch event against the request, and follows the message to delivery.
  --asset A          the asset: its symbol (IST) or assetId, as \`GET /v1/assets\` lists it
  --amount N         in token units (5, 0.25); converted with the asset's decimals
  --recipient 0x…    beneficiary on --to (default: the sender's own address)
${SEND_FLAGS_USAGE}

Progress goes to stderr; stdout gets the result (text, or one JSON line with --json:
{ id, txHash, blockNumber, from, to, kind, status, statuses, delivery?, failure?, timedOut?, elapsedMs }).
Exit codes: 0 delivered (dispatched with --no-wait), 1 failed or refused, 4 not delivered within
--timeout-ms, 5 API unreachable, 2 usage error.`

const OPTIONS = { ...SEND_FLAGS, asset: { type: 'string' }, amount: { type: 'string' } } as const

/**
 * The asset named by symbol or id.
 * @throws UsageError when the API lists no such asset
 */
export const findAsset = (assets: AssetInfo[], name: string): AssetInfo => {
  const a = /^0x[0-9a-fA-F]{64}$/.test(name)
    ? assets.find((x) => x.assetId.toLowerCase() === name.toLowerCase())
    : assets.find((x) => x.symbol.toLowerCase() === name.toLowerCase())
  if (!a)
    throw new UsageError({
      detail: `The API lists no asset ${name} (known: ${assets.map((x) => x.symbol).join(', ') || 'none'}).`,
    })
  return a
}

/**
 * Token units to base units.
 * @throws UsageError for a malformed or zero amount, or more decimals than the asset has
 */
export const toBaseUnits = (amount: string, decimals: number): bigint => {
  if (!/^\d+(\.\d+)?$/.test(amount))
    throw new UsageError({ detail: `--amount must be a positive decimal number, got "${amount}".` })
  const frac = amount.split('.')[1] ?? ''
  if (frac.length > decimals)
    throw new UsageError({ detail: `--amount has more than the asset's ${decimals} decimals.` })
  const v = parseUnits(amount, decimals)
  if (v === 0n) throw new UsageError({ detail: '--amount must be greater than 0.' })
  return v
}

/** `isthmus transfer`: a token transfer through the API, signed locally. */
export const transferCommand: CliCommand = {
  name: 'transfer',
  summary: 'Send tokens to another chain (through the API) and follow them to delivery',
  usage: USAGE,
  run: async (ctx) => {
    const { values: v, positionals } = parseCommandArgs(ctx.argv, OPTIONS, USAGE)
    if (positionals.length > 0) throw new UsageError({ detail: `Unexpected argument ${positionals[0]}.\n\n${USAGE}` })
    if (!v.asset || !v.amount) throw new UsageError({ detail: `--asset and --amount are required.\n\n${USAGE}` })
    const s = setupSend(ctx, v, USAGE)
    const asset = findAsset(await s.client.assets(), v.asset)
    const amount = toBaseUnits(v.amount, asset.decimals)
    // Without --recipient the tokens go to the sender's own address on the destination.
    const recipient = v.recipient ?? (await resolveSenderAddress(ctx, v, s))
    if (!/^0x([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(recipient))
      throw new UsageError({ detail: '--recipient must be a 20-byte address or a bytes32 account (0x-hex).' })
    return sendAndFollow(ctx, v, s, {
      kind: 'token',
      from: s.from,
      to: s.to,
      assetId: asset.assetId as Hex,
      amount,
      recipient,
    })
  },
}
