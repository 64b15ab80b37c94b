/**
 * The configuration files of the local Fabric network: cryptogen's crypto-config.yaml,
 * configtxgen's configtx.yaml, and each node's core.yaml / orderer.yaml (Fabric's sampleconfig of
 * the same commit with every address, path and TLS setting replaced).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'

export interface FabricPorts {
  orderer: number
  ordererAdmin: number
  ordererOps: number
  peers: { listen: number; chaincode: number; ops: number }[]
  chaincodeServer: number
}

export interface FabricOrg {
  name: string
  mspId: string
  domain: string
}

/** The devnet orderer's BatchTimeout; the relayer configs carry it as `batchTimeoutMs` (API quotes). */
export const FABRIC_BATCH_TIMEOUT_MS = 250

export const ORDERER_ORG: FabricOrg = { name: 'OrdererOrg', mspId: 'OrdererMSP', domain: 'example.com' }
export const PEER_ORGS: FabricOrg[] = [
  { name: 'Org1', mspId: 'Org1MSP', domain: 'org1.example.com' },
  { name: 'Org2', mspId: 'Org2MSP', domain: 'org2.example.com' },
]

/** Where cryptogen puts an organisation's files. */
export const orgPaths = (crypto: string, org: FabricOrg, kind: 'peer' | 'orderer') => {
  const base = join(crypto, kind === 'peer' ? 'peerOrganizations' : 'ordererOrganizations', org.domain)
  const node = kind === 'peer' ? `peer0.${org.domain}` : `orderer.${org.domain}`
  const nodeDir = join(base, kind === 'peer' ? 'peers' : 'orderers', node)
  const user = (u: string) => join(base, 'users', `${u}@${org.domain}`)
  return {
    msp: join(base, 'msp'),
    node,
    nodeMsp: join(nodeDir, 'msp'),
    nodeTls: join(nodeDir, 'tls'),
    tlsCa: join(base, 'tlsca', `tlsca.${org.domain}-cert.pem`),
    ca: join(base, 'ca', `ca.${org.domain}-cert.pem`),
    adminMsp: join(user('Admin'), 'msp'),
    adminTls: join(user('Admin'), 'tls'),
    userMsp: join(user('User1'), 'msp'),
  }
}

export const cryptoConfigYaml = (): string =>
  stringify({
    OrdererOrgs: [
      {
        Name: ORDERER_ORG.name,
        Domain: ORDERER_ORG.domain,
        EnableNodeOUs: true,
        Specs: [{ Hostname: 'orderer', SANS: ['127.0.0.1', 'localhost'] }],
      },
    ],
    PeerOrgs: PEER_ORGS.map((o) => ({
      Name: o.name,
      Domain: o.domain,
      EnableNodeOUs: true,
      Template: { Count: 1, SANS: ['127.0.0.1', 'localhost'] },
      Users: { Count: 1 },
    })),
  })

const sig = (rule: string) => ({ Type: 'Signature', Rule: rule })
const meta = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule })

