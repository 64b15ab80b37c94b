// What `isthmus transfer` and `isthmus send` share: flags, key and RPC resolution, the SDK call and
// the wait for delivery with a progress indicator.
import { JsonRpcProvider, Wallet } from 'ethers'
import { lastValueFrom, takeUntil, tap, timer } from 'rxjs'
import { resolvePrivateKey } from '../config/index.js'
import { UsageError } from '../errors.js'
import {
  type ChainRef,
  createIsthmusClient,
  type IsthmusClient,
  isTerminalUpdate,
  type StatusUpdate,
  type TransferRequest,
} from '../sdk/index.js'
import { createProgress } from './createProgress.js'
import type { DevnetManifest } from './devnet/devnetManifest.js'
import { EXIT } from './exitCodes.js'
import { intFlag } from './parseCommandArgs.js'
import { API_FLAGS, API_FLAGS_USAGE, readDevnetManifest, resolveApiUrl } from './resolveApiTarget.js'
import type { CliContext } from './types.js'

/** Flags of both commands. */
export const SEND_FLAGS = {
  ...API_FLAGS,
  from: { type: 'string' },
  to: { type: 'string' },
  recipient: { type: 'string' },
  rpc: { type: 'string' },
  'key-env': { type: 'string' },
  keystore: { type: 'string' },
  'password-env': { type: 'string' },
  'no-wait': { type: 'boolean' },
  'timeout-ms': { type: 'string' },
} as const

export const SEND_FLAGS_USAGE = `  --from REF         source chain (evm:31337); with --devnet, chain A by default
  --to REF           destination chain; with --devnet, chain B by default
  --rpc URL          JSON-RPC of the source chain (default: the devnet's)
  --key-env NAME     env var holding the sender's private key, or
  --keystore FILE --password-env NAME   an encrypted keystore (\`isthmus keys new\`);
                     with --devnet and neither, the devnet's funded test account
  --no-wait          exit once the source transaction is mined (status: dispatched)
  --timeout-ms N     how long to wait for delivery (default 120000)
${API_FLAGS_USAGE}`

export type SendValues = {
  [K in keyof typeof SEND_FLAGS]?: (typeof SEND_FLAGS)[K]['type'] extends 'boolean' ? boolean : string
}

const REF = /^(evm|substrate|fabric):[A-Za-z0-9._-]+$/

export interface SendSetup {
  client: IsthmusClient
  from: ChainRef
  to: ChainRef
  devnet: DevnetManifest | undefined
  usage: string
}

/**
 * The client, route and devnet (when given) of a send.
 * @throws UsageError
 */
export const setupSend = (ctx: CliContext, v: SendValues, usage: string): SendSetup => {
  const devnet = v.devnet ? readDevnetManifest(ctx, v.devnet) : undefined
  const from = v.from ?? devnet?.chains[0]?.ref
  const to = v.to ?? devnet?.chains[1]?.ref
  if (!from || !to) throw new UsageError({ detail: `--from and --to are required.\n\n${usage}` })
  for (const r of [from, to]) if (!REF.test(r)) throw new UsageError({ detail: `${r} is not a chain ref (evm:31337).` })
  const client = createIsthmusClient({ apiUrl: resolveApiUrl(ctx, v, usage) })
  return { client, from: from as ChainRef, to: to as ChainRef, devnet, usage }
}

const resolveKey = async (ctx: CliContext, v: SendValues, s: SendSetup): Promise<string> => {
  if (v['key-env'] && v.keystore) throw new UsageError({ detail: 'Give --key-env or --keystore, not both.' })
  if (v['key-env']) return resolvePrivateKey({ env: v['key-env'] }, ctx.env, ctx.cwd)
  if (v.keystore) {
    if (!v['password-env']) throw new UsageError({ detail: '--keystore needs --password-env NAME.' })
    return resolvePrivateKey({ keystore: v.keystore, passwordEnv: v['password-env'] }, ctx.env, ctx.cwd)
  }
  const user = s.devnet?.accounts.users[0]
  if (user) return user.privateKey
  throw new UsageError({
    detail: `Give the sender's key with --key-env NAME or --keystore FILE --password-env NAME.\n\n${s.usage}`,
  })
}

/** The address of the key a send would sign with (the default beneficiary of a transfer). */
export const resolveSenderAddress = async (ctx: CliContext, v: SendValues, s: SendSetup): Promise<string> =>
  new Wallet(await resolveKey(ctx, v, s)).address

