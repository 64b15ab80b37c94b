import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { hexlify, randomBytes } from 'ethers'
import { stringify } from 'yaml'
import { parseConfig } from '../../config/index.js'
import { UsageError } from '../../errors.js'
import { createProgress } from '../createProgress.js'
import { createPrompter, type Prompter } from '../createPrompter.js'
import { EXIT } from '../exitCodes.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { readDevnetManifest } from '../resolveApiTarget.js'
import type { CliCommand, CliContext } from '../types.js'
import { DEFAULT_PASSWORD_ENV, keystorePasswordFrom, writeNewKeystore, writeSecretKeystore } from '../writeKeystore.js'

const USAGE = `Usage: isthmus init [--yes | --interactive] [--dir DIR] [--member-id ID] [--operator ORG] [--custody NAME]
                    [--evm REF,DOMAIN,RPC_URL,BRIDGE[,CONFIRMATIONS]]... [--nats URL] [--devnet FILE]
                    [--password-env NAME] [--scrypt-n N] [--json]

Set up one relayer node: write DIR/isthmus.yaml (a config \`isthmus start\` accepts) and three
encrypted keystores in DIR/keys/ (Web3 Secret Storage v3, scrypt, mode 0600):
  attestation.keystore.json  the committee (attestation) key, secp256k1
  evm-signer.keystore.json   the delivery key that pays gas on EVM destinations, secp256k1
  substrate-signer.keystore.json  a 32-byte sr25519 seed for Substrate destinations
The addresses are printed (send them to the committee admin and fund the signer); the keys never are.

On a terminal it asks for each value (Enter keeps the default shown). --yes takes the flags and
defaults without asking (what scripts use); --interactive asks even when stdin is not a terminal.
  --dir DIR            where to write (default: the current directory); refuses to overwrite
  --member-id ID       this node's committee member id (default relayer-1)
  --operator ORG       the operator holding the key (default: the member id)
  --custody NAME       where the attestation key is kept (default: <member id>-keystore)
  --evm SPEC           an EVM chain, repeatable: ref,domain,rpcUrl,bridge[,confirmations], e.g.
                       evm:31337,1,http://127.0.0.1:8545,0x5FbD…0aa3,2 (default: two local chains)
  --nats URL           NATS server (default nats://127.0.0.1:4222)
  --devnet FILE        take chains, bridges and NATS from a running \`isthmus dev\` (devnet.json)
  --password-env NAME  env var holding the keystore password (default ${DEFAULT_PASSWORD_ENV}; at
                       least 8 characters). Interactive runs ask for it when the variable is unset.
  --scrypt-n N         scrypt cost of the keystores (default 131072 = 2^17, ~2 s per key); a lower
                       power of two (e.g. 4096) only for throwaway devnet and test keys
  --json               print { config, keys: { attestation, evm, substrate } } as JSON

The committee section lists only this node (threshold 1): replace it with the real committee
(every member's address, operator and custody domain) before \`isthmus start\`.
Exit codes: 0 written, 1 invalid values or keystore failure, 2 usage error (or files exist).`

const OPTIONS = {
  yes: { type: 'boolean', short: 'y' },
  interactive: { type: 'boolean' },
  dir: { type: 'string' },
  'member-id': { type: 'string' },
  operator: { type: 'string' },
  custody: { type: 'string' },
  evm: { type: 'string', multiple: true },
  nats: { type: 'string' },
  devnet: { type: 'string' },
  'password-env': { type: 'string' },
  'scrypt-n': { type: 'string' },
  json: { type: 'boolean' },
} as const

/** One EVM chain of the config init writes. */
export interface InitChain {
  ref: string
  domain: number
  rpcUrl: string
  bridge: string
  confirmations: number
}

/** Everything init needs to write the files. */
export interface InitAnswers {
  memberId: string
  operatorId: string
  custodyDomain: string
  chains: InitChain[]
  natsUrl: string
  passwordEnv: string
}

const DEFAULT_CHAINS: InitChain[] = [
  {
    ref: 'evm:31337',
    domain: 1,
    rpcUrl: 'http://127.0.0.1:8545',
    bridge: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    confirmations: 2,
  },
  {
    ref: 'evm:31338',
    domain: 2,
    rpcUrl: 'http://127.0.0.1:9545',
    bridge: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    confirmations: 2,
  },
]

