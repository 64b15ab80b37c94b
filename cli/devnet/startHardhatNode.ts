import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JsonRpcProvider } from 'ethers'
import { RpcError } from '../../errors.js'
import { nodeBinary, projectRoot } from './projectRoot.js'
import { type ManagedProcess, spawnManaged } from './spawnManaged.js'

export interface HardhatNode {
  readonly chainId: bigint
  readonly rpcUrl: string
  readonly wsUrl: string
  readonly process: ManagedProcess
  /** Raw JSON-RPC call (evm_snapshot, evm_mine, hardhat_setBalance...). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>
  stop(): Promise<void>
}

export interface StartHardhatNodeOptions {
  chainId: bigint
  /** 0 = automine (one block per transaction). */
  blockTimeMs?: number
  logFile?: string
  readyTimeoutMs?: number
}

/** Hardhat's public dev accounts #0..#9 (loopback chains only). */
export const HARDHAT_DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const

/**
 * Start a real `hardhat node` (EDR) on 127.0.0.1 with an OS-chosen port, in its own
 * process group and temp dir, and resolve once it answers JSON-RPC.
 */
export const startHardhatNode = async (o: StartHardhatNodeOptions): Promise<HardhatNode> => {
  // Hardhat 3 refuses a config outside a tree that has it installed, so the node's dir lives in the project.
  const base = join(projectRoot(), '.cache', 'hardhat')
  mkdirSync(base, { recursive: true })
  const dir = mkdtempSync(join(base, `${o.chainId}-`))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n')
  writeFileSync(
    join(dir, 'hardhat.config.ts'),
    `export default { networks: { node: { type: 'edr-simulated', chainType: 'l1', chainId: ${o.chainId} } } }\n`,
  )
  const cli = join(projectRoot(), 'node_modules', 'hardhat', 'dist', 'src', 'cli.js')
  const proc = spawnManaged({
    name: `hardhat-${o.chainId}`,
    command: nodeBinary(),
    args: [cli, 'node', '--hostname', '127.0.0.1', '--port', '0'],
    cwd: dir,
    ...(o.logFile ? { logFile: o.logFile } : {}),
  })
  try {
    const m = await proc.waitFor(/http:\/\/127\.0\.0\.1:(\d+)/, o.readyTimeoutMs ?? 60_000)
    const port = Number(m[1])
    const rpcUrl = `http://127.0.0.1:${port}`
    let id = 0
    const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(30_000),
      })
      const j = (await res.json()) as { result?: T; error?: { message: string } }
      if (j.error)
        throw new RpcError({ chain: `evm:${o.chainId}`, method, endpoint: rpcUrl, retryable: false, cause: j.error })
      return j.result as T
    }
    await rpc('hardhat_setLoggingEnabled', [false])
    if (o.blockTimeMs && o.blockTimeMs > 0) {
      await rpc('evm_setAutomine', [false])
      await rpc('evm_setIntervalMining', [o.blockTimeMs])
    }
    return {
      chainId: o.chainId,
      rpcUrl,
      wsUrl: `ws://127.0.0.1:${port}`,
      process: proc,
      rpc,
      stop: async () => {
        await proc.stop()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await proc.stop()
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}

/** An ethers provider for a local node that never batches requests across callers' timing. */
export const localProvider = (node: HardhatNode): JsonRpcProvider =>
  new JsonRpcProvider(node.rpcUrl, Number(node.chainId), { staticNetwork: true, pollingInterval: 100 })
