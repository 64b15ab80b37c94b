// The e2e devnet with the Asset Hub, as `isthmus dev` runs it: two hardhat chains, nats-server, the
// chopsticks Asset Hub with the committee multisig and the wrapped test token, and three `isthmus start`
// processes serving all three chains (every route between them).
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { DevnetSubstrate } from '../../cli/devnet/setUpDevnetSubstrate.js'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { WaitTimeoutError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { type DevnetClient, devnetClient } from './devnetClient.js'

export interface SubstrateE2e {
  devnet: Devnet
  client: DevnetClient
  sub: DevnetSubstrate
  /** The test's own client of the Asset Hub. */
  api: ApiPromise
  /** Funded Asset Hub users. */
  alice: KeyringPair
  bob: KeyringPair
  relayerTails(lines?: number): string
  stop(): Promise<void>
}

/** Start the three-chain devnet and its relayers; everything is stopped again on failure. */
export const startSubstrateE2e = async (
  o: { blockTimeMs?: number; assetHubBlockTimeMs?: number } = {},
): Promise<SubstrateE2e> => {
  const devnet = await startDevnet({
    blockTimeMs: o.blockTimeMs ?? 250,
    relayers: 'require',
    readyTimeoutMs: 90_000,
    substrate: true,
    assetHubBlockTimeMs: o.assetHubBlockTimeMs ?? 500,
  })
  let api: ApiPromise | undefined
  try {
    const sub = devnet.substrate!
    api = await ApiPromise.create({ provider: new WsProvider(sub.chain.wsUrl, 500), noInitWarn: true })
    const keyring = new Keyring({ type: 'sr25519' })
    const client = devnetClient(devnet)
    const a = api
    return {
      devnet,
      client,
      sub,
      api: a,
      alice: keyring.addFromUri('//Alice'),
      bob: keyring.addFromUri('//Bob'),
      relayerTails: (lines = 20) =>
        devnet.relayers
          .map((r) => `--- ${r.id}\n${r.output().trimEnd().split('\n').slice(-lines).join('\n')}`)
          .join('\n'),
      stop: async () => {
        client.close()
        await a.disconnect().catch(() => {})
        await devnet.stop()
      },
    }
  } catch (e) {
    await api?.disconnect().catch(() => {})
    await devnet.stop()
    throw e
  }
}

/** Poll `fn` until it returns a value `ok` accepts (bounded). */
export const pollUntil = async <T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  o: { timeoutMs: number; what: string; pollMs?: number; onTimeout?: () => string },
): Promise<T> => {
  const deadline = Date.now() + o.timeoutMs
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await fn()
    if (ok(last)) return last
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200))
  }
  throw new WaitTimeoutError({
    what: o.what,
    timeoutMs: o.timeoutMs,
    detail: `last ${String(last)}${o.onTimeout ? `\n${o.onTimeout()}` : ''}`,
  })
}

export const accountIdOf = (p: KeyringPair): Hex => `0x${Buffer.from(p.publicKey).toString('hex')}` as Hex
