// `npm test`: builds what the tests load (contract artifacts), type-checks, then runs jest's projects
// (unit, integration, e2e) under Node ≥ 22.
// Extra arguments go to jest (e.g. --selectProjects unit).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
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
const args = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, ...process.argv.slice(2)]
const r = spawnSync(node, args, {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    NATS_SERVER_BIN: natsServer,
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
  },
})
process.exit(r.status ?? 1)
