import { lastValueFrom, toArray } from 'rxjs'
import { deliveredMarkerHash } from '../../../../adapters/substrate/destination/deliveryCall.js'
import { readAssetTeam, setupWrappedAsset } from '../../../../adapters/substrate/destination/setupWrappedAsset.js'
import type { DeliveryProgress } from '../../../../adapters/types.js'
import { messageId } from '../../../../protocol/index.js'
import type { Hex } from '../../../../types.js'
import { captureLogger } from '../../../harness/captureLogger.js'
import { type ChopsticksFixture, useChopsticks } from '../../../harness/chopsticks.js'
import { rejected } from '../../../harness/thrown.js'
import {
  accountOf,
  callHashOf,
  certify,
  createTestbed,
  type DestinationTestbed,
  executionsOnChain,
  messageTo,
  WRAPPED_ID,
} from './destinationFixture.js'

const assetBalance = async (f: ChopsticksFixture, who: Hex): Promise<bigint> => {
  const opt = (await f.api.query.assets!.account!(WRAPPED_ID, who)) as unknown as {
    isSome?: boolean
    unwrap?: () => { balance: { toBigInt(): bigint } }
    balance?: { toBigInt(): bigint }
  }
  if (opt.balance) return opt.balance.toBigInt()
  return opt.isSome ? opt.unwrap!().balance.toBigInt() : 0n
}

describe('Substrate destination (committee multisig on chopsticks Asset Hub)', () => {
  let f: ChopsticksFixture
  let t: DestinationTestbed
  useChopsticks((x) => {
    f = x
  })
  beforeAll(async () => {
    t = createTestbed(f)
    const r = await setupWrappedAsset({
      api: f.api,
      chain: 'substrate:asset-hub-local',
      payer: f.dave,
      multisig: t.dests[0]!.multisigAccount,
      assetHubId: WRAPPED_ID,
      name: 'Wrapped Test',
      symbol: 'wTST',
      decimals: 18,
      log: captureLogger('warn').log,
      txTimeoutMs: 30_000,
    })
    expect(r.status).toBe('created')
  }, 60_000)
  afterAll(() => t?.stopBlocks())

  it('creates the wrapped asset owned and issued by the multisig, idempotently', async () => {
    const ms = t.dests[0]!.multisigAccount
    expect(await readAssetTeam(f.api, WRAPPED_ID)).toMatchObject({ owner: ms, issuer: ms, admin: ms, supply: 0n })
    const again = await setupWrappedAsset({
      api: f.api,
      chain: 'substrate:asset-hub-local',
      payer: f.dave,
      multisig: ms,
      assetHubId: WRAPPED_ID,
      name: 'Wrapped Test',
      symbol: 'wTST',
      decimals: 18,
      log: captureLogger('warn').log,
    })
    expect(again.status).toBe('exists')
    const err = await rejected(() =>
      setupWrappedAsset({
        api: f.api,
        chain: 'substrate:asset-hub-local',
        payer: f.dave,
        multisig: accountOf(f.dave),
        assetHubId: WRAPPED_ID,
        name: 'Wrapped Test',
        symbol: 'wTST',
        decimals: 18,
        log: captureLogger('warn').log,
      }),
    )
    expect(err).toMatchObject({ code: 'DEPLOY_FAILED' })
  })

  it('reports the configured committee once the chain shows the multisig owns the wrapped assets', async () => {
    for (const d of t.dests) expect(await d.committee()).toMatchObject({ epoch: 1n, threshold: 2 })
    const outsider = t.newDest(f.dave)
    expect(await rejected(() => outsider.committee())).toMatchObject({ code: 'COMMITTEE_MISMATCH' })
    expect(new Set(t.dests.map((d) => d.bridgeRef)).size).toBe(1)
  })

  it('executes exactly once when three relayers deliver the same certificate at once (NT-19)', async () => {
    const beneficiary = accountOf(f.dave)
    const m = messageTo(beneficiary, 5_000n)
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const supply0 = (await readAssetTeam(f.api, WRAPPED_ID))!.supply
    const progress = await Promise.all(t.dests.map((d) => lastValueFrom(d.deliverProgress$([item]).pipe(toArray()))))
    const results = progress.map((p) => (p.at(-1) as Extract<DeliveryProgress, { kind: 'settled' }>).results[0]!)
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'already-delivered')).toHaveLength(2)
    const winner = results.find((r) => r.status === 'delivered')!
    expect(winner.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await readAssetTeam(f.api, WRAPPED_ID))!.supply).toBe(supply0 + 5_000n)
    expect(await assetBalance(f, beneficiary)).toBeGreaterThanOrEqual(5_000n)
    const onChain = await executionsOnChain(
      f,
      t.dests[0]!.multisigAccount,
      callHashOf(f, m),
      deliveredMarkerHash(messageId(m)),
    )
    expect(onChain).toEqual({ executions: 1, markers: 1 })
  }, 90_000)
})
