import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JsonFragment } from 'ethers'
import { ContractBuildError } from '../errors.js'
import type { Hex } from '../types.js'
import { artifactsDir } from './paths.js'

/** What `contracts/compile.ts` writes for each contract: `contracts/out/<Name>.json`. */
export interface ContractArtifact {
  abi: readonly JsonFragment[]
  bytecode: Hex
  deployedBytecode: Hex
}

const cache = new Map<string, ContractArtifact>()

/**
 * Load a compiled contract by name (`loadArtifact('Bridge')`).
 * @throws ContractBuildError when the artifact is missing (run `npm run build:contracts`) or malformed
 */
export const loadArtifact = (name: string): ContractArtifact => {
  const hit = cache.get(name)
  if (hit) return hit
  const path = join(artifactsDir(), `${name}.json`)
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || !existsSync(path)) {
    throw new ContractBuildError({
      errors: [`no artifact for contract "${name}" at ${path}; run npm run build:contracts`],
    })
  }
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<ContractArtifact>
  if (!Array.isArray(raw.abi) || typeof raw.bytecode !== 'string' || typeof raw.deployedBytecode !== 'string') {
    throw new ContractBuildError({ errors: [`artifact ${path} lacks abi/bytecode/deployedBytecode`] })
  }
  const artifact: ContractArtifact = { abi: raw.abi, bytecode: raw.bytecode, deployedBytecode: raw.deployedBytecode }
  cache.set(name, artifact)
  return artifact
}
