import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

const findContractsDir = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'contracts', 'src'))) return join(dir, 'contracts')
    if (existsSync(join(dir, 'src', 'Bridge.sol'))) return dir
    const up = dirname(dir)
    if (up === dir) return join(process.cwd(), 'contracts')
    dir = up
  }
}

/**
 * The `contracts/` folder of the checkout: found by walking up from this file to the folder that
 * holds `contracts/src`, so it works from source (tsx) and from `dist/`.
 */
export const contractsDir = (): string => {
  cached ??= findContractsDir()
  return cached
}

/** Where `compile.ts` writes `<Name>.json` artifacts (git-ignored). */
export const artifactsDir = (): string => join(contractsDir(), 'out')
