// `npm run bench`: build contract artifacts, then run test/bench/runAll.ts under Node ≥ 22 with tsx.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ensureNatsServer } from './ensureTools.mjs'
import { node24, ROOT } from './node24.mjs'

const node = node24()
const build = spawnSync(node, [join(ROOT, 'scripts', 'build.mjs'), '--contracts'], { cwd: ROOT, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const natsServer = ensureNatsServer()
const r = spawnSync(node, ['--import', 'tsx', join(ROOT, 'test', 'bench', 'runAll.ts'), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, NATS_SERVER_BIN: natsServer },
})
process.exit(r.status ?? 1)
