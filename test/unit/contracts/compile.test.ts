import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileContracts } from '../../../contracts/compile.js'
import { ContractBuildError } from '../../../errors.js'
import { thrown } from '../../harness/thrown.js'

const GOOD = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;
contract Counter { uint256 public n; function bump() external { n += 1; } }
`

describe('compileContracts', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isthmus-solc-'))
    mkdirSync(join(dir, 'src'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes {abi, bytecode, deployedBytecode} per contract, then skips when nothing changed', () => {
    writeFileSync(join(dir, 'src', 'Counter.sol'), GOOD)
    const first = compileContracts({ dir })
    expect(first).toMatchObject({ compiled: true, contracts: ['Counter'] })
    const art = JSON.parse(readFileSync(join(dir, 'out', 'Counter.json'), 'utf8'))
    expect(Object.keys(art).sort()).toEqual(['abi', 'bytecode', 'deployedBytecode'])
    expect(art.abi.map((x: { name: string }) => x.name).sort()).toEqual(['bump', 'n'])
    expect(art.bytecode).toMatch(/^0x[0-9a-f]{100,}$/)
    expect(compileContracts({ dir }).compiled).toBe(false)
    writeFileSync(join(dir, 'src', 'Counter.sol'), GOOD.replace('n += 1', 'n += 2'))
    expect(compileContracts({ dir }).compiled).toBe(true)
  }, 60_000)

  it('throws ContractBuildError with the compiler message on a syntax error, writing nothing', () => {
    writeFileSync(join(dir, 'src', 'Broken.sol'), 'pragma solidity 0.8.30;\ncontract Broken { function f( }\n')
    const err = thrown(() => compileContracts({ dir }))
    expect(err).toBeInstanceOf(ContractBuildError)
    expect((err as ContractBuildError).message).toContain('ParserError')
    expect(existsSync(join(dir, 'out'))).toBe(false)
  }, 60_000)

  it('refuses two contracts with the same name', () => {
    writeFileSync(join(dir, 'src', 'A.sol'), GOOD)
    mkdirSync(join(dir, 'test'))
    writeFileSync(join(dir, 'test', 'B.sol'), GOOD)
    const err = thrown(() => compileContracts({ dir }))
    expect(err).toBeInstanceOf(ContractBuildError)
    expect((err as ContractBuildError).message).toContain('Counter is defined twice')
  }, 60_000)
})
