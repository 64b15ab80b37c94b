// Build: Solidity artifacts (solc npm package) then TypeScript (dist/). `--contracts` builds only the first.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { node24, ROOT } from './node24.mjs'

const run = (args) => {
  const r = spawnSync(node24(), args, { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
if (existsSync(join(ROOT, 'contracts', 'compile.ts'))) run([tsx, 'contracts/compile.ts'])
if (!process.argv.includes('--contracts'))
  run([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'])
