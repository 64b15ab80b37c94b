import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ProcessFailedError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { nodeBinary, projectRoot } from './projectRoot.js'
import { type ManagedProcess, spawnManaged } from './spawnManaged.js'

/** One committee member's `isthmus start` process, which a test or an operator can crash, pause and restart. */
export interface RelayerHandle {
  readonly id: string
  readonly attestationAddress: Hex
  readonly deliveryAddress: Hex
  readonly configPath: string
  readonly logFile: string
  /** The current process, or undefined before the first start / after stop or kill. */
  readonly process: ManagedProcess | undefined
  readonly isRunning: boolean
  /**
   * Spawn `isthmus start --config …` in its own process group and wait for its `relayer ready` line.
   * `env` adds variables to this one process only (e.g. `ISTHMUS_FAILPOINTS` in crash tests).
   * @throws ProcessFailedError when it exits (with its exit code and last output) or is not ready in time
   */
  start(o?: RelayerStartOptions): Promise<void>
  /** Graceful: SIGTERM (and SIGCONT if paused), SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL the process group, as a crash would. */
  kill(): Promise<void>
  /** stop (when running), then start on the same config and state. */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT the process group (a hung relayer). */
  pause(): void
  resume(): void
  /** What the current (or last) process printed. */
  output(): string
}

export interface RelayerStartOptions {
  /** Extra environment variables for this start only. */
  env?: Record<string, string>
}

export interface RelayerHandleOptions {
  id: string
  attestationAddress: Hex
  deliveryAddress: Hex
  configPath: string
  logFile: string
  env: Record<string, string>
  readyTimeoutMs: number
}

/** The log line `isthmus start` prints once its preflight passed and its pipeline runs. */
export const RELAYER_READY = /"msg":"relayer ready"/

const here = fileURLToPath(import.meta.url)
// Running from source (tsx, jest) the children run from source too; from dist/ they run the build.
const isSource = here.endsWith('.ts')
const ext = isSource ? 'ts' : 'js'

/** True once the `start` command exists next to this build (another change adds it). */
export const isStartCommandAvailable = (): boolean => existsSync(join(dirname(here), '..', 'commands', `start.${ext}`))

/** `[command, ...args]` that runs the script `cli/devnet/<name>` from the same tree (source or dist) as this module. */
export const isthmusScript = (name: string, argv: string[]): string[] => {
  const entry = join(dirname(here), `${name}.${ext}`)
  const loader = pathToFileURL(join(projectRoot(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
  return [nodeBinary(), ...(isSource ? ['--import', loader] : []), entry, ...argv]
}

/** How a person runs the script `cli/devnet/<name>` from a shell (shorter than `isthmusScript`). */
export const displayScript = (name: string, argv: string[]): string[] =>
  isSource
    ? ['npx', 'tsx', join(dirname(here), `${name}.ts`), ...argv]
    : ['node', join(dirname(here), `${name}.js`), ...argv]

/** The command that runs `isthmus <argv…>` from the same tree (source or dist) as this module. */
export const isthmusCommand = (argv: string[]): { command: string; args: string[] } => {
  const [command, ...args] = isthmusScript('cliEntry', argv)
  return { command: command!, args }
}

/** A handle on one relayer process; nothing runs until `start()`. */
export const createRelayerHandle = (o: RelayerHandleOptions): RelayerHandle => {
  let proc: ManagedProcess | undefined
  let last: ManagedProcess | undefined
  const start = async (so: RelayerStartOptions = {}) => {
    if (proc) throw new ProcessFailedError({ name: o.id, detail: 'already running' })
    const { command, args } = isthmusCommand(['start', '--config', o.configPath])
    const p = spawnManaged({
      name: o.id,
      command,
      args,
      cwd: dirname(o.configPath),
      env: { ...process.env, ...o.env, ...so.env },
      logFile: o.logFile,
    })
    proc = p
    last = p
    void p.exited.then(() => {
      if (proc === p) proc = undefined
    })
    try {
      await p.waitFor(RELAYER_READY, o.readyTimeoutMs)
    } catch (e) {
      await p.stop(1000)
      throw e
    }
  }
  const stop = async (graceMs?: number) => {
    const p = proc
    if (!p) return
    await p.stop(graceMs)
    proc = undefined
  }
  return {
    id: o.id,
    attestationAddress: o.attestationAddress,
    deliveryAddress: o.deliveryAddress,
    configPath: o.configPath,
    logFile: o.logFile,
    get process() {
      return proc
    },
    get isRunning() {
      return proc !== undefined
    },
    start,
    stop,
    kill: async () => {
      const p = proc
      if (!p) return
      p.signal('SIGKILL')
      await p.exited
      proc = undefined
    },
    restart: async () => {
      await stop()
      await start()
    },
    pause: () => proc?.signal('SIGSTOP'),
    resume: () => proc?.signal('SIGCONT'),
    output: () => last?.output() ?? '',
  }
}
