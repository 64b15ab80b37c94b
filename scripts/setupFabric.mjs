// Builds the Hyperledger Fabric binaries the local network needs (peer, orderer, configtxgen,
// cryptogen, osnadmin) with `go install` from the Go module proxy into .cache/fabric/bin
// (git-ignored, reused when present), copies Fabric's sampleconfig core.yaml and orderer.yaml into
// .cache/fabric/config, and installs the chaincode-as-a-service external builder
// into .cache/fabric/ccaas/bin. Prints the binary directory on stdout, timings on stderr.
//
// Fabric's module path has no major-version suffix, so the proxy refuses its v2 tags: the pinned
// release commit is installed by its pseudo-version through a helper module (a tools.go that
// imports the commands), because `go install pkg@version` asks the proxy about each package path
// and gets 403. The CCaaS builder (fabric/ccaas_builder) is a nested module the proxy does not
// serve (403 for every version), so the project ships the same three programs as POSIX shell
// scripts in scripts/fabric/ccaas-builder/bin (Fabric's external-builder contract: detect, build,
// release); they are copied next to the binaries.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './node24.mjs'

/** release-2.5 at 2ab85f97b1d3 (2026-03-25), as the proxy names it. */
export const FABRIC_VERSION = 'v1.4.0-rc1.0.20260325124038-2ab85f97b1d3'
export const FABRIC_DIR = join(ROOT, '.cache', 'fabric')
export const FABRIC_BIN = join(FABRIC_DIR, 'bin')
export const CCAAS_BUILDER_DIR = join(FABRIC_DIR, 'ccaas')
/** Fabric's sampleconfig core.yaml and orderer.yaml of the same commit (the harness edits copies). */
export const FABRIC_CONFIG_DIR = join(FABRIC_DIR, 'config')
export const FABRIC_COMMANDS = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin']
const STAMP = join(FABRIC_BIN, '.version')
const BUILDER_SRC = join(ROOT, 'scripts', 'fabric', 'ccaas-builder', 'bin')

const which = (cmd) => {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

const log = (line) => process.stderr.write(`setup:fabric: ${line}\n`)

/** True when every binary of the pinned version is in .cache/fabric/bin. */
export const fabricBinariesPresent = () =>
  existsSync(STAMP) &&
  readFileSync(STAMP, 'utf8').trim() === FABRIC_VERSION &&
  FABRIC_COMMANDS.every((c) => existsSync(join(FABRIC_BIN, c))) &&
  ['core.yaml', 'orderer.yaml'].every((f) => existsSync(join(FABRIC_CONFIG_DIR, f)))

const run = (go, args, cwd, env) => {
  const started = Date.now()
  log(`$ go ${args.join(' ')}`)
  const r = spawnSync(go, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] })
  log(`  ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${r.status}`)
  if (r.status !== 0) {
    log(`failed: go ${args.join(' ')} (in ${cwd})`)
    process.exit(1)
  }
}

const installBuilder = () => {
  const dest = join(CCAAS_BUILDER_DIR, 'bin')
  mkdirSync(dest, { recursive: true })
  for (const f of readdirSync(BUILDER_SRC)) {
    copyFileSync(join(BUILDER_SRC, f), join(dest, f))
    chmodSync(join(dest, f), 0o755)
  }
}

export const setupFabric = ({ force = false } = {}) => {
  const started = Date.now()
  if (!force && fabricBinariesPresent()) {
    installBuilder()
    log(`reusing ${FABRIC_BIN} (${FABRIC_VERSION})`)
    return FABRIC_BIN
  }
  const go = which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined)
  if (!go) {
    log('Go is missing: install Go >= 1.24 (https://go.dev/dl) and run npm run setup:fabric again.')
    process.exit(1)
  }
  const mod = join(FABRIC_DIR, 'mod')
  mkdirSync(mod, { recursive: true })
  mkdirSync(FABRIC_BIN, { recursive: true })
  writeFileSync(join(mod, 'go.mod'), 'module isthmus.local/fabricbins\n\ngo 1.24\n')
  writeFileSync(
    join(mod, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${FABRIC_COMMANDS.map((c) => `\t_ "github.com/hyperledger/fabric/cmd/${c}"\n`).join('')})\n`,
  )
  const env = {
    ...process.env,
    GOBIN: FABRIC_BIN,
    GOFLAGS: '-mod=mod',
    GONOSUMDB: 'github.com/hyperledger/fabric',
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto',
  }
  run(go, ['get', `github.com/hyperledger/fabric@${FABRIC_VERSION}`], mod, env)
  run(go, ['mod', 'tidy'], mod, env)
  run(go, ['install', ...FABRIC_COMMANDS.map((c) => `github.com/hyperledger/fabric/cmd/${c}`)], mod, env)
  const src = spawnSync(go, ['list', '-m', '-f', '{{.Dir}}', 'github.com/hyperledger/fabric'], {
    cwd: mod,
    env,
    encoding: 'utf8',
  }).stdout.trim()
  mkdirSync(FABRIC_CONFIG_DIR, { recursive: true })
  for (const f of ['core.yaml', 'orderer.yaml']) copyFileSync(join(src, 'sampleconfig', f), join(FABRIC_CONFIG_DIR, f))
  installBuilder()
  writeFileSync(STAMP, `${FABRIC_VERSION}\n`)
  log(`built ${FABRIC_COMMANDS.join(', ')} into ${FABRIC_BIN} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return FABRIC_BIN
}

if (import.meta.url === `file://${process.argv[1]}`)
  process.stdout.write(`${setupFabric({ force: process.argv.includes('--force') })}\n`)
