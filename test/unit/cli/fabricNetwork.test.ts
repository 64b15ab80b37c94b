import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { configtxYaml, cryptoConfigYaml, type FabricPorts } from '../../../cli/devnet/fabricConfigFiles.js'
import { isFabricAvailable, startFabricNetwork } from '../../../cli/devnet/startFabricNetwork.js'
import type { RelayError } from '../../../errors.js'
import { rejected } from '../../harness/thrown.js'

const PORTS: FabricPorts = {
  orderer: 40001,
  ordererAdmin: 40002,
  ordererOps: 40003,
  peers: [
    { listen: 40011, chaincode: 40012, ops: 40013 },
    { listen: 40021, chaincode: 40022, ops: 40023 },
  ],
  chaincodeServer: 40031,
}

describe('startFabricNetwork without binaries', () => {
  it('refuses with TOOL_NOT_FOUND telling to run npm run setup:fabric, before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isthmus-nofabric-'))
    try {
      expect(isFabricAvailable(dir)).toBe(false)
      const e = (await rejected(() => startFabricNetwork({ binDir: dir, dir }))) as RelayError
      expect(e.code).toBe('TOOL_NOT_FOUND')
      expect(e.message).toContain('npm run setup:fabric')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('Fabric network config files', () => {
  it('cryptogen: one orderer org, two peer orgs with NodeOUs and loopback SANs', () => {
    const c = parse(cryptoConfigYaml())
    expect(c.OrdererOrgs).toHaveLength(1)
    expect(c.PeerOrgs.map((o: { Name: string }) => o.Name)).toEqual(['Org1', 'Org2'])
    for (const o of [...c.OrdererOrgs, ...c.PeerOrgs]) expect(o.EnableNodeOUs).toBe(true)
    expect(c.PeerOrgs[0].Template.SANS).toContain('127.0.0.1')
  })

  it('configtx: single-node etcdraft on the orderer port, both orgs with their anchor peers, V2_5', () => {
    const c = parse(configtxYaml('/crypto', PORTS)).Profiles.Channel
    expect(c.Orderer.OrdererType).toBe('etcdraft')
    expect(c.Orderer.EtcdRaft.Consenters).toEqual([expect.objectContaining({ Host: '127.0.0.1', Port: 40001 })])
    expect(c.Application.Organizations.map((o: { ID: string }) => o.ID)).toEqual(['Org1MSP', 'Org2MSP'])
    expect(c.Application.Organizations[1].AnchorPeers).toEqual([{ Host: '127.0.0.1', Port: 40021 }])
    expect(c.Application.Capabilities).toEqual({ V2_5: true })
  })
})
