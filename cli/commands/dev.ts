import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../errors.js'
import type { DevnetManifest } from '../devnet/devnetManifest.js'
import { displayScript } from '../devnet/relayerProcess.js'
import { type Devnet, startDevnet } from '../devnet/startDevnet.js'
import { FABRIC_SETUP_HINT, isFabricAvailable } from '../devnet/startFabricNetwork.js'
import type { CliCommand, CliContext } from '../types.js'

const USAGE = `Usage: isthmus dev [--block-time-ms N] [--state-dir DIR] [--fabric] [--json]

Start a complete local Isthmus environment on free loopback ports and keep it running until Ctrl-C:
two EVM chains (hardhat), nats-server with JetStream, bridges with a 2-of-3 committee, a test ERC-20
(home on chain A, wrapped on chain B), recipient contracts, and three relayers (isthmus start).
  --block-time-ms N  block interval of both chains (default 1000; 0 = one block per transaction)
  --state-dir DIR    configs, keystores, NATS store and logs (default: a temp dir removed on exit;
                     a given dir is kept, and reset on the next start)
  --fabric           add a local Hyperledger Fabric network (two orgs, the bridge chaincode; FAB home
                     there, wrapped on chain A) as a third chain; needs npm run setup:fabric
  --json             print exactly one JSON line describing the devnet instead of the summary

Ctrl-C (SIGINT) or SIGTERM stops every process it started and exits 0.`

