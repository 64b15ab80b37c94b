// A small "isthmus send"-like script for a running devnet (what `isthmus dev` suggests under "try next"):
//   trySend --devnet <stateDir>/devnet.json token <amount> [--from A|B]   lock on A (or burn on B) and wait for delivery
//   trySend --devnet <stateDir>/devnet.json message <text> [--from A|B]   app message to the recording recipient
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  Contract,
  type ContractTransactionResponse,
  formatUnits,
  hexlify,
  Interface,
  JsonRpcProvider,
  MaxUint256,
  parseUnits,
  toUtf8Bytes,
  Wallet,
} from 'ethers'
import { loadArtifact } from '../../contracts/artifacts.js'
import { DeployFailedError, UsageError, WaitTimeoutError } from '../../errors.js'
import { addressToBytes32 } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import type { DevnetManifest, DevnetManifestChain } from './devnetManifest.js'

const USAGE = `Usage: trySend --devnet <devnet.json> token <amount> [--from A|B] [--timeout-ms N]
       trySend --devnet <devnet.json> message <text> [--from A|B] [--timeout-ms N]`

export interface TrySendArgs {
  manifest: DevnetManifest
  kind: 'token' | 'message'
  value: string
  from: 'A' | 'B'
  timeoutMs: number
}

const STATUS_NAMES = ['none', 'delivered', 'failed', 'queued', 'cancelled']

/**
 * Parse the command line.
 * @throws UsageError
 */
export const parseTrySendArgs = (argv: string[]): TrySendArgs => {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n${USAGE}` })
  }
  const { values, positionals } = parsed
  const [kind, value] = positionals
  if (!values.devnet || (kind !== 'token' && kind !== 'message') || value === undefined || positionals.length !== 2) {
    throw new UsageError({ detail: USAGE })
  }
  const from = values.from ?? 'A'
  if (from !== 'A' && from !== 'B') throw new UsageError({ detail: `--from must be A or B.\n${USAGE}` })
  let manifest: DevnetManifest
  try {
    manifest = JSON.parse(readFileSync(values.devnet, 'utf8')) as DevnetManifest
  } catch {
    throw new UsageError({ detail: `Cannot read the devnet manifest ${values.devnet} (is isthmus dev running?).` })
  }
  const timeoutMs = Number(values['timeout-ms'] ?? 60_000)
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError({ detail: '--timeout-ms must be a positive integer.' })
  return { manifest, kind, value, from, timeoutMs }
}

const OPTIONS = {
  devnet: { type: 'string' },
  from: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const

const providerOf = (c: DevnetManifestChain) =>
  new JsonRpcProvider(c.rpcUrl, Number(c.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 100,
  })

/** Send one token transfer or app message through a devnet and wait (bounded) for its destination status. */
export const trySend = async (a: TrySendArgs, print: (line: string) => void): Promise<{ id: Hex; status: number }> => {
  const [src, dst] =
    a.from === 'A' ? [a.manifest.chains[0]!, a.manifest.chains[1]!] : [a.manifest.chains[1]!, a.manifest.chains[0]!]
  const user = a.manifest.accounts.users[0]!
  const ps = providerOf(src)
  const pd = providerOf(dst)
  try {
    const wallet = new Wallet(user.privateKey, ps)
    const bridgeAbi = loadArtifact('Bridge').abi
    const bridge = new Contract(src.bridge, bridgeAbi, wallet)
    let tx: ContractTransactionResponse
    if (a.kind === 'token') {
      const token = a.from === 'A' ? a.manifest.token.home.address : a.manifest.token.wrapped.address
      const amount = parseUnits(a.value, a.manifest.token.decimals)
      const erc20 = new Contract(token, loadArtifact('TestToken').abi, wallet)
      await (await erc20.getFunction('approve')(src.bridge, MaxUint256)).wait()
      tx = await bridge.getFunction('sendToken')(token, amount, dst.domain, addressToBytes32(user.address))
    } else {
      tx = await bridge.getFunction('dispatch')(
        dst.domain,
        addressToBytes32(dst.recipient),
        hexlify(toUtf8Bytes(a.value)),
      )
    }
    const receipt = await tx.wait()
    const iface = new Interface(bridgeAbi)
    const dispatch = receipt?.logs.map((l) => iface.parseLog(l)).find((e) => e?.name === 'Dispatch')
    if (!receipt || !dispatch) throw new DeployFailedError({ step: `send ${a.kind}`, detail: 'no Dispatch event' })
    const id = dispatch.args.getValue('id') as Hex
    print(
      `dispatched ${a.kind} ${id} on chain ${src.name} (block ${receipt.blockNumber}); waiting for chain ${dst.name}…`,
    )
    const started = Date.now()
    const destBridge = new Contract(dst.bridge, bridgeAbi, pd)
    for (;;) {
      const status = Number(await destBridge.getFunction('messageStatus')(id))
      if (status !== 0) {
        print(`${STATUS_NAMES[status] ?? status} on chain ${dst.name} after ${Date.now() - started} ms`)
        if (a.kind === 'token') {
          const token = a.from === 'A' ? a.manifest.token.wrapped.address : a.manifest.token.home.address
          const bal = (await new Contract(token, loadArtifact('TestToken').abi, pd).getFunction('balanceOf')(
            user.address,
          )) as bigint
          print(`balance on chain ${dst.name}: ${formatUnits(bal, a.manifest.token.decimals)}`)
        }
        return { id, status }
      }
      if (Date.now() - started > a.timeoutMs)
        throw new WaitTimeoutError({ what: `delivery of ${id}`, timeoutMs: a.timeoutMs })
      await new Promise((r) => setTimeout(r, 250))
    }
  } finally {
    ps.destroy()
    pd.destroy()
  }
}

const run = async () => {
  try {
    const { status } = await trySend(parseTrySendArgs(process.argv.slice(2)), (l) => process.stdout.write(`${l}\n`))
    process.exitCode = status === 1 ? 0 : 1
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = e instanceof UsageError ? 2 : 1
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void run()
