/**
 * A real local Hyperledger Fabric network without Docker: two peer organisations (one peer each),
 * one orderer organisation (one etcdraft orderer, channel participation API), one channel, and the
 * project's bridge chaincode run as a chaincode service, with the endorsement policy
 * AND('Org1MSP.peer','Org2MSP.peer'). Every listener is a free loopback port; TLS everywhere but
 * on the peer → chaincode-server loopback link. Binaries from `npm run setup:fabric`.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ProcessFailedError, ToolNotFoundError } from '../../errors.js'
import {
  configtxYaml,
  coreYaml,
  cryptoConfigYaml,
  type FabricPorts,
  ORDERER_ORG,
  ordererYaml,
  orgPaths,
  PEER_ORGS,
} from './fabricConfigFiles.js'
import { freeLoopbackPort } from './freeLoopbackPort.js'
import { projectRoot } from './projectRoot.js'
import { type ManagedProcess, spawnManaged } from './spawnManaged.js'

export const FABRIC_COMMANDS = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin'] as const
export const FABRIC_SETUP_HINT = 'run npm run setup:fabric'
export const ENDORSEMENT_POLICY = "AND('Org1MSP.peer','Org2MSP.peer')"

/** An identity that can sign Fabric transactions (PEM certificate and PKCS#8 key). */
export interface FabricIdentity {
  mspId: string
  certPem: string
  keyPem: string
}

export interface FabricPeer {
  mspId: string
  /** `127.0.0.1:<port>` (gRPC, TLS). */
  endpoint: string
  /** The peer organisation's TLS CA certificate (PEM). */
  tlsRootCertPem: string
  /** The gRPC authority the peer's TLS certificate names. */
  hostname: string
  process: ManagedProcess
}

export interface FabricNetwork {
  channel: string
  chaincode: string
  dir: string
  peers: FabricPeer[]
  orderer: { endpoint: string; adminEndpoint: string; tlsRootCertPem: string; process: ManagedProcess }
  chaincodeServer: ManagedProcess
  packageId: string
  /** MSP root (CA) certificates by MSP id: both peer orgs and the orderer org. */
  mspRoots: Record<string, string[]>
  ordererMspIds: string[]
  endorsementPolicy: { signedBy: string[]; rule: 'AND' }
  /** Org admins and users (`Org1MSP` → { admin, user }). */
  identities: Record<string, { admin: FabricIdentity; user: FabricIdentity }>
  /** Milliseconds from start to a committed chaincode definition. */
  bringUpMs: number
  /** Stop every process (chaincode, peers, orderer) and delete the temp dir unless `keepDir`. */
  stop(): Promise<void>
}

export interface StartFabricNetworkOptions {
  /** Directory of the five binaries (default `.cache/fabric/bin`). */
  binDir?: string
  /** Fabric's sampleconfig (default `.cache/fabric/config`). */
  configDir?: string
  /** The CCaaS external builder (default `.cache/fabric/ccaas`). */
  builderDir?: string
  /** Everything goes here (default: a fresh temp dir, deleted by `stop`). */
  dir?: string
  channel?: string
  chaincode?: string
  readyTimeoutMs?: number
  /** Write each process's output to `<dir>/logs/<name>.log`. */
  logs?: boolean
}

const fabricCache = () => join(projectRoot(), '.cache', 'fabric')

/** True when `npm run setup:fabric` has put every binary in place. */
export const isFabricAvailable = (binDir = join(fabricCache(), 'bin')): boolean =>
  FABRIC_COMMANDS.every((c) => existsSync(join(binDir, c))) &&
  existsSync(join(fabricCache(), 'config', 'core.yaml')) &&
  existsSync(join(fabricCache(), 'ccaas', 'bin', 'detect'))

const freePort = () => freeLoopbackPort('fabric-network')

/** Run a Fabric CLI to completion. @throws ProcessFailedError with its output */
export const runFabricCli = (
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<string> =>
  new Promise((resolve, reject) => {
    const name = bin.split('/').pop() ?? bin
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (cause) => {
      clearTimeout(timer)
      reject(new ProcessFailedError({ name, detail: `could not run ${args[0]}`, cause }))
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else
        reject(
          new ProcessFailedError({
            name,
            detail: `${args.slice(0, 3).join(' ')} exited ${code}:\n${out.slice(-3000)}`,
          }),
        )
    })
  })

const pemIn = (dir: string) => readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')
const identityOf = (msp: string, mspId: string): FabricIdentity => ({
  mspId,
  certPem: pemIn(join(msp, 'signcerts')),
  keyPem: pemIn(join(msp, 'keystore')),
})

