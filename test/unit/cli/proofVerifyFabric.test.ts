import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { proofVerifyCommand } from '../../../cli/commands/proofVerify.js'
import { UsageError } from '../../../errors.js'
import { rejected } from '../../harness/thrown.js'
import { buildBundle, flipLastByte, PARTIES, TRUST } from '../proofs/fabric/fabricBlockBuilder.js'

describe('isthmus proof verify (fabric-block)', () => {
  let dir: string
  const valid = buildBundle()
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'isthmus-fabric-proof-'))
    writeFileSync(join(dir, 'valid.json'), JSON.stringify(valid))
    writeFileSync(
      join(dir, 'bad-endorsement.json'),
      JSON.stringify(buildBundle({ tx: { endorsementSig: (_i, s) => flipLastByte(s) } })),
    )
    writeFileSync(join(dir, 'trust.json'), JSON.stringify(TRUST))
    writeFileSync(join(dir, 'other-orderer.json'), JSON.stringify({ ...TRUST, ordererMspIds: ['Org1MSP'] }))
    writeFileSync(join(dir, 'broken-trust.json'), JSON.stringify({ ...TRUST, endorsementPolicy: { signedBy: [] } }))
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

  it('verifies against the trust file and says it is anchored to it', async () => {
    const r = await run(['valid.json', '--fabric-trust', 'trust.json'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('VALID fabric-block proof bundle')
    expect(r.out).toContain('endorsed by Org1MSP, Org2MSP')
    expect(r.out).toContain('anchored to  the MSP roots')
    expect(r.out).toContain(PARTIES.org1Client.mspId)
  })

  it('refuses to use the bundle-carried roots unless --trust-bundle-roots acknowledges it', async () => {
    const refused = await run(['valid.json', '--json'])
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.out)).toMatchObject({ valid: false, reason: 'UNKNOWN_AUTHORITY' })
    const accepted = await run(['valid.json', '--trust-bundle-roots'])
    expect(accepted.code).toBe(0)
    expect(accepted.out).toContain("the bundle's own (--trust-bundle-roots)")
  })

  it('exits 1 with the reason for a tampered endorsement and for an untrusted orderer', async () => {
    const bad = await run(['bad-endorsement.json', '--fabric-trust', 'trust.json', '--json'])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.out)).toMatchObject({ valid: false, code: 'INVALID_PROOF', reason: 'SIGNATURE_INVALID' })
    const orderer = await run(['valid.json', '--fabric-trust', 'other-orderer.json'])
    expect(orderer).toMatchObject({ code: 1, out: expect.stringContaining('INVALID INVALID_PROOF UNKNOWN_AUTHORITY') })
  })

  it('prints the result as JSON with --json', async () => {
    const r = await run(['valid.json', '--fabric-trust', 'trust.json', '--json'])
    expect(JSON.parse(r.out)).toMatchObject({
      valid: true,
      kind: 'fabric-block',
      blockNumber: '42',
      endorsingMspIds: ['Org1MSP', 'Org2MSP'],
    })
  })

  it('is a usage error when the trust file is missing or malformed', async () => {
    expect(await rejected(() => run(['valid.json', '--fabric-trust', 'nope.json']))).toBeInstanceOf(UsageError)
    const e = await rejected(() => run(['valid.json', '--fabric-trust', 'broken-trust.json']))
    expect(e).toBeInstanceOf(UsageError)
    expect((e as UsageError).message).toContain('endorsementPolicy.signedBy')
  })
})
