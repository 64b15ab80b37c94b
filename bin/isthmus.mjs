#!/usr/bin/env node
// The `isthmus` binary. Runs the compiled CLI (dist/) under Node ≥ 22: when started by an
// older Node, it re-executes itself with the Node 24 that the `node` npm package brings.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (Number(process.versions.node.split('.')[0]) < 22) {
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(node24)) {
    process.stderr.write(
      `isthmus needs Node >= 22 (this is ${process.version}); run npm ci to get the bundled Node 24.\n`,
    )
    process.exit(1)
  }
  const r = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
const entry = join(root, 'dist', 'cli', 'main.js')
if (!existsSync(entry)) {
  // The build's progress goes to stderr: stdout belongs to the command (`--json` prints one line).
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: ['inherit', 2, 'inherit'],
  })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
const { main } = await import(pathToFileURL(entry).href)
process.exitCode = await main(process.argv.slice(2))