const ID = /^[A-Za-z0-9._-]{1,64}$/
const ENV = /^[A-Z_][A-Z0-9_]*$/
const checks = {
  id: (v: string) => (ID.test(v) ? undefined : 'letters, digits, . _ - only (at most 64)'),
  ref: (v: string) => (/^evm:\d{1,29}$/.test(v) ? undefined : 'an EVM chain ref: evm:<chain id>'),
  domain: (v: string) => (/^\d{1,10}$/.test(v) && Number(v) <= 0xffffffff ? undefined : 'a uint32 domain'),
  url: (v: string) => (/^https?:\/\/\S+$/.test(v) ? undefined : 'an http(s) URL'),
  nats: (v: string) => (/^(nats|tls):\/\/\S+$/.test(v) ? undefined : 'a nats:// URL'),
  address: (v: string) => (/^0x[0-9a-fA-F]{40}$/.test(v) ? undefined : 'a 20-byte 0x address'),
  confirmations: (v: string) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 ? undefined : 'a number of blocks ≥ 1'),
  env: (v: string) => (ENV.test(v) ? undefined : 'an env var name in UPPER_SNAKE case'),
}

/**
 * Parse one `--evm ref,domain,rpcUrl,bridge[,confirmations]`.
 * @throws UsageError
 */
export const parseEvmSpec = (spec: string): InitChain => {
  const [ref = '', domain = '', rpcUrl = '', bridge = '', confirmations = '2', ...rest] = spec
    .split(',')
    .map((x) => x.trim())
  const problem =
    (rest.length > 0 ? 'too many fields' : undefined) ??
    checks.ref(ref) ??
    checks.domain(domain) ??
    checks.url(rpcUrl) ??
    checks.address(bridge) ??
    checks.confirmations(confirmations)
  if (problem)
    throw new UsageError({ detail: `--evm ${spec}: expected ref,domain,rpcUrl,bridge[,confirmations]: ${problem}.` })
  return { ref, domain: Number(domain), rpcUrl, bridge, confirmations: Number(confirmations) }
}

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values']

/** Answers from flags (and a devnet manifest), with defaults for the rest. */
export const answersFromFlags = (ctx: CliContext, v: Values): InitAnswers => {
  const memberId = v['member-id'] ?? 'relayer-1'
  const devnet = v.devnet ? readDevnetManifest(ctx, v.devnet) : undefined
  const chains = v.evm?.length
    ? v.evm.map(parseEvmSpec)
    : devnet
      ? devnet.chains.map((c) => ({
          ref: c.ref,
          domain: c.domain,
          rpcUrl: c.rpcUrl,
          bridge: c.bridge,
          confirmations: c.confirmations,
        }))
      : DEFAULT_CHAINS
  const a: InitAnswers = {
    memberId,
    operatorId: v.operator ?? memberId,
    custodyDomain: v.custody ?? `${memberId}-keystore`,
    chains,
    natsUrl: v.nats ?? devnet?.nats.url ?? 'nats://127.0.0.1:4222',
    passwordEnv: v['password-env'] ?? DEFAULT_PASSWORD_ENV,
  }
  const problem =
    checks.id(a.memberId) ??
    checks.id(a.operatorId) ??
    checks.id(a.custodyDomain) ??
    checks.nats(a.natsUrl) ??
    checks.env(a.passwordEnv)
  if (problem) throw new UsageError({ detail: `${problem}.\n\n${USAGE}` })
  if (chains.length < 2) throw new UsageError({ detail: 'A relayer needs at least two chains (--evm twice).' })
  return a
}