/** configtx.yaml with one profile, `Channel`: etcdraft single node, both peer orgs. */
export const configtxYaml = (crypto: string, ports: FabricPorts): string => {
  const o = orgPaths(crypto, ORDERER_ORG, 'orderer')
  const ordererOrg = {
    Name: ORDERER_ORG.name,
    ID: ORDERER_ORG.mspId,
    MSPDir: o.msp,
    Policies: {
      Readers: sig(`OR('${ORDERER_ORG.mspId}.member')`),
      Writers: sig(`OR('${ORDERER_ORG.mspId}.member')`),
      Admins: sig(`OR('${ORDERER_ORG.mspId}.admin')`),
    },
    OrdererEndpoints: [`127.0.0.1:${ports.orderer}`],
  }
  const peerOrgs = PEER_ORGS.map((org, i) => {
    const m = org.mspId
    return {
      Name: org.name,
      ID: m,
      MSPDir: orgPaths(crypto, org, 'peer').msp,
      Policies: {
        Readers: sig(`OR('${m}.admin', '${m}.peer', '${m}.client')`),
        Writers: sig(`OR('${m}.admin', '${m}.client')`),
        Admins: sig(`OR('${m}.admin')`),
        Endorsement: sig(`OR('${m}.peer')`),
      },
      AnchorPeers: [{ Host: '127.0.0.1', Port: ports.peers[i]!.listen }],
    }
  })
  const common = { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins') }
  return stringify({
    Profiles: {
      Channel: {
        Policies: common,
        Capabilities: { V2_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          BatchTimeout: `${FABRIC_BATCH_TIMEOUT_MS}ms`,
          BatchSize: { MaxMessageCount: 100, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
          EtcdRaft: {
            Consenters: [
              {
                Host: '127.0.0.1',
                Port: ports.orderer,
                ClientTLSCert: join(o.nodeTls, 'server.crt'),
                ServerTLSCert: join(o.nodeTls, 'server.crt'),
              },
            ],
            Options: {
              TickInterval: '100ms',
              ElectionTick: 10,
              HeartbeatTick: 1,
              MaxInflightBlocks: 5,
              SnapshotIntervalSize: '16 MB',
            },
          },
          Organizations: [ordererOrg],
          Policies: { ...common, BlockValidation: meta('ANY Writers') },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: peerOrgs,
          Policies: {
            ...common,
            LifecycleEndorsement: meta('MAJORITY Endorsement'),
            Endorsement: meta('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  })
}

type Obj = Record<string, unknown>
/** The parts of the sample core.yaml this file rewrites. */
interface CoreYaml {
  peer: Obj & { gossip: Obj; tls: Obj }
  vm: Obj
  chaincode: Obj
  operations: Obj
  metrics: Obj
}
/** The parts of the sample orderer.yaml this file rewrites. */
interface OrdererYaml {
  General: Obj & { TLS: Obj; Cluster: Obj }
  FileLedger: Obj
  Consensus: Obj
  Admin: Obj
  ChannelParticipation: Obj
  Operations: Obj
  Metrics: Obj
}

/** core.yaml of peer `i`: loopback addresses, TLS, its own data dir, the CCaaS builder, no Docker. */
export const coreYaml = (p: {
  sample: string
  crypto: string
  index: number
  ports: FabricPorts
  dataDir: string
  builderDir: string
}): string => {
  const c = parse(readFileSync(p.sample, 'utf8')) as CoreYaml
  const org = PEER_ORGS[p.index]!
  const paths = orgPaths(p.crypto, org, 'peer')
  const port = p.ports.peers[p.index]!
  const addr = `127.0.0.1:${port.listen}`
  Object.assign(c.peer, {
    id: paths.node,
    networkId: 'isthmus',
    listenAddress: addr,
    address: addr,
    chaincodeListenAddress: `127.0.0.1:${port.chaincode}`,
    chaincodeAddress: `127.0.0.1:${port.chaincode}`,
    addressAutoDetect: false,
    fileSystemPath: p.dataDir,
    mspConfigPath: paths.nodeMsp,
    localMspId: org.mspId,
  })
  Object.assign(c.peer.gossip, {
    bootstrap: addr,
    endpoint: addr,
    externalEndpoint: addr,
    useLeaderElection: false,
    orgLeader: true,
    // A two-peer loopback network converges in seconds instead of the sample's ~25 s.
    aliveTimeInterval: '1s',
    aliveExpirationTimeout: '5s',
    reconnectInterval: '1s',
    membershipTrackerInterval: '1s',
    publishStateInfoInterval: '500ms',
    requestStateInfoInterval: '500ms',
    pullInterval: '1s',
    publishCertPeriod: '2s',
  })
  Object.assign(c.peer.tls, {
    enabled: true,
    cert: { file: join(paths.nodeTls, 'server.crt') },
    key: { file: join(paths.nodeTls, 'server.key') },
    rootcert: { file: join(paths.nodeTls, 'ca.crt') },
    clientRootCAs: { files: [join(paths.nodeTls, 'ca.crt')] },
  })
  c.vm.endpoint = ''
  c.chaincode.externalBuilders = [{ name: 'ccaas_builder', path: p.builderDir, propagateEnvironment: [] }]
  c.operations.listenAddress = `127.0.0.1:${port.ops}`
  c.metrics.provider = 'disabled'
  return stringify(c)
}

/** orderer.yaml: TLS, BootstrapMethod none + channel participation API, its own data dirs. */
export const ordererYaml = (p: { sample: string; crypto: string; ports: FabricPorts; dataDir: string }): string => {
  const c = parse(readFileSync(p.sample, 'utf8')) as OrdererYaml
  const o = orgPaths(p.crypto, ORDERER_ORG, 'orderer')
  const tls = (f: string) => join(o.nodeTls, f)
  Object.assign(c.General, {
    ListenAddress: '127.0.0.1',
    ListenPort: p.ports.orderer,
    BootstrapMethod: 'none',
    LocalMSPDir: o.nodeMsp,
    LocalMSPID: ORDERER_ORG.mspId,
  })
  Object.assign(c.General.TLS, {
    Enabled: true,
    PrivateKey: tls('server.key'),
    Certificate: tls('server.crt'),
    RootCAs: [tls('ca.crt')],
  })
  Object.assign(c.General.Cluster, { ClientCertificate: tls('server.crt'), ClientPrivateKey: tls('server.key') })
  c.FileLedger.Location = join(p.dataDir, 'ledger')
  c.Consensus = { WALDir: join(p.dataDir, 'wal'), SnapDir: join(p.dataDir, 'snap') }
  c.Admin = {
    ListenAddress: `127.0.0.1:${p.ports.ordererAdmin}`,
    TLS: {
      Enabled: true,
      Certificate: tls('server.crt'),
      PrivateKey: tls('server.key'),
      ClientAuthRequired: true,
      ClientRootCAs: [tls('ca.crt')],
    },
  }
  c.ChannelParticipation = { Enabled: true, MaxRequestBodySize: '1 MB' }
  c.Operations.ListenAddress = `127.0.0.1:${p.ports.ordererOps}`
  c.Metrics = { Provider: 'disabled' }
  return stringify(c)
}
