import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { ProcessFailedError, ToolNotFoundError } from '../../errors.js'
import { freeLoopbackPort } from './freeLoopbackPort.js'
import { projectRoot } from './projectRoot.js'
import { type ManagedProcess, spawnManaged } from './spawnManaged.js'

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` of the running process (unchanged by `restart()` unless the port was taken meanwhile). */
  readonly url: string
  readonly port: number
  /** The JetStream store dir (`-sd`); survives `stop`, `kill` and `restart`. */
  readonly storeDir: string
  /** The current process (a new one after each `restart`). */
  readonly process: ManagedProcess
  /** SIGTERM (graceful), then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>
  /** SIGKILL the process group, as a crash would (RELIABILITY.md F-13). */
  kill(): Promise<void>
  /** Stop if running, then start again on the same store dir and, when still free, the same port. */
  restart(): Promise<void>
  /** Stop and delete the store dir if this helper created it. */
  dispose(): Promise<void>
}

export interface StartNatsServerOptions {
  /** Reused across restarts; a temp dir (deleted by `dispose`) when absent. */
  storeDir?: string
  logFile?: string
  readyTimeoutMs?: number
  /** Where to look up the binary; defaults to the process environment. */
  env?: NodeJS.ProcessEnv
}

const INSTALL_HINT = 'go install github.com/nats-io/nats-server/v2@latest (or node scripts/ensureTools.mjs)'
const LISTENING = /Listening for client connections on 127\.0\.0\.1:(\d+)/
const READY = /Server is ready/

/** Where nats-server is looked for after `$NATS_SERVER_BIN` and PATH. */
export const natsServerFallbacks = (): string[] => [
  join(projectRoot(), '.cache', 'bin', 'nats-server'),
  join(homedir(), 'go', 'bin', 'nats-server'),
  '/tmp/gobin/nats-server',
]

/**
 * The nats-server binary: `$NATS_SERVER_BIN`, `nats-server` on PATH, then the fallbacks (the
 * project's `.cache/bin`, `~/go/bin`, `/tmp/gobin`).
 * @throws ToolNotFoundError naming what to install
 */
export const findNatsServerBinary = (
  env: NodeJS.ProcessEnv = process.env,
  fallbacks: string[] = natsServerFallbacks(),
): string => {
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => join(d, 'nats-server'))
  const candidates = [...(env.NATS_SERVER_BIN ? [env.NATS_SERVER_BIN] : []), ...onPath, ...fallbacks]
  const found = candidates.find((p) => existsSync(p))
  if (found) return found
  throw new ToolNotFoundError({
    tool: 'nats-server',
    searched: ['$NATS_SERVER_BIN', 'PATH', ...fallbacks],
    install: INSTALL_HINT,
  })
}

/**
 * Start a real `nats-server -js` on 127.0.0.1, in its own process group, with file storage in
 * `storeDir`. The port is chosen free up front so a restart can reuse it (clients reconnect to
 * the same URL); if it was taken in between, `-p -1` lets the OS pick one and the log line tells which.
 * @throws ToolNotFoundError when no nats-server binary is installed
 * @throws ProcessFailedError when it does not become ready
 * @example
 * const nats = await startNatsServer({})
 * const nc = await connectNats({ servers: [nats.url] }, log)
 * await nats.kill(); await nats.restart()
 */
export const startNatsServer = async (o: StartNatsServerOptions = {}): Promise<NatsServer> => {
  const bin = findNatsServerBinary(o.env)
  const ownsDir = o.storeDir === undefined
  const storeDir = o.storeDir ?? mkdtempSync(join(tmpdir(), 'isthmus-nats-'))
  const readyTimeoutMs = o.readyTimeoutMs ?? 30_000

  const launch = async (port: number): Promise<{ proc: ManagedProcess; port: number }> => {
    const proc = spawnManaged({
      name: 'nats-server',
      command: bin,
      args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
      ...(o.logFile ? { logFile: o.logFile } : {}),
    })
    try {
      const m = await proc.waitFor(LISTENING, readyTimeoutMs)
      await proc.waitFor(READY, readyTimeoutMs)
      return { proc, port: Number(m[1]) }
    } catch (e) {
      await proc.stop(1000)
      throw e
    }
  }
  // Prefer the wanted port; when something else grabbed it, let the server pick.
  const launchOn = async (wanted: number) => {
    try {
      return await launch(wanted)
    } catch (e) {
      if (!(e instanceof ProcessFailedError)) throw e
      return launch(-1)
    }
  }

  let current = await launchOn(await freeLoopbackPort('nats-server'))
  return {
    get url() {
      return `nats://127.0.0.1:${current.port}`
    },
    get port() {
      return current.port
    },
    storeDir,
    get process() {
      return current.proc
    },
    stop: () => current.proc.stop(),
    kill: async () => {
      current.proc.signal('SIGKILL')
      await current.proc.exited
    },
    restart: async () => {
      await current.proc.stop()
      current = await launchOn(current.port)
    },
    dispose: async () => {
      await current.proc.stop()
      if (ownsDir) rmSync(storeDir, { recursive: true, force: true })
    },
  }
}