interface SendResult {
  id: string
  txHash: string
  blockNumber: string
  from: ChainRef
  to: ChainRef
  kind: TransferRequest['kind']
  status: string
  statuses: string[]
  delivery?: { txHash: string }
  failure?: { reason?: string; detail?: string }
  timedOut?: boolean
  elapsedMs: number
}

const describeUpdate = (u: StatusUpdate): string => {
  const e = u.event
  if (u.status === 'attested' && e) return `attested ${e.count ?? '?'}/${e.threshold ?? '?'}`
  if (u.status === 'failed')
    return `failed ${e?.reason ?? u.message?.failure?.reason ?? ''}${e?.retryable ? ' (the relay retries)' : ''}`
  if (u.message?.waitingFor) return `${u.status}, waiting for ${u.message.waitingFor.detail}`
  return u.status
}

/**
 * Sign the request with the resolved key, send it through the API and (unless --no-wait) follow
 * it to delivery, with progress on stderr and the result on stdout.
 * @returns the exit code: 0 delivered (or dispatched with --no-wait), 1 failed, 4 timeout
 */
export const sendAndFollow = async (
  ctx: CliContext,
  v: SendValues,
  s: SendSetup,
  req: TransferRequest,
): Promise<number> => {
  const timeoutMs = intFlag(v['timeout-ms'], '--timeout-ms', 120_000, s.usage)
  const key = await resolveKey(ctx, v, s)
  const source = (await s.client.chains()).find((c) => c.ref === s.from)
  const rpc = v.rpc ?? s.devnet?.chains.find((c) => c.ref === s.from)?.rpcUrl
  if (!rpc) throw new UsageError({ detail: `Give the source chain's JSON-RPC with --rpc URL.\n\n${s.usage}` })
  const chainId = source?.chainId === undefined ? undefined : Number(source.chainId)
  const provider = new JsonRpcProvider(rpc, chainId, {
    staticNetwork: chainId !== undefined,
    pollingInterval: 250,
    batchMaxCount: 1,
  })
  const progress = createProgress(ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean })
  const started = Date.now()
  try {
    progress.update(`building the ${req.kind === 'token' ? 'transfer' : 'message'} through the API`)
    const sent = await s.client.transfer(req, new Wallet(key, provider), {
      onTx: (t) => progress.update(`${t.description}: mined ${t.txHash} (${t.index + 1}/${t.count})`),
    })
    const result: SendResult = {
      id: sent.id,
      txHash: sent.txHash,
      blockNumber: sent.blockNumber.toString(),
      from: s.from,
      to: s.to,
      kind: req.kind,
      status: 'dispatched',
      statuses: ['dispatched'],
      elapsedMs: 0,
    }
    const print = () => {
      result.elapsedMs = Date.now() - started
      ctx.stdout.write(
        v.json
          ? `${JSON.stringify(result)}\n`
          : `message ${result.id}\nsource tx ${result.txHash} (block ${result.blockNumber})\nstatus ${result.status}${result.delivery ? ` (tx ${result.delivery.txHash})` : ''}\n`,
      )
    }
    if (v['no-wait']) {
      progress.done(`dispatched ${sent.id}`)
      print()
      return EXIT.ok
    }
    progress.update(`dispatched ${sent.id}; waiting for the relay`)
    let last: StatusUpdate | undefined
    await lastValueFrom(
      sent.status$.pipe(
        tap((u) => {
          last = u
          result.status = u.status
          result.statuses.push(u.status)
          progress.update(describeUpdate(u))
        }),
        takeUntil(timer(timeoutMs)),
      ),
      { defaultValue: undefined },
    )
    if (!last || !isTerminalUpdate(last)) {
      result.timedOut = true
      progress.done(`still ${result.status} after ${timeoutMs} ms; check with \`isthmus status ${sent.id}\``)
      print()
      return EXIT.timeout
    }
    const tx = last?.event?.txHash ?? last?.message?.delivery?.txHash
    if (last?.status === 'delivered' && tx) result.delivery = { txHash: tx }
    if (last?.status === 'failed')
      result.failure = {
        ...((last.event?.reason ?? last.message?.failure?.reason)
          ? { reason: last.event?.reason ?? last.message?.failure?.reason }
          : {}),
        ...((last.event?.detail ?? last.message?.failure?.detail)
          ? { detail: last.event?.detail ?? last.message?.failure?.detail }
          : {}),
      }
    const ok = last.status === 'delivered'
    if (ok) progress.done(`delivered ${sent.id}`)
    else {
      progress.stop()
      ctx.stderr.write(`${describeUpdate(last)}\n`)
    }
    print()
    return ok ? EXIT.ok : EXIT.failure
  } catch (e) {
    progress.stop()
    throw e
  } finally {
    provider.destroy()
  }
}
