import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RpcError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import { nodeBinary, projectRoot } from './projectRoot.js'
import { type ManagedProcess, spawnManaged } from './spawnManaged.js'

export interface Chopsticks {
  /** `ws://127.0.0.1:<port>` (chopsticks serves HTTP JSON-RPC on the same port). */
  readonly wsUrl: string
  readonly httpUrl: string
  readonly port: number
  /** What `chain_getBlockHash(0)` answers (chopsticks' genesis mode reports a fixed placeholder). */
  readonly genesisHash: Hex
  readonly process: ManagedProcess
  /** Raw JSON-RPC call over HTTP (dev_newBlock, dev_setHead, state_getStorage...). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>
  /** Build `count` blocks (default 1) with whatever is in the pool; resolves with the new head hash. */
  newBlock(count?: number): Promise<Hex>
  /** Rewind the head to a block number or hash (F-10 forks: build a sibling branch afterwards). */
  setHead(at: number | Hex): Promise<void>
  /** `dev_setStorage` in chopsticks' pallet/item form, e.g. `{ System: { Account: [[[addr], {...}]] } }`. */
  setStorage(values: Record<string, unknown>, at?: Hex): Promise<Hex>
  /** Give accounts a free native balance (planck) through `System.Account` storage. */
  fund(accounts: string[], free: bigint): Promise<void>
  /** The head block number. */
  headNumber(): Promise<number>
  stop(): Promise<void>
}

export interface StartChopsticksOptions {
  logFile?: string
  readyTimeoutMs?: number
}

/** The Rococo Asset Hub spec with its genesis runtime, as the devnet's local Substrate chain. */
export const ASSET_HUB_SPEC_MODULE = '@substrate/connect-known-chains/rococo_v2_2_asset_hub'
export const ASSET_HUB_CHAIN: ChainRef = 'substrate:asset-hub-local'
const READY = /RPC listening on http:\/\/127\.0\.0\.1:(\d+)/

/**
 * The chain spec JSON file chopsticks boots from, extracted once from `@substrate/connect-known-chains`
 * into `.cache/substrate/` (rewritten atomically, so concurrent starts never read half a file).
 */
export const assetHubSpecFile = async (): Promise<string> => {
  const dir = join(projectRoot(), '.cache', 'substrate')
  const file = join(dir, 'rococo_v2_2_asset_hub.json')
  if (existsSync(file)) return file
  mkdirSync(dir, { recursive: true })
  const { chainSpec } = (await import(ASSET_HUB_SPEC_MODULE)) as { chainSpec: string }
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, chainSpec)
  renameSync(tmp, file)
  return file
}

/**
 * Start a real `chopsticks --genesis` Rococo Asset Hub on 127.0.0.1 with an OS-chosen port, in
 * its own process group, with blocks built only on `dev_newBlock` (`--build-block-mode Manual`).
 * Chopsticks keeps its state in memory (no sqlite driver is installed), so nothing is left on disk.
 * Resolves once it answers JSON-RPC.
 * @throws ProcessFailedError (did not start in time), RpcError
 * @example
 * const chain = await startChopsticks({}); await chain.newBlock(); await chain.stop()
 */
export const startChopsticks = async (o: StartChopsticksOptions = {}): Promise<Chopsticks> => {
  const spec = await assetHubSpecFile()
  const cli = join(projectRoot(), 'node_modules', '@acala-network', 'chopsticks', 'chopsticks.cjs')
  const proc = spawnManaged({
    name: 'chopsticks',
    command: nodeBinary(),
    args: [cli, '--genesis', spec, '--host', '127.0.0.1', '--port', '0', '--build-block-mode', 'Manual'],
    cwd: projectRoot(),
    ...(o.logFile ? { logFile: o.logFile } : {}),
  })
  try {
    const m = await proc.waitFor(READY, o.readyTimeoutMs ?? 60_000)
    const port = Number(m[1])
    const httpUrl = `http://127.0.0.1:${port}`
    let id = 0
    const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
      let j: { result?: T; error?: { message: string } }
      try {
        const res = await fetch(httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
          signal: AbortSignal.timeout(60_000),
        })
        j = (await res.json()) as typeof j
      } catch (e) {
        throw new RpcError({ chain: ASSET_HUB_CHAIN, method, endpoint: httpUrl, cause: e })
      }
      if (j.error)
        throw new RpcError({ chain: ASSET_HUB_CHAIN, method, endpoint: httpUrl, retryable: false, cause: j.error })
      return j.result as T
    }
    const genesisHash = await rpc<Hex>('chain_getBlockHash', [0])
    const headNumber = async () => Number((await rpc<{ number: Hex }>('chain_getHeader', [])).number)
    const setStorage = (values: Record<string, unknown>, at?: Hex) =>
      rpc<Hex>('dev_setStorage', at ? [values, at] : [values])
    return {
      wsUrl: `ws://127.0.0.1:${port}`,
      httpUrl,
      port,
      genesisHash,
      process: proc,
      rpc,
      newBlock: (count = 1) => rpc<Hex>('dev_newBlock', [{ count }]),
      setHead: async (at) => {
        await rpc('dev_setHead', [at])
      },
      setStorage,
      fund: async (accounts, free) => {
        await setStorage({
          System: {
            Account: accounts.map((a) => [[a], { providers: 1, data: { free: free.toString() } }]),
          },
        })
      },
      headNumber,
      stop: () => proc.stop(),
    }
  } catch (e) {
    await proc.stop()
    throw e
  }
}
