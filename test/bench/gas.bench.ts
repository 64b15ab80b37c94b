// Delivery gas of the Solidity bridge on a real hardhat node (receipt gasUsed): one `deliver` of a
// token transfer (mint), and per message in a `deliverBatch` of 50, for 2-of-3 and 13-of-19 committees.
// Nonces run 0, 1, 2… from one origin, as an origin bridge assigns them, so they share the bridge's
// used-nonce bitmap word (a new word every 256 nonces costs about 17k once; docs/bridge-evm.md).
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type Contract, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet } from 'ethers'
import { HARDHAT_DEV_KEYS, startHardhatNode } from '../../cli/devnet/startHardhatNode.js'
import { compileContracts, SOLC_SETTINGS } from '../../contracts/compile.js'
import { deployBridge, registerRemoteAsset } from '../../contracts/deploy.js'
import {
  addressToBytes32,
  bytesToHex,
  encodeMessage,
  encodeTokenTransferBody,
  evmBridgeRef,
  messageId,
} from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import { signCertificate } from '../harness/signCertificate.js'
import type { BenchEntry, BenchModule } from './types.js'

const LOCAL = 2
const REMOTE = 1
const BATCH = 50
const HYPERLANE = { name: 'hyperlane Mailbox.process (peer README, same machine)', value: 87_200 }

interface Setup {
  bridge: Contract
  ref: Hex
  asset: Hex
  keys: string[]
  threshold: number
  nonce: bigint
}

const keysOf = (n: number): string[] => Array.from({ length: n }, (_, i) => keccak256(toUtf8Bytes(`bench-${n}-${i}`)))

/** A transfer to a beneficiary that has never held the token (a fresh balance slot, the common case). */
const nextMessage = (s: Setup): { encoded: Hex; sigs: Hex } => {
  const nonce = s.nonce++
  const beneficiary = addressToBytes32(`0x${(0xbe0000n + nonce).toString(16).padStart(40, '0')}`)
  const message = {
    version: 1,
    nonce,
    origin: REMOTE,
    sender: addressToBytes32('0x00000000000000000000000000000000000000b0'),
    destination: LOCAL,
    recipient: beneficiary,
    body: encodeTokenTransferBody({ asset: s.asset, amount: 1_000n + nonce, beneficiary }),
  }
  const sigs = signCertificate({
    keys: s.keys.slice(0, s.threshold),
    epoch: 1n,
    destination: LOCAL,
    destinationBridge: s.ref,
    id: messageId(message),
  }).signatures
  return { encoded: bytesToHex(encodeMessage(message)), sigs }
}

const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint; status: number | null } | null> }>) => {
  const receipt = await (await tx).wait()
  return Number(receipt!.gasUsed)
}

const setup = async (deployer: Wallet, size: number, threshold: number, chainId: bigint): Promise<Setup> => {
  const keys = keysOf(size)
  const { bridge, address } = await deployBridge({
    signer: deployer,
    localDomain: LOCAL,
    committee: { signers: keys.map((k) => new Wallet(k).address), threshold },
  })
  const { assetId } = await registerRemoteAsset(bridge, {
    homeDomain: REMOTE,
    homeToken: '0x00000000000000000000000000000000000000aa',
    name: 'Wrapped',
    symbol: 'W',
    decimals: 18,
  })
  const s: Setup = { bridge, ref: evmBridgeRef(chainId, address), asset: assetId, keys, threshold, nonce: 0n }
  // warm-up: the first mint ever also creates the wrapped token's totalSupply slot
  const w = nextMessage(s)
  await gasOf(bridge.getFunction('deliver')(w.encoded, 1n, w.sigs))
  return s
}

const measure = async (s: Setup): Promise<{ single: number; perMessage: number }> => {
  const one = nextMessage(s)
  const single = await gasOf(s.bridge.getFunction('deliver')(one.encoded, 1n, one.sigs))
  const batch = Array.from({ length: BATCH }, () => nextMessage(s))
  const total = await gasOf(
    s.bridge.getFunction('deliverBatch')(
      batch.map((b) => b.encoded),
      1n,
      batch.map((b) => b.sigs),
    ),
  )
  return { single, perMessage: total / BATCH }
}

/** A dependency's version from its package.json (found next to its entry point: `exports` hides the file). */
const versionOf = (pkg: string): string => {
  const entry = createRequire(import.meta.url).resolve(pkg)
  const root = entry.slice(0, entry.lastIndexOf(join('node_modules', pkg)) + join('node_modules', pkg).length)
  const file = join(root, 'package.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'unknown'
}

const bench: BenchModule = {
  title: 'bridge delivery gas (Solidity, hardhat node)',
  run: async (): Promise<BenchEntry[]> => {
    const build = compileContracts()
    const node = await startHardhatNode({ chainId: 31337n })
    const provider = new JsonRpcProvider(node.rpcUrl, Number(node.chainId), {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
    })
    try {
      const deployer = new Wallet(HARDHAT_DEV_KEYS[0], provider)
      const small = await measure(await setup(deployer, 3, 2, node.chainId))
      const large = await measure(await setup(deployer, 19, 13, node.chainId))
      const client = await node.rpc<string>('web3_clientVersion')
      const conditions = [
        `solc ${build.solcVersion} (solc-js), viaIR=${SOLC_SETTINGS.viaIR}, optimizer runs=${SOLC_SETTINGS.optimizer.runs}, evmVersion=${SOLC_SETTINGS.evmVersion}`,
        `hardhat ${versionOf('hardhat')} node, @nomicfoundation/edr ${versionOf('@nomicfoundation/edr')} (${client}), hardfork osaka (Hardhat 3 default L1)`,
        'receipt gasUsed incl. 21k base and calldata; each message mints to a fresh beneficiary; after one warm-up delivery; sequential nonces 1-51 of one origin (one used-nonce bitmap word)',
      ].join('; ')
      const row = (
        name: string,
        value: number,
        unit: string,
        baseline: { name: string; value: number } | null,
      ): BenchEntry => ({
        name,
        value,
        unit,
        betterWhen: 'lower',
        baseline,
        ratio: baseline ? value / baseline.value : null,
        conditions,
      })
      return [
        row('deliver, 1 token transfer (mint), 2-of-3', small.single, 'gas/tx', null),
        row(`deliverBatch of ${BATCH}, per message, 2-of-3`, small.perMessage, 'gas/msg', {
          name: 'single deliver, 2-of-3 (same run)',
          value: small.single,
        }),
        row('deliver, 1 token transfer (mint), 13-of-19', large.single, 'gas/tx', null),
        row(`deliverBatch of ${BATCH}, per message, 13-of-19`, large.perMessage, 'gas/msg', {
          name: 'single deliver, 13-of-19 (same run)',
          value: large.single,
        }),
        row(`deliverBatch of ${BATCH}, per message, 2-of-3 vs peer`, small.perMessage, 'gas/msg', HYPERLANE),
      ]
    } finally {
      provider.destroy()
      await node.stop()
    }
  },
}
export default bench
