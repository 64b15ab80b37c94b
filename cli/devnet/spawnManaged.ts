import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { ProcessFailedError } from '../../errors.js'

export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  /** Everything the process printed so far (stdout and stderr, capped). */
  output(): string
  /** Resolves with the first match of `re` in the output, or rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>
  /** SIGTERM the process group, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>
  /** Send a signal to the whole process group (SIGKILL, SIGSTOP, SIGCONT...). */
  signal(sig: NodeJS.Signals): void
  readonly exited: Promise<number | null>
}

export interface SpawnManagedOptions {
  name: string
  command: string
  args: string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  logFile?: string
}

const MAX_OUTPUT_CHARS = 256 * 1024
const live = new Set<ChildProcess>()
let exitHookInstalled = false

// A test or `isthmus dev` that dies must not leave chains and servers behind.
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const c of live)
      if (c.pid)
        try {
          process.kill(-c.pid, 'SIGKILL')
        } catch {}
  })
}

/** Spawn a child in its own process group, capture its output, and stop it reliably. */
export const spawnManaged = (o: SpawnManagedOptions): ManagedProcess => {
  installExitHook()
  const child = spawn(o.command, o.args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new ProcessFailedError({ name: o.name, detail: `could not spawn ${o.command}` })
  live.add(child)
  let out = ''
  const waiters = new Set<() => void>()
  let log: ReturnType<typeof createWriteStream> | undefined
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true })
    log = createWriteStream(o.logFile, { flags: 'a' })
  }
  const onData = (d: Buffer) => {
    out += d.toString()
    if (out.length > MAX_OUTPUT_CHARS) out = out.slice(out.length - MAX_OUTPUT_CHARS)
    log?.write(d)
    for (const w of waiters) w()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  let exitCode: number | undefined
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code ?? -1
      live.delete(child)
      log?.end()
      for (const w of waiters) w()
      resolve(code)
    }),
  )
  const pid = child.pid
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig)
    } catch {
      // already gone
    }
  }
  return {
    name: o.name,
    pid,
    output: () => out,
    exited,
    signal,
    waitFor: (re, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re)
          if (m) return done(() => resolve(m))
          if (exitCode !== undefined) {
            done(() =>
              reject(
                new ProcessFailedError({
                  name: o.name,
                  detail: `exited (${exitCode}) before ready:\n${out.slice(-2000)}`,
                }),
              ),
            )
          }
        }
        const timer = setTimeout(
          () =>
            done(() =>
              reject(
                new ProcessFailedError({
                  name: o.name,
                  detail: `not ready after ${timeoutMs} ms:\n${out.slice(-2000)}`,
                }),
              ),
            ),
          timeoutMs,
        )
        const done = (f: () => void) => {
          clearTimeout(timer)
          waiters.delete(check)
          f()
        }
        waiters.add(check)
        check()
      }),
    stop: async (graceMs = 5000) => {
      if (exitCode !== undefined) return
      signal('SIGCONT')
      signal('SIGTERM')
      const t = setTimeout(() => signal('SIGKILL'), graceMs)
      await exited
      clearTimeout(t)
    },
  }
}
