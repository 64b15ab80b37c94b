import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const findRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pj = join(dir, 'package.json')
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'isthmus') return dir
    const up = dirname(dir)
    if (up === dir) return process.cwd()
    dir = up
  }
}
let cached: string | undefined

/** The isthmus package root, found from this file whether it runs from source or from dist/. */
export const projectRoot = (): string => {
  cached ??= findRoot()
  return cached
}

/** The Node ≥ 22 binary to run children with: this process's own when new enough, else the `node` npm package's. */
export const nodeBinary = (): string => {
  const major = Number(process.versions.node.split('.')[0])
  if (major >= 22) return process.execPath
  const local = join(projectRoot(), 'node_modules', 'node', 'bin', 'node')
  return existsSync(local) ? local : process.execPath
}
