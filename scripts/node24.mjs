// The Node ≥ 22 binary for child processes: this one when new enough, else the `node` npm package's.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const node24 = () => {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath
  const local = join(ROOT, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(local)) {
    process.stderr.write(
      `Node ${process.versions.node} is too old and ${local} is missing: run npm ci (the "node" package brings Node 24).\n`,
    )
    process.exit(1)
  }
  return local
}
