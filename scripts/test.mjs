// `npm test`: builds what the tests load (contract artifacts), then runs jest's projects under Node ≥ 22.
// Extra arguments go to jest (e.g. --selectProjects unit).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { node24, ROOT } from './node24.mjs'

const node = node24()
const build = spawnSync(node, [join(ROOT, 'scripts', 'build.mjs'), '--contracts'], { cwd: ROOT, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js')
const args = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, ...process.argv.slice(2)]
const r = spawnSync(node, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}` } })
process.exit(r.status ?? 1)
