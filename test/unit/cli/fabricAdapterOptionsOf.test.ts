import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { p256ScalarOf } from '../../../adapters/index.js'
import { fabricAdapterOptionsOf } from '../../../cli/fabricAdapterOptionsOf.js'
import { type FabricChainConfig, parseConfig } from '../../../config/index.js'
import { ConfigInvalidError } from '../../../errors.js'
import { thrown } from '../../harness/thrown.js'

const EXAMPLE = new URL('../../../config/examples/relayer-evm-evm.yaml', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'isthmus-fabric-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return name
}
const fabricEntry = (over: Record<string, unknown> = {}) => ({
  kind: 'fabric',
  ref: 'fabric:isthmus',
  domain: 3,
  peerEndpoint: '127.0.0.1:7051',
  tlsRootCertPath: file('tls.pem', 'TLS CA PEM'),
  tlsHostnameOverride: 'peer0.org1.example.com',
  channel: 'isthmus',
  chaincode: 'bridge',
  mspId: 'Org1MSP',
  identity: { certPath: file('cert.pem', 'CERT PEM'), key: { env: 'ISTHMUS_FABRIC_KEY' } },
  mspRoots: { Org1MSP: [file('org1.pem', 'ORG1 CA')], OrdererMSP: [file('ord.pem', 'ORD CA')] },
  ordererMspIds: ['OrdererMSP'],
  endorsementPolicy: { signedBy: ['Org1MSP', 'Org2MSP'], rule: 'AND' },
  ...over,
})
const configWith = (entry: Record<string, unknown>) => {
  const raw = parse(readFileSync(EXAMPLE, 'utf8'))
  raw.chains = [raw.chains[0], entry]
  delete raw.routes
  return parseConfig(raw)
}

describe('fabric chain config', () => {
  it('parses and becomes adapter options with the PEM files read relative to the config dir', () => {
    const cfg = configWith(fabricEntry())
    const c = cfg.chains[1] as FabricChainConfig
    expect(c.startBlock).toBe(0n)
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const scalar = p256ScalarOf(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
    const o = fabricAdapterOptionsOf(c, scalar, { ...cfg, configDir: dir }, 1)
    expect(o).toMatchObject({
      chain: 'fabric:isthmus',
      tlsRootCertPem: 'TLS CA PEM',
      certPem: 'CERT PEM',
      mspRoots: { Org1MSP: ['ORG1 CA'], OrdererMSP: ['ORD CA'] },
      endorsementPolicy: { signedBy: ['Org1MSP', 'Org2MSP'], rule: 'AND' },
    })
    expect(p256ScalarOf(o.keyPem)).toBe(scalar)
  })

  it('names the field of an unreadable PEM file and refuses a malformed policy', () => {
    const cfg = configWith(fabricEntry({ tlsRootCertPath: 'missing.pem' }))
    const e = thrown(() =>
      fabricAdapterOptionsOf(cfg.chains[1] as FabricChainConfig, `0x${'11'.repeat(32)}`, { ...cfg, configDir: dir }, 1),
    )
    expect(e).toBeInstanceOf(ConfigInvalidError)
    expect((e as ConfigInvalidError).issues[0]!.path).toBe('chains.1.tlsRootCertPath')
    const bad = thrown(() => configWith(fabricEntry({ endorsementPolicy: { signedBy: [], rule: 'OR' } })))
    expect(bad).toBeInstanceOf(ConfigInvalidError)
  })
})