/** Ask for every answer, offering `d` (from flags/defaults) as the defaults. */
export const askAnswers = async (p: Prompter, d: InitAnswers): Promise<InitAnswers> => {
  const memberId = await p.ask('Committee member id of this node', d.memberId, checks.id)
  const operatorId = await p.ask(
    'Operator (organisation) holding its key',
    d.operatorId === d.memberId ? memberId : d.operatorId,
    checks.id,
  )
  const custodyDomain = await p.ask('Custody domain of the attestation key', d.custodyDomain, checks.id)
  const natsUrl = await p.ask('NATS server', d.natsUrl, checks.nats)
  const chains: InitChain[] = []
  for (const [i, c] of d.chains.entries()) {
    const n = `Chain ${i + 1}`
    chains.push({
      ref: await p.ask(`${n} ref`, c.ref, checks.ref),
      domain: Number(await p.ask(`${n} domain`, String(c.domain), checks.domain)),
      rpcUrl: await p.ask(`${n} JSON-RPC URL`, c.rpcUrl, checks.url),
      bridge: await p.ask(`${n} bridge address`, c.bridge, checks.address),
      confirmations: Number(
        await p.ask(`${n} confirmations treated as final`, String(c.confirmations), checks.confirmations),
      ),
    })
  }
  const passwordEnv = await p.ask('Env var for the keystore password', d.passwordEnv, checks.env)
  return { memberId, operatorId, custodyDomain, chains, natsUrl, passwordEnv }
}

const KEYS = {
  attestation: 'keys/attestation.keystore.json',
  evm: 'keys/evm-signer.keystore.json',
  substrate: 'keys/substrate-signer.keystore.json',
}

/** The config document init writes (validated with the real schema before anything is written). */
export const buildInitConfig = (a: InitAnswers, attestationAddress: string): Record<string, unknown> => {
  const signer = { keystore: KEYS.evm, passwordEnv: a.passwordEnv }
  return {
    node: {
      memberId: a.memberId,
      attestationKey: { keystore: KEYS.attestation, passwordEnv: a.passwordEnv },
      stateDir: `.isthmus/${a.memberId}`,
    },
    committee: {
      epoch: 1,
      threshold: 1,
      policy: 'majority',
      members: [
        { id: a.memberId, address: attestationAddress, operatorId: a.operatorId, custodyDomain: a.custodyDomain },
      ],
    },
    chains: a.chains.map((c) => ({
      kind: 'evm',
      ref: c.ref,
      domain: c.domain,
      chainId: Number(c.ref.slice(4)),
      rpcUrls: [c.rpcUrl],
      bridge: c.bridge,
      finality: { mode: 'confirmations', confirmations: c.confirmations },
      signer,
    })),
    nats: { servers: [a.natsUrl], replicas: 1 },
    logLevel: 'info',
  }
}

const HEADER = (
  a: InitAnswers,
  subAddress: string,
) => `# Isthmus relayer node "${a.memberId}", written by \`isthmus init\`.
# Secrets are not in this file: keys are encrypted keystores under keys/, their password is in $${a.passwordEnv}.
# Before \`isthmus start\`: replace the committee with the real one (every member's address, operator
# and custody domain, the threshold and epoch the bridges were deployed with) and fund the signer.
# Substrate: keys/substrate-signer.keystore.json holds an sr25519 seed (account ${subAddress});
# name it as a Substrate chain's signer: { keystore: ${KEYS.substrate}, passwordEnv: ${a.passwordEnv} }.
`

const ss58Of = async (seed: string): Promise<string> => {
  const { cryptoWaitReady, sr25519PairFromSeed, encodeAddress } = await import('@polkadot/util-crypto')
  await cryptoWaitReady()
  return encodeAddress(sr25519PairFromSeed(seed).publicKey, 42)
}

