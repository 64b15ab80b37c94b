import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parse, stringify } from 'yaml'
import { parseConfig } from '../../config/index.js'
import type { ChainRef, Hex } from '../../types.js'
import { isthmusCommand } from './relayerProcess.js'
import { type ManagedProcess, spawnManaged } from './spawnManaged.js'

/** The devnet's `isthmus api` process. */
export interface DevnetApi {
  readonly url: string
  readonly configPath: string
  readonly process: ManagedProcess
  stop(): Promise<void>
}

export interface StartApiProcessOptions {
  stateDir: string
  /** A relayer config of the devnet: the API reads its chains, routes and NATS servers. */
  relayerConfigPath: string
  token: { symbol: string; decimals: number; homeChain: ChainRef; homeToken: Hex }
  logFile: string
  readyTimeoutMs: number
}

const READY = /\{"api":"(http:\/\/[^"]+)"\}/

/**
 * Write `<stateDir>/api/config.yaml`: a relayer config of the devnet plus the test token in `assets`
 * and an `api` section on an OS-chosen port. Returns its path.
 * @throws ConfigInvalidError when the result does not match the schema
 */
export const writeApiConfig = (o: Omit<StartApiProcessOptions, 'logFile' | 'readyTimeoutMs'>): string => {
  const dir = join(o.stateDir, 'api')
  mkdirSync(dir, { recursive: true })
  const doc = parse(readFileSync(o.relayerConfigPath, 'utf8')) as Record<string, unknown>
  doc.api = { host: '127.0.0.1', port: 0 }
  doc.assets = [
    {
      symbol: o.token.symbol,
      decimals: o.token.decimals,
      home: { chain: o.token.homeChain, address: o.token.homeToken },
    },
  ]
  parseConfig(doc, 'devnet api config')
  const configPath = join(dir, 'config.yaml')
  writeFileSync(configPath, `# isthmus devnet: api (generated)\n${stringify(doc)}`)
  return configPath
}

/**
 * Write the API config (`writeApiConfig`) and start `isthmus api --config …` on an OS-chosen port;
 * resolves with its URL once it printed it.
 * @throws ConfigInvalidError, ProcessFailedError (exit or no URL within readyTimeoutMs)
 */
export const startApiProcess = async (o: StartApiProcessOptions): Promise<DevnetApi> => {
  const configPath = writeApiConfig(o)
  const { command, args } = isthmusCommand(['api', '--config', configPath])
  const p = spawnManaged({ name: 'api', command, args, cwd: dirname(configPath), env: process.env, logFile: o.logFile })
  try {
    const m = await p.waitFor(READY, o.readyTimeoutMs)
    return { url: m[1]!, configPath, process: p, stop: () => p.stop(5_000) }
  } catch (e) {
    await p.stop(1_000)
    throw e
  }
}