/** A ccaas chaincode package: metadata.json + code.tar.gz(connection.json). @returns the package id */
const writeCcaasPackage = async (
  dir: string,
  label: string,
  address: string,
): Promise<{ file: string; id: string }> => {
  const src = join(dir, 'ccpkg')
  mkdirSync(src, { recursive: true })
  writeFileSync(join(src, 'connection.json'), JSON.stringify({ address, dial_timeout: '10s', tls_required: false }))
  writeFileSync(join(src, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }))
  await runFabricCli('tar', ['-C', src, '-czf', join(src, 'code.tar.gz'), 'connection.json'], process.env)
  const file = join(dir, `${label}.tgz`)
  await runFabricCli('tar', ['-C', src, '-czf', file, 'metadata.json', 'code.tar.gz'], process.env)
  return { file, id: `${label}:${createHash('sha256').update(readFileSync(file)).digest('hex')}` }
}

/**
 * Bring the network up and commit the chaincode definition (the chaincode is not initialised:
 * the caller submits `initialize` with the committee and domain it wants).
 * @throws ToolNotFoundError when the binaries are missing ("run npm run setup:fabric")
 * @throws ProcessFailedError when a node or CLI step fails (its output attached)
 */
export const startFabricNetwork = async (o: StartFabricNetworkOptions = {}): Promise<FabricNetwork> => {
  const started = Date.now()
  const binDir = o.binDir ?? join(fabricCache(), 'bin')
  const configDir = o.configDir ?? join(fabricCache(), 'config')
  const builderDir = o.builderDir ?? join(fabricCache(), 'ccaas')
  if (!isFabricAvailable(binDir))
    throw new ToolNotFoundError({
      tool: 'Hyperledger Fabric (peer, orderer, configtxgen, cryptogen, osnadmin)',
      searched: [binDir],
      install: FABRIC_SETUP_HINT,
    })
  const bin = (c: (typeof FABRIC_COMMANDS)[number]) => join(binDir, c)
  const channel = o.channel ?? 'isthmus'
  const chaincode = o.chaincode ?? 'bridge'
  const readyMs = o.readyTimeoutMs ?? 60_000
  const ownDir = o.dir === undefined
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'isthmus-fabric-'))
  mkdirSync(dir, { recursive: true })
  const crypto = join(dir, 'crypto')
  const procs: ManagedProcess[] = []
  const logFile = (name: string) => (o.logs ? { logFile: join(dir, 'logs', `${name}.log`) } : {})
  const stopAll = async () => {
    for (const p of procs.reverse()) await p.stop(5_000)
  }
  try {
    const ports: FabricPorts = {
      orderer: await freePort(),
      ordererAdmin: await freePort(),
      ordererOps: await freePort(),
      peers: [],
      chaincodeServer: await freePort(),
    }
    for (const _ of PEER_ORGS)
      ports.peers.push({ listen: await freePort(), chaincode: await freePort(), ops: await freePort() })

    // Crypto material and the channel's genesis block.
    writeFileSync(join(dir, 'crypto-config.yaml'), cryptoConfigYaml())
    await runFabricCli(
      bin('cryptogen'),
      ['generate', `--config=${join(dir, 'crypto-config.yaml')}`, `--output=${crypto}`],
      process.env,
    )
    const txDir = join(dir, 'configtx')
    mkdirSync(txDir, { recursive: true })
    writeFileSync(join(txDir, 'configtx.yaml'), configtxYaml(crypto, ports))
    const genesis = join(dir, `${channel}.block`)
    await runFabricCli(
      bin('configtxgen'),
      ['-profile', 'Channel', '-outputBlock', genesis, '-channelID', channel, '-configPath', txDir],
      { ...process.env, FABRIC_CFG_PATH: txDir },
    )

    // Orderer, joined to the channel through the channel participation API.
    const oPaths = orgPaths(crypto, ORDERER_ORG, 'orderer')
    const oCfg = join(dir, 'orderer')
    mkdirSync(oCfg, { recursive: true })
    writeFileSync(
      join(oCfg, 'orderer.yaml'),
      ordererYaml({ sample: join(configDir, 'orderer.yaml'), crypto, ports, dataDir: join(oCfg, 'data') }),
    )
    const orderer = spawnManaged({
      name: 'fabric-orderer',
      command: bin('orderer'),
      args: [],
      env: { ...process.env, FABRIC_CFG_PATH: oCfg, FABRIC_LOGGING_SPEC: 'info' },
      ...logFile('orderer'),
    })
    procs.push(orderer)
    await orderer.waitFor(/Beginning to serve requests/, readyMs)
    const ordererCa = join(oPaths.nodeTls, 'ca.crt')
    await runFabricCli(
      bin('osnadmin'),
      [
        'channel',
        'join',
        '--channelID',
        channel,
        '--config-block',
        genesis,
        '-o',
        `127.0.0.1:${ports.ordererAdmin}`,
        '--ca-file',
        ordererCa,
        '--client-cert',
        join(oPaths.adminTls, 'client.crt'),
        '--client-key',
        join(oPaths.adminTls, 'client.key'),
      ],
      process.env,
    )

    // Peers.
    const peers: FabricPeer[] = []
    const adminEnv: NodeJS.ProcessEnv[] = []
    for (const [i, org] of PEER_ORGS.entries()) {
      const p = orgPaths(crypto, org, 'peer')
      const cfg = join(dir, `peer${i}`)
      mkdirSync(cfg, { recursive: true })
      writeFileSync(
        join(cfg, 'core.yaml'),
        coreYaml({
          sample: join(configDir, 'core.yaml'),
          crypto,
          index: i,
          ports,
          dataDir: join(cfg, 'data'),
          builderDir,
        }),
      )
      const proc = spawnManaged({
        name: `fabric-peer${i}`,
        command: bin('peer'),
        args: ['node', 'start'],
        env: { ...process.env, FABRIC_CFG_PATH: cfg, FABRIC_LOGGING_SPEC: 'info' },
        ...logFile(`peer${i}`),
      })
      procs.push(proc)
      const endpoint = `127.0.0.1:${ports.peers[i]!.listen}`
      peers.push({
        mspId: org.mspId,
        endpoint,
        tlsRootCertPem: readFileSync(p.tlsCa, 'utf8'),
        hostname: p.node,
        process: proc,
      })
      adminEnv.push({
        ...process.env,
        FABRIC_CFG_PATH: cfg,
        FABRIC_LOGGING_SPEC: 'warning',
        CORE_PEER_LOCALMSPID: org.mspId,
        CORE_PEER_MSPCONFIGPATH: p.adminMsp,
        CORE_PEER_ADDRESS: endpoint,
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_ROOTCERT_FILE: p.tlsCa,
      })
    }
    for (const p of peers) await p.process.waitFor(/Started peer with ID/, readyMs)
    for (const env of adminEnv) await runFabricCli(bin('peer'), ['channel', 'join', '-b', genesis], env)

    // The chaincode: a ccaas package installed on both peers, its server process, the definition.
    const pkg = await writeCcaasPackage(dir, `${chaincode}_1`, `127.0.0.1:${ports.chaincodeServer}`)
    for (const env of adminEnv) await runFabricCli(bin('peer'), ['lifecycle', 'chaincode', 'install', pkg.file], env)
    const loader = pathToFileURL(join(projectRoot(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
    const ccServer = spawnManaged({
      name: 'fabric-chaincode',
      command: process.execPath,
      args: ['--import', loader, join(projectRoot(), 'chaincode', 'server.mts')],
      cwd: projectRoot(),
      env: { ...process.env, CHAINCODE_ID: pkg.id, CHAINCODE_SERVER_ADDRESS: `127.0.0.1:${ports.chaincodeServer}` },
      ...logFile('chaincode'),
    })
    procs.push(ccServer)
    await ccServer.waitFor(/chaincode server listening/, readyMs)
    const ordererArgs = ['-o', `127.0.0.1:${ports.orderer}`, '--tls', '--cafile', ordererCa]
    const definition = [
      '--channelID',
      channel,
      '--name',
      chaincode,
      '--version',
      '1',
      '--sequence',
      '1',
      '--signature-policy',
      ENDORSEMENT_POLICY,
    ]
    for (const env of adminEnv)
      await runFabricCli(
        bin('peer'),
        ['lifecycle', 'chaincode', 'approveformyorg', ...ordererArgs, ...definition, '--package-id', pkg.id],
        env,
      )
    const peerArgs = PEER_ORGS.flatMap((org, i) => [
      '--peerAddresses',
      peers[i]!.endpoint,
      '--tlsRootCertFiles',
      orgPaths(crypto, org, 'peer').tlsCa,
    ])
    await runFabricCli(
      bin('peer'),
      ['lifecycle', 'chaincode', 'commit', ...ordererArgs, ...definition, ...peerArgs],
      adminEnv[0]!,
    )

    const identities: FabricNetwork['identities'] = {}
    const mspRoots: Record<string, string[]> = {}
    for (const org of PEER_ORGS) {
      const p = orgPaths(crypto, org, 'peer')
      identities[org.mspId] = { admin: identityOf(p.adminMsp, org.mspId), user: identityOf(p.userMsp, org.mspId) }
      mspRoots[org.mspId] = [readFileSync(p.ca, 'utf8')]
    }
    mspRoots[ORDERER_ORG.mspId] = [readFileSync(oPaths.ca, 'utf8')]
    return {
      channel,
      chaincode,
      dir,
      peers,
      orderer: {
        endpoint: `127.0.0.1:${ports.orderer}`,
        adminEndpoint: `127.0.0.1:${ports.ordererAdmin}`,
        tlsRootCertPem: readFileSync(oPaths.tlsCa, 'utf8'),
        process: orderer,
      },
      chaincodeServer: ccServer,
      packageId: pkg.id,
      mspRoots,
      ordererMspIds: [ORDERER_ORG.mspId],
      endorsementPolicy: { signedBy: PEER_ORGS.map((x) => x.mspId), rule: 'AND' },
      identities,
      bringUpMs: Date.now() - started,
      stop: async () => {
        await stopAll()
        if (ownDir) rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await stopAll()
    if (ownDir && !o.logs) rmSync(dir, { recursive: true, force: true })
    throw e
  }
}
