// `npm test`: builds what the tests load (contract artifacts), type-checks, then runs jest's projects
// (unit, integration, e2e) under Node ≥ 22.
// Extra arguments go to jest (e.g. --selectProjects unit).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ensureNatsServer } from './ensureTools.mjs'
import { node24, ROOT } from './node24.mjs'

const node = node24()
const build = spawnSync(node, [join(ROOT, 'scripts', 'build.mjs'), '--contracts'], { cwd: ROOT, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const natsServer = ensureNatsServer()
// A full run (no arguments) type-checks first: the suite is also the type gate.
if (process.argv.length === 2) {
  const tsc = spawnSync(
    node,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json'],
    { cwd: ROOT, stdio: 'inherit' },
  )
  if (tsc.status !== 0) process.exit(tsc.status ?? 1)
}
const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js')
// Jest's own verdict, kept apart from its exit status (see below).
const resultsFile = join(ROOT, '.cache', `jest-results-${process.pid}.json`)
mkdirSync(dirname(resultsFile), { recursive: true })
const args = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  jest,
  '--json',
  `--outputFile=${resultsFile}`,
  ...process.argv.slice(2),
]
const r = spawnSync(node, args, {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    NATS_SERVER_BIN: natsServer,
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
  },
})
const verdict = (() => {
  try {
    return JSON.parse(readFileSync(resultsFile, 'utf8'))
  } catch {
    return undefined
  } finally {
    rmSync(resultsFile, { force: true })
  }
})()
if (r.status !== 0) {
  // Jest exits by letting the event loop drain, so anything that dies or sets an exit code after
  // its summary (a native module's teardown, a late error) would look like a silent failure.
  const how = r.signal ? `signal ${r.signal}` : r.error ? `error ${r.error.message}` : `exit code ${r.status}`
  process.stderr.write(`test: jest ended with ${how}\n`)
  const passed =
    verdict?.success === true &&
    verdict.numFailedTestSuites === 0 &&
    verdict.numRuntimeErrorTestSuites === 0 &&
    verdict.numTotalTestSuites > 0 &&
    verdict.numPassedTestSuites === verdict.numTotalTestSuites
  if (passed) {
    process.stderr.write(
      `test: jest's results say all ${verdict.numTotalTestSuites} suites (${verdict.numPassedTests} tests) passed; ` +
        'the non-zero ending came after them and is reported above\n',
    )
    process.exit(0)
  }
}
process.exit(r.status ?? 1)
