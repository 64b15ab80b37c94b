// A real chopsticks Rococo Asset Hub (`--genesis`, manual block building) for integration and e2e tests.
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto'
import type { Logger } from 'pino'
import { createSubstrateAdapter } from '../../adapters/substrate/createSubstrateAdapter.js'
import { type Chopsticks, startChopsticks } from '../../cli/devnet/startChopsticks.js'
import type { Hex } from '../../types.js'

export type { Chopsticks } from '../../cli/devnet/startChopsticks.js'

/** 10_000 ROC (12 decimals): plenty for fees and deposits on the local chain. */
export const DEV_FUNDS = 10_000n * 10n ** 12n

export interface ChopsticksFixture {
  chain: Chopsticks
  /** A connected client (the test's own, not the adapter's). */
  api: ApiPromise
  /** sr25519 dev accounts //Alice, //Bob, //Charlie, //Dave, funded with DEV_FUNDS. */
  alice: KeyringPair
  bob: KeyringPair
  charlie: KeyringPair
  dave: KeyringPair
  keyring: Keyring
}

/** Start chopsticks, fund the dev accounts, build one block and connect a client. */
export const startChopsticksFixture = async (o: { logFile?: string } = {}): Promise<ChopsticksFixture> => {
  await cryptoWaitReady()
  const chain = await startChopsticks({ readyTimeoutMs: 90_000, ...o })
  try {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
    const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u))
    await chain.fund(
      [alice, bob, charlie, dave].map((p) => p!.address),
      DEV_FUNDS,
    )
    await chain.newBlock()
    const api = await ApiPromise.create({ provider: new WsProvider(chain.wsUrl, 500), noInitWarn: true })
    return { chain, api, alice: alice!, bob: bob!, charlie: charlie!, dave: dave!, keyring }
  } catch (e) {
    await chain.stop()
    throw e
  }
}

export const stopChopsticksFixture = async (f: ChopsticksFixture | undefined): Promise<void> => {
  if (!f) return
  await f.api.disconnect().catch(() => {})
  await f.chain.stop()
}

/** jest hooks: one chopsticks per test file (beforeAll/afterAll). */
export const useChopsticks = (ready: (f: ChopsticksFixture) => void): void => {
  let fixture: ChopsticksFixture | undefined
  beforeAll(async () => {
    fixture = await startChopsticksFixture()
    ready(fixture)
  }, 120_000)
  afterAll(() => stopChopsticksFixture(fixture), 30_000)
}

/**
 * The Substrate source adapter on the fixture's chain as a relayer would run it on a local chain
 * (`commitments: chopsticks`), with Dave's account standing for the committee account.
 */
export const chopsticksSourceAdapter = (f: ChopsticksFixture, log: Logger, domain: number) => {
  const committee = u8aToHex(decodeAddress(f.dave.address)) as Hex
  const adapter = createSubstrateAdapter(
    {
      chain: 'substrate:asset-hub-local',
      domain,
      wsUrls: [f.chain.wsUrl],
      genesisHash: f.chain.genesisHash,
      committeeAccount: committee,
      commitments: 'chopsticks',
      pollIntervalMs: 100,
    },
    { log },
  )
  return { adapter, committee }
}
