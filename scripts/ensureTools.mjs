// Makes sure the external binaries the tests and `isthmus dev` run are present, installing
// what is missing into .cache/bin (git-ignored, reused): nats-server via `go install` from the
// Go module proxy, else Debian's package. Prints the PATH entry to use.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './node24.mjs'

export const NATS_SERVER_VERSION = 'v2.15.2'
export const TOOLS_BIN = join(ROOT, '.cache', 'bin')

const which = (cmd) => {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

/** Path of a usable nats-server, installing one when none is found. */
export const ensureNatsServer = ({ quiet = false } = {}) => {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    join(TOOLS_BIN, 'nats-server'),
    which('nats-server'),
    join(homedir(), 'go', 'bin', 'nats-server'),
  ]
  for (const c of candidates) if (c && existsSync(c)) return c
  mkdirSync(TOOLS_BIN, { recursive: true })
  const go = which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined)
  if (go) {
    if (!quiet)
      process.stderr.write(`installing nats-server ${NATS_SERVER_VERSION} with go install into ${TOOLS_BIN}\n`)
    const r = spawnSync(go, ['install', `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`], {
      stdio: quiet ? 'ignore' : 'inherit',
      env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' },
    })
    if (r.status === 0 && existsSync(join(TOOLS_BIN, 'nats-server'))) return join(TOOLS_BIN, 'nats-server')
  }
  if (which('apt-get') && process.getuid?.() === 0) {
    if (!quiet) process.stderr.write('installing nats-server from Debian packages\n')
    spawnSync('apt-get', ['install', '-y', '-q', 'nats-server'], { stdio: quiet ? 'ignore' : 'inherit' })
    const p = which('nats-server')
    if (p) return p
  }
  process.stderr.write(
    'nats-server is missing: install Go (then `go install github.com/nats-io/nats-server/v2@latest`) or `apt-get install nats-server`.\n',
  )
  process.exit(1)
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${ensureNatsServer()}\n`)