const run = async (ctx: CliContext): Promise<number> => {
  const { values: v, positionals } = parseCommandArgs(ctx.argv, OPTIONS, USAGE)
  if (positionals.length > 0) throw new UsageError({ detail: `Unexpected argument ${positionals[0]}.\n\n${USAGE}` })
  if (v.yes && v.interactive) throw new UsageError({ detail: 'Give --yes or --interactive, not both.' })
  const isInteractive = v.interactive === true || (!v.yes && ctx.stdin?.isTTY === true)
  if (!isInteractive && !v.yes)
    throw new UsageError({ detail: `stdin is not a terminal: pass --yes (with flags) or --interactive.\n\n${USAGE}` })
  const scryptN = v['scrypt-n'] === undefined ? undefined : Number(v['scrypt-n'])
  if (
    scryptN !== undefined &&
    !(Number.isInteger(scryptN) && scryptN >= 1024 && scryptN <= 1 << 20 && (scryptN & (scryptN - 1)) === 0)
  )
    throw new UsageError({ detail: '--scrypt-n must be a power of two between 1024 and 1048576.' })
  const dir = resolve(ctx.cwd, v.dir ?? '.')
  const configPath = join(dir, 'isthmus.yaml')
  const existing = [configPath, ...Object.values(KEYS).map((k) => join(dir, k))].filter((p) => existsSync(p))
  if (existing.length > 0)
    throw new UsageError({ detail: `${existing.join(', ')} already exist; refusing to overwrite.` })
  let answers = answersFromFlags(ctx, v)
  let password: string
  const validate = (a: InitAnswers, attestationAddress: string) => {
    const doc = buildInitConfig(a, attestationAddress)
    return { doc, cfg: parseConfig(doc, configPath) }
  }
  if (isInteractive) {
    if (!ctx.stdin) throw new UsageError({ detail: 'No stdin to ask on.' })
    const p = createPrompter(ctx.stdin, ctx.stderr)
    try {
      answers = await askAnswers(p, answers)
      if (ctx.env[answers.passwordEnv]) password = keystorePasswordFrom(ctx.env, answers.passwordEnv)
      else {
        password = await p.askSecret(
          `Keystore password (at least 8 characters; set $${answers.passwordEnv} to it for isthmus start)`,
        )
        const again = await p.askSecret('The same password again')
        if (again !== password) throw new UsageError({ detail: 'The two passwords differ.' })
        password = keystorePasswordFrom({ P: password }, 'P')
      }
    } finally {
      p.close()
    }
  } else password = keystorePasswordFrom(ctx.env, answers.passwordEnv)
  // Validate before any file is written: a config the schema refuses leaves nothing behind.
  validate(answers, `0x${'11'.repeat(20)}`)

  const progress = createProgress(ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean })
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 })
  try {
    progress.update('encrypting the attestation key (scrypt)')
    const attestation = await writeNewKeystore(join(dir, KEYS.attestation), password, scryptN)
    const { doc, cfg } = validate(answers, attestation.address)
    progress.update('encrypting the EVM signer key (scrypt)')
    const evm = await writeNewKeystore(join(dir, KEYS.evm), password, scryptN)
    progress.update('encrypting the Substrate signer seed (scrypt)')
    const seed = hexlify(randomBytes(32))
    await writeSecretKeystore(join(dir, KEYS.substrate), password, seed, scryptN)
    const substrateAddress = await ss58Of(seed)
    writeFileSync(configPath, HEADER(answers, substrateAddress) + stringify(doc), { mode: 0o644, flag: 'wx' })
    progress.done(`wrote ${relative(ctx.cwd, configPath) || configPath}`)
    const keys = {
      attestation: { address: attestation.address, path: join(dir, KEYS.attestation) },
      evm: { address: evm.address, path: join(dir, KEYS.evm) },
      substrate: { address: substrateAddress, path: join(dir, KEYS.substrate) },
    }
    ctx.stdout.write(
      v.json
        ? `${JSON.stringify({ config: configPath, memberId: cfg.node.memberId, chains: cfg.chains.map((c) => c.ref), keys })}\n`
        : [
            `config              ${configPath}`,
            `attestation key     ${keys.attestation.address}  (${keys.attestation.path})`,
            `EVM signer          ${keys.evm.address}  (${keys.evm.path}) — fund it on every EVM destination`,
            `Substrate signer    ${keys.substrate.address}  (${keys.substrate.path})`,
            '',
            `Next: put the real committee in the config, export ${answers.passwordEnv}, then`,
            `  isthmus start --config ${configPath}`,
            '',
          ].join('\n'),
    )
    return EXIT.ok
  } catch (e) {
    progress.stop()
    throw e
  }
}

/** `isthmus init`: a node's config and encrypted keystores, interactively or from flags. */
export const initCommand: CliCommand = {
  name: 'init',
  summary: 'Write a relayer config and encrypted keystores (interactive, or --yes)',
  usage: USAGE,
  run,
}