const OPTIONS = {
  'block-time-ms': { type: 'string' },
  'state-dir': { type: 'string' },
  fabric: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

interface DevArgs {
  blockTimeMs: number
  stateDir: string | undefined
  isJson: boolean
  hasFabric: boolean
}

const parse = (argv: string[]): DevArgs => {
  let values: { 'block-time-ms'?: string; 'state-dir'?: string; fabric?: boolean; json?: boolean }
  try {
    ;({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }))
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n\n${USAGE}` })
  }
  const raw = values['block-time-ms'] ?? '1000'
  if (!/^\d{1,7}$/.test(raw)) throw new UsageError({ detail: `--block-time-ms must be an integer ≥ 0.\n\n${USAGE}` })
  if (values.fabric === true && !isFabricAvailable())
    throw new UsageError({ detail: `--fabric needs the Fabric binaries in .cache/fabric: ${FABRIC_SETUP_HINT}.` })
  return {
    blockTimeMs: Number(raw),
    stateDir: values['state-dir'],
    isJson: values.json === true,
    hasFabric: values.fabric === true,
  }
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`)

/** The human summary `isthmus dev` prints once everything is up. */
export const readyBlock = (m: DevnetManifest): string => {
  const [a, b] = m.chains as [DevnetManifest['chains'][0], DevnetManifest['chains'][0]]
  const user = m.accounts.users[0]!
  const manifestPath = join(m.stateDir, 'devnet.json')
  const trySend = (...args: string[]) =>
    displayScript('trySend', ['--devnet', manifestPath, ...args])
      .map(shellQuote)
      .join(' ')
  const relayers = m.relayers.some((r) => r.pid !== null)
    ? m.relayers.map((r) => `  ${r.id.padEnd(10)} pid ${r.pid}  signer ${r.attestationAddress}  log ${r.logFile}`)
    : ['  (not started: this build has no `isthmus start`; configs are in the state dir)']
  return [
    '',
    `Isthmus devnet is ready (state dir ${m.stateDir})`,
    '',
    ...[a, b].map((c) => `  chain ${c.name}   ${c.ref.padEnd(10)} domain ${c.domain}  ${c.rpcUrl}  bridge ${c.bridge}`),
    `  NATS      ${m.nats.url} (JetStream, store ${m.nats.storeDir})`,
    `  token     ${m.token.symbol} ${m.token.home.address} on A (home)  ->  w${m.token.symbol} ${m.token.wrapped.address} on B (wrapped)`,
    `  recipients  A ${a.recipient} / B ${b.recipient} (recording); reverting: A ${a.revertingRecipient} / B ${b.revertingRecipient}`,
    `  committee ${m.committee.threshold}-of-${m.committee.signers.length}, epoch ${m.committee.epoch}`,
    ...(m.fabric
      ? [
          `  fabric    ${m.fabric.ref.padEnd(10)} domain ${m.fabric.domain}  peers ${m.fabric.peers.map((p) => `${p.mspId} ${p.endpoint}`).join(', ')}  chaincode ${m.fabric.chaincode}`,
          `            ${m.fabric.fab.symbol} home on Fabric (Org1 User1 ${m.fabric.user.account})  ->  ${m.fabric.fab.wrappedOnA} on A (wrapped)`,
        ]
      : []),
    ...(m.substrate
      ? [
          `  substrate ${m.substrate.ref} domain ${m.substrate.domain}  ${m.substrate.wsUrl} (chopsticks, a block every ~1 s)`,
          `            committee multisig ${m.substrate.multisig}; w${m.token.symbol} = assets #${m.substrate.wrappedToken.assetHubId}; funded ${m.substrate.users.map((u) => u.uri).join(', ')}`,
        ]
      : []),
    ...(m.api
      ? [`  API       ${m.api.url}  (OpenAPI ${m.api.url}/openapi.json)`, `  dashboard ${m.api.url}/dashboard/`]
      : []),
    'Relayers:',
    ...relayers,
    '',
    `Funded test account (loopback only): ${user.address}`,
    `  private key ${user.privateKey}`,
    `  10000 ETH on both chains, 1000000 ${m.token.symbol} on chain A`,
    '',
    'Try next:',
    `  ${trySend('token', '5')}`,
    `      lock 5 ${m.token.symbol} on A and wait for 5 w${m.token.symbol} on B ("--from B" burns them back)`,
    `  ${trySend('message', 'hello')}`,
    '      send an app message to the recording recipient on B',
    `  curl -s -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}' ${a.rpcUrl}`,
    `  everything above as JSON: ${join(m.stateDir, 'devnet.json')}`,
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n')
}

/** Resolves on the first SIGINT/SIGTERM; `dispose` removes the handlers. */
const onStopSignal = (): { requested: Promise<NodeJS.Signals>; isRequested: () => boolean; dispose: () => void } => {
  let resolve!: (s: NodeJS.Signals) => void
  const requested = new Promise<NodeJS.Signals>((r) => {
    resolve = r
  })
  let count = 0
  // A second Ctrl-C does not wait for the graceful stop: exiting SIGKILLs every child (spawnManaged's exit hook).
  const handler = (s: NodeJS.Signals) => {
    count += 1
    if (count > 1) process.exit(130)
    resolve(s)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    requested,
    isRequested: () => count > 0,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

// A chain or nats-server that dies on its own ends the session (relayers may be restarted by hand).
const infrastructureExit = (d: Devnet): Promise<string> =>
  Promise.race([
    d.a.node.process.exited.then(() => 'chain A'),
    d.b.node.process.exited.then(() => 'chain B'),
    d.nats.process.exited.then(() => 'nats-server'),
    ...(d.substrate ? [d.substrate.chain.process.exited.then(() => 'asset hub (chopsticks)')] : []),
  ])

const run = async (ctx: CliContext): Promise<number> => {
  const args = parse(ctx.argv)
  const signals = onStopSignal()
  try {
    const say = (line: string) => ctx.stderr.write(`${line}\n`)
    const devnet = await startDevnet({
      blockTimeMs: args.blockTimeMs,
      api: true,
      ...(args.hasFabric ? { fabric: true } : {}),
      substrate: true,
      ...(args.stateDir === undefined ? {} : { stateDir: args.stateDir }),
      onProgress: (step) => say(`isthmus dev: ${step}…`),
    })
    const m = devnet.manifest()
    // Ctrl-C during startup: stop without announcing a devnet that is about to disappear.
    if (!signals.isRequested()) ctx.stdout.write(args.isJson ? `${JSON.stringify(m)}\n` : readyBlock(m))
    const ended = await Promise.race([
      signals.requested.then((s) => ({ signal: s, died: undefined })),
      infrastructureExit(devnet).then((died) => ({ signal: undefined, died })),
    ])
    if (ended.died)
      say(`isthmus dev: ${ended.died} exited unexpectedly (see ${join(devnet.stateDir, 'logs')}); stopping`)
    else say(`isthmus dev: ${ended.signal} received, stopping`)
    await devnet.stop()
    say('isthmus dev: stopped')
    return ended.died ? 1 : 0
  } finally {
    signals.dispose()
  }
}

export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Run a complete local devnet (2 chains, NATS, bridges, relayers) until Ctrl-C',
  usage: USAGE,
  run,
}
