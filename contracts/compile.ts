import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ContractBuildError } from '../errors.js'
import { artifactsDir, contractsDir } from './paths.js'

/**
 * Compiler settings. via-IR with a high `runs` value trades deploy size for cheaper calls: delivery is
 * the hot path (test/bench/gas.bench.ts measures it).
 */
export const SOLC_SETTINGS = {
  evmVersion: 'cancun',
  viaIR: true,
  optimizer: { enabled: true, runs: 10_000 },
} as const

/** Folders (under contracts/) whose `.sol` files are compiled. */
const SOURCE_DIRS = ['src', 'test']
const STAMP_FILE = '.build-stamp.json'

export interface CompileOptions {
  /** Rebuild even if the sources and settings are unchanged. */
  force?: boolean
  /** Folder holding `src/` and `test/` (default: the project's `contracts/`). */
  dir?: string
  /** Where artifacts go (default: `<dir>/out`). */
  outDir?: string
}

export interface CompileResult {
  /** false when the stamp matched and nothing was compiled. */
  compiled: boolean
  contracts: string[]
  warnings: string[]
  solcVersion: string
}

interface SolcError {
  severity: 'error' | 'warning' | 'info'
  formattedMessage: string
}
interface SolcContract {
  abi: unknown[]
  evm: { bytecode: { object: string }; deployedBytecode: { object: string } }
}
interface SolcOutput {
  errors?: SolcError[]
  contracts?: Record<string, Record<string, SolcContract>>
}

const listSources = (root: string): string[] => {
  const out: string[] = []
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.sol')) out.push(relative(root, p))
    }
  }
  for (const d of SOURCE_DIRS) walk(join(root, d))
  return out.sort()
}

const require = createRequire(import.meta.url)

/** The bundled solc-js version, read without loading the compiler (its wasm also hooks process events). */
const solcVersion = (): string =>
  (JSON.parse(readFileSync(require.resolve('solc/package.json'), 'utf8')) as { version: string }).version

interface SolcJs {
  compile(input: string): string
}
const loadSolc = (): SolcJs => {
  const before = new Set(process.listeners('unhandledRejection'))
  const solc = require('solc') as SolcJs
  // soljson (emscripten) adds a listener that rethrows every unhandled rejection; keep the host's policy.
  for (const l of process.listeners('unhandledRejection')) if (!before.has(l)) process.off('unhandledRejection', l)
  return solc
}

/**
 * Compile every `contracts/src/**.sol` and `contracts/test/**.sol` with the bundled solc-js and write
 * `contracts/out/<Name>.json` = {abi, bytecode, deployedBytecode}. Skips the work when a hash of the
 * sources, settings and compiler version matches the last build.
 * @throws ContractBuildError on any compiler error or a duplicate contract name
 */
export const compileContracts = (o: CompileOptions = {}): CompileResult => {
  const root = o.dir ?? contractsDir()
  const outDir = o.outDir ?? (o.dir ? join(o.dir, 'out') : artifactsDir())
  const files = listSources(root)
  const sources: Record<string, { content: string }> = {}
  for (const f of files) sources[f] = { content: readFileSync(join(root, f), 'utf8') }
  const version = solcVersion()
  const hash = createHash('sha256')
    .update(JSON.stringify({ version, settings: SOLC_SETTINGS, sources }))
    .digest('hex')
  const stampPath = join(outDir, STAMP_FILE)
  const stamp = readStamp(stampPath)
  if (!o.force && stamp?.hash === hash && stamp.contracts.every((c) => existsSync(join(outDir, `${c}.json`)))) {
    return { compiled: false, contracts: stamp.contracts, warnings: [], solcVersion: version }
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SOLC_SETTINGS,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const solc = loadSolc()
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const problems = output.errors ?? []
  const errors = problems.filter((e) => e.severity === 'error').map((e) => e.formattedMessage)
  if (errors.length > 0) throw new ContractBuildError({ errors })
  const warnings = problems.filter((e) => e.severity === 'warning').map((e) => e.formattedMessage)
  const artifacts = new Map<string, string>()
  for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(contracts)) {
      if (artifacts.has(name))
        throw new ContractBuildError({ errors: [`contract name ${name} is defined twice (${file})`] })
      const artifact = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      }
      artifacts.set(name, `${JSON.stringify(artifact)}\n`)
    }
  }
  mkdirSync(outDir, { recursive: true })
  for (const [name, json] of artifacts) writeAtomic(join(outDir, `${name}.json`), json)
  const contracts = [...artifacts.keys()].sort()
  writeAtomic(
    stampPath,
    `${JSON.stringify({ hash, solcVersion: version, settings: SOLC_SETTINGS, contracts }, null, 1)}\n`,
  )
  return { compiled: true, contracts, warnings, solcVersion: version }
}

const readStamp = (path: string): { hash: string; contracts: string[] } | undefined => {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as { hash?: unknown; contracts?: unknown }
    if (typeof s.hash !== 'string' || !Array.isArray(s.contracts)) return undefined
    return { hash: s.hash, contracts: s.contracts.filter((c): c is string => typeof c === 'string') }
  } catch {
    return undefined
  }
}

/** Write via a temp file + rename so a concurrent reader (parallel test workers) never sees half a file. */
const writeAtomic = (path: string, content: string): void => {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, content)
  renameSync(tmp, path)
}

const main = (): void => {
  const force = process.argv.includes('--force')
  try {
    const r = compileContracts({ force })
    for (const w of r.warnings) process.stderr.write(`${w}\n`)
    process.stdout.write(
      r.compiled ? `contracts: compiled ${r.contracts.length} with solc ${r.solcVersion}\n` : 'contracts: up to date\n',
    )
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main()
