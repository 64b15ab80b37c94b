import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { proofVerifyCommand } from '../../../cli/commands/proofVerify.js'
import { UsageError } from '../../../errors.js'
import { rejected } from '../../harness/thrown.js'
import { genesisStorageBundle, grandpaBundle, POLKADOT } from '../proofs/substrate/bundles.js'
import { genesis } from '../proofs/substrate/fixtures.js'

describe('isthmus proof verify with Substrate bundles (in process)', () => {
  let dir: string
  const grandpa = grandpaBundle(10, 7)
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'isthmus-proof-substrate-'))
    writeFileSync(join(dir, 'storage.json'), JSON.stringify(genesisStorageBundle()))
    writeFileSync(join(dir, 'message.json'), JSON.stringify({ ...genesisStorageBundle(), message: '0x01' }))
    writeFileSync(join(dir, 'grandpa.json'), JSON.stringify(grandpa))
    writeFileSync(join(dir, 'set.json'), JSON.stringify(grandpa.authoritySet))
    writeFileSync(join(dir, 'other-set.json'), JSON.stringify({ ...grandpa.authoritySet, setId: '8' }))
    writeFileSync(join(dir, 'bad-set.json'), JSON.stringify({ setId: '1', authorities: [] }))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const run = async (argv: string[]) => {
    let out = ''
    const stdout = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk)
        cb()
      },
    })
    const code = await proofVerifyCommand.run({ argv, stdout, stderr: stdout, env: {}, cwd: dir })
    return { code, out }
  }

  it('prints the block, state root and proven entries of a substrate-storage bundle', async () => {
    const r = await run(['storage.json', '--genesis-hash', POLKADOT, '--block-hash', genesis.hash])
    expect(r.code).toBe(0)
    expect(r.out).toContain('VALID substrate-storage proof bundle')
    expect(r.out).toContain(`block        0 ${genesis.hash}`)
    expect(r.out).toContain(`${genesis.expected.absent[0]} = absent`)
    expect(r.out).toContain(`${genesis.expected.present[0]!.key} = 20 bytes 0x0d1456fdda7b8ec7f9e5c794cd83194f0593e4ea`)
    expect(r.out).toContain('anchored to  the block hash given with --block-hash')
  })

  it('exits 1 with CHAIN_MISMATCH for another --genesis-hash', async () => {
    const r = await run(['storage.json', '--json', '--genesis-hash', `0x${'00'.repeat(32)}`])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, reason: 'CHAIN_MISMATCH' })
  })

  it('exits 1 for a storage bundle that claims a message it cannot check', async () => {
    const r = await run(['message.json', '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out)).toMatchObject({ valid: false })
  })

  it('prints the finalized block, round, set and signed weight of a substrate-grandpa bundle', async () => {
    const r = await run(['grandpa.json'])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`finalized    block 5000 ${grandpa.blockHash} (header included)`)
    expect(r.out).toContain('round        12, authority set 7')
    expect(r.out).toContain('signed by    7 authorities, weight 7 of 10 (threshold 7)')
    expect(r.out).toContain('pass --authority-set')
  })

  it('anchors a substrate-grandpa bundle to --authority-set, as JSON too', async () => {
    const r = await run(['grandpa.json', '--json', '--authority-set', 'set.json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({
      valid: true,
      kind: 'substrate-grandpa',
      isAnchored: true,
      setId: '7',
      blockNumber: '5000',
    })
  })

  it('exits 1 with UNKNOWN_AUTHORITY when the trusted set differs', async () => {
    const r = await run(['grandpa.json', '--authority-set', 'other-set.json'])
    expect(r).toMatchObject({ code: 1, out: expect.stringContaining('INVALID INVALID_PROOF UNKNOWN_AUTHORITY') })
  })

  it.each([
    ['a malformed authority-set file', ['grandpa.json', '--authority-set', 'bad-set.json']],
    ['a missing authority-set file', ['grandpa.json', '--authority-set', 'nope.json']],
    ['a short genesis hash', ['grandpa.json', '--genesis-hash', '0x12']],
  ])('throws a usage error (exit 2) for %s', async (_, argv) => {
    expect(await rejected(() => run(argv))).toBeInstanceOf(UsageError)
  })
})
