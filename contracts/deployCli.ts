// Operator script: deploy the Bridge and print the deployment as JSON.
//   tsx contracts/deployCli.ts --rpc http://127.0.0.1:8545 --key-env DEPLOYER_KEY --domain 2 \
//     --signers 0xA,0xB,0xC --threshold 2 [--guardian 0x..] [--policy majority|bft]
//     [--handle-gas-limit 500000] [--epoch 1]

import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { JsonRpcProvider, Wallet } from 'ethers'
import { KeyInvalidError, UsageError } from '../errors.js'
import { type CommitteePolicy, DEFAULT_HANDLE_GAS_LIMIT, deployBridge } from './deploy.js'

const USAGE = `usage: deployCli --rpc <url> --key-env <ENV_VAR> --domain <uint32> --signers <a,b,c> --threshold <M>
                 [--guardian <address>] [--policy majority|bft] [--handle-gas-limit <gas>] [--epoch <n>]
The deployer's private key is read from the environment variable named by --key-env (never from argv).`

export interface DeployCliArgs {
  rpc: string
  keyEnv: string
  domain: number
  signers: string[]
  threshold: number
  guardian?: string
  policy: CommitteePolicy
  handleGasLimit: number
  epoch: bigint
}

const integer = (name: string, v: string | undefined): number => {
  if (v === undefined || !/^\d+$/.test(v))
    throw new UsageError({ detail: `--${name} must be a non-negative integer.\n${USAGE}` })
  return Number(v)
}

/**
 * Parse the command line.
 * @throws UsageError naming the bad flag
 */
export const parseDeployArgs = (argv: string[]): DeployCliArgs => {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        rpc: { type: 'string' },
        'key-env': { type: 'string' },
        domain: { type: 'string' },
        signers: { type: 'string' },
        threshold: { type: 'string' },
        guardian: { type: 'string' },
        policy: { type: 'string' },
        'handle-gas-limit': { type: 'string' },
        epoch: { type: 'string' },
      },
    }).values
  } catch (e) {
    throw new UsageError({ detail: `${e instanceof Error ? e.message : String(e)}\n${USAGE}` })
  }
  const str = (name: string): string => {
    const v = values[name]
    if (typeof v !== 'string' || v.length === 0) throw new UsageError({ detail: `--${name} is required.\n${USAGE}` })
    return v
  }
  const policy = (values.policy ?? 'majority') as string
  if (policy !== 'majority' && policy !== 'bft')
    throw new UsageError({ detail: `--policy must be majority or bft.\n${USAGE}` })
  const guardian = values.guardian
  return {
    rpc: str('rpc'),
    keyEnv: str('key-env'),
    domain: integer('domain', str('domain')),
    signers: str('signers')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    threshold: integer('threshold', str('threshold')),
    ...(typeof guardian === 'string' ? { guardian } : {}),
    policy,
    handleGasLimit:
      values['handle-gas-limit'] === undefined
        ? DEFAULT_HANDLE_GAS_LIMIT
        : integer('handle-gas-limit', values['handle-gas-limit'] as string),
    epoch: BigInt(values.epoch === undefined ? 1 : integer('epoch', values.epoch as string)),
  }
}

/**
 * Deploy from parsed arguments; the key comes from `env[keyEnv]`.
 * @throws KeyInvalidError, ConfigInvalidError, DeployFailedError
 */
export const runDeploy = async (a: DeployCliArgs, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> => {
  const key = env[a.keyEnv]
  if (!key || !/^(0x)?[0-9a-fA-F]{64}$/.test(key)) {
    throw new KeyInvalidError({ source: `env ${a.keyEnv}`, expected: 'a 32-byte hex private key' })
  }
  const provider = new JsonRpcProvider(a.rpc, undefined, { batchMaxCount: 1, cacheTimeout: -1 })
  try {
    const signer = new Wallet(key.startsWith('0x') ? key : `0x${key}`, provider)
    const { chainId } = await provider.getNetwork()
    const r = await deployBridge({
      signer,
      localDomain: a.domain,
      committee: { signers: a.signers, threshold: a.threshold, epoch: a.epoch },
      ...(a.guardian ? { guardian: a.guardian } : {}),
      handleGasLimit: a.handleGasLimit,
      policy: a.policy,
    })
    const [epoch, signers, threshold] = (await r.bridge.getFunction('committee')()) as [bigint, string[], bigint]
    return {
      chainId: chainId.toString(),
      address: r.address,
      deployBlock: r.deployBlock.toString(),
      txHash: r.txHash,
      localDomain: a.domain,
      bridgeRef: await r.bridge.getFunction('bridgeRef')(),
      owner: signer.address,
      guardian: await r.bridge.getFunction('guardian')(),
      handleGasLimit: a.handleGasLimit,
      committee: { epoch: epoch.toString(), signers: [...signers], threshold: Number(threshold) },
    }
  } finally {
    provider.destroy()
  }
}

const main = async (): Promise<void> => {
  try {
    const out = await runDeploy(parseDeployArgs(process.argv.slice(2)), process.env)
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main()
