import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encryptKeystoreJson, Wallet } from 'ethers'
import { parse } from 'yaml'
import { loadConfig, parseConfig, resolvePrivateKey } from '../../../config/index.js'
import { ConfigInvalidError, KeyInvalidError } from '../../../errors.js'
import { rejected, thrown } from '../../harness/thrown.js'

const EXAMPLE = new URL('../../../config/examples/relayer-evm-evm.yaml', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'isthmus-config-'))
const write = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
const example = () => parse(readFileSync(EXAMPLE, 'utf8'))
const issuesOf = (fn: () => unknown) => {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(ConfigInvalidError)
  return (e as ConfigInvalidError).issues
}

describe('loadConfig', () => {
  it('loads the shipped example with defaults applied and frozen', () => {
    const c = loadConfig({}, EXAMPLE)
    expect(c.chains).toHaveLength(2)
    expect(c.chains[0]!.kind).toBe('evm')
    if (c.chains[0]!.kind === 'evm') {
      expect(c.chains[0]!.chainId).toBe(31337n)
      expect(c.chains[0]!.pollIntervalMs).toBe(1000)
    }
    expect(c.committee.epoch).toBe(1n)
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.chains[0])).toBe(true)
  })

  it('reports the line and column of a YAML syntax error', () => {
    const p = write('broken.yaml', 'node:\n  memberId: [unclosed\n')
    const issues = issuesOf(() => loadConfig({}, p))
    expect(issues[0]!.path).toMatch(/line \d+, column \d+/)
  })

  it('reports an unreadable file as ConfigInvalidError', () => {
    expect(issuesOf(() => loadConfig({}, join(dir, 'missing.yaml')))[0]!.message).toMatch(/cannot read/)
  })

  it('refuses duplicate keys in YAML', () => {
    const p = write('dup.yaml', 'logLevel: info\nlogLevel: debug\n')
    expect(issuesOf(() => loadConfig({}, p)).length).toBeGreaterThan(0)
  })
})

describe('parseConfig', () => {
  it('lists every issue with its path, not only the first', () => {
    const raw = example()
    raw.chains[0].rpcUrls = ['not a url']
    raw.chains[1].domain = -1
    raw.logLevel = 'loud'
    const paths = issuesOf(() => parseConfig(raw)).map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['chains.0.rpcUrls.0', 'chains.1.domain', 'logLevel']))
  })

  it('refuses a private key pasted into the config', () => {
    const raw = example()
    raw.chains[0].signer = `0x${'ab'.repeat(32)}`
    const issues = issuesOf(() => parseConfig(raw))
    expect(issues.some((i) => i.path === 'chains.0.signer' && /private key/.test(i.message))).toBe(true)
  })

  it('refuses a field named like a secret', () => {
    const raw = example()
    raw.node.mnemonic = 'test test test'
    expect(issuesOf(() => parseConfig(raw)).some((i) => i.path === 'node.mnemonic')).toBe(true)
  })

  it('refuses duplicate domains and chain refs', () => {
    const raw = example()
    raw.chains[1].domain = raw.chains[0].domain
    raw.chains[1].ref = raw.chains[0].ref
    const msgs = issuesOf(() => parseConfig(raw)).map((i) => i.message)
    expect(msgs.some((m) => /domain 1 appears twice/.test(m))).toBe(true)
    expect(msgs.some((m) => /appears twice/.test(m))).toBe(true)
  })

  it.each([
    [0, /threshold|≥|greater/],
    [4, /exceeds/],
    [1, /NT-08/],
  ])('refuses threshold %i for 3 members', (threshold, re) => {
    const raw = example()
    raw.committee.threshold = threshold
    expect(issuesOf(() => parseConfig(raw)).some((i) => re.test(i.message))).toBe(true)
  })

  it('applies the bft policy floor ⌊2N/3⌋+1 (NT-08)', () => {
    const raw = example()
    raw.committee.policy = 'bft'
    expect(issuesOf(() => parseConfig(raw)).some((i) => /needs threshold ≥ 3/.test(i.message))).toBe(true)
  })

  it('refuses two keys under one operator or custody domain (NT-01)', () => {
    const raw = example()
    raw.committee.members[1].operatorId = raw.committee.members[0].operatorId
    raw.committee.members[2].custodyDomain = raw.committee.members[0].custodyDomain
    const msgs = issuesOf(() => parseConfig(raw)).map((i) => i.message)
    expect(msgs.some((m) => /operator org-a holds more than one/.test(m))).toBe(true)
    expect(msgs.some((m) => /custody domain org-a-kms holds more than one/.test(m))).toBe(true)
  })

  it('refuses a node that is not a committee member, routes to unknown chains and unknown fields', () => {
    const raw = example()
    raw.node.memberId = 'stranger'
    raw.routes.push({ from: 'evm:1', to: 'evm:31337' })
    raw.extra = true
    const paths = issuesOf(() => parseConfig(raw)).map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['node.memberId', 'routes.2.from', '']))
  })

  it('refuses fewer than two chains and a chain id beyond 2^96', () => {
    const raw = example()
    raw.chains = [raw.chains[0]]
    raw.chains[0].chainId = (2n ** 96n).toString()
    const paths = issuesOf(() => parseConfig(raw)).map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['chains', 'chains.0.chainId']))
  })
})

describe('resolvePrivateKey', () => {
  const key = `0x${'11'.repeat(32)}`
  it('reads a key from the named env var', async () => {
    expect(await resolvePrivateKey({ env: 'K' }, { K: key }, dir)).toBe(key)
  })

  it('refuses an unset or malformed env var without echoing it', async () => {
    const e1 = await rejected(() => resolvePrivateKey({ env: 'K' }, {}, dir))
    expect(e1).toBeInstanceOf(KeyInvalidError)
    const e2 = (await rejected(() => resolvePrivateKey({ env: 'K' }, { K: '0x1234secret' }, dir))) as Error
    expect(e2).toBeInstanceOf(KeyInvalidError)
    expect(e2.message).not.toContain('secret')
  })

  it('decrypts a keystore with the password from env, and refuses a wrong password', async () => {
    const w = new Wallet(key)
    write('ks.json', await encryptKeystoreJson({ address: w.address, privateKey: key }, 'pw', { scrypt: { N: 1024 } }))
    expect(await resolvePrivateKey({ keystore: 'ks.json', passwordEnv: 'P' }, { P: 'pw' }, dir)).toBe(key)
    expect(
      await rejected(() => resolvePrivateKey({ keystore: 'ks.json', passwordEnv: 'P' }, { P: 'nope' }, dir)),
    ).toBeInstanceOf(KeyInvalidError)
  })
})
