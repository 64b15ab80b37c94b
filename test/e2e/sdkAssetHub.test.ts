// The SDK across kinds, through the API of a devnet that runs the chopsticks Asset Hub as `isthmus dev`
// does: a quote for EVM → Asset Hub (the committee multisig pays the delivery), an EVM → Asset Hub token
// transfer to an SS58 recipient signed with an ethers Signer, followed to `delivered`, and the wrapped
// IST minted to the beneficiary's AccountId32.
import { ApiPromise, WsProvider } from '@polkadot/api'
import { encodeAddress } from '@polkadot/util-crypto'
import { JsonRpcProvider, Wallet } from 'ethers'
import { lastValueFrom, toArray } from 'rxjs'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { createIsthmusClient, type Hex } from '../../sdk/index.js'

let devnet: Devnet
let api: ApiPromise

beforeAll(async () => {
  devnet = await startDevnet({
    blockTimeMs: 250,
    relayers: 'require',
    readyTimeoutMs: 120_000,
    substrate: true,
    assetHubBlockTimeMs: 500,
    api: true,
  })
  api = await ApiPromise.create({ provider: new WsProvider(devnet.substrate!.chain.wsUrl, 500), noInitWarn: true })
}, 300_000)

afterAll(async () => {
  await api?.disconnect().catch(() => {})
  await devnet?.stop()
}, 60_000)

const wrappedBalance = async (who: Hex): Promise<bigint> => {
  const acc = (await api.query.assets!.account!(devnet.substrate!.wrappedToken.assetHubId, who)) as unknown as {
    isSome?: boolean
    unwrap?: () => { balance: { toBigInt(): bigint } }
  }
  return acc.isSome && acc.unwrap ? acc.unwrap().balance.toBigInt() : 0n
}

describe('SDK: EVM → Asset Hub through the API', () => {
  it('quotes the route from live data: EVM gas for the user, the multisig execution for the committee', async () => {
    const sub = devnet.substrate!
    const client = createIsthmusClient({ apiUrl: devnet.api!.url })
    const q = await client.quote({
      kind: 'token',
      from: devnet.a.ref,
      to: sub.ref,
      assetId: devnet.token.assetId,
      amount: 700n,
    })
    expect(q.route).toEqual({ from: devnet.a.ref, to: sub.ref })
    const delivery = q.fee.breakdown.find((b) => b.item === 'destination_delivery')!
    expect(delivery).toMatchObject({ paidBy: 'committee', currency: `native:${sub.ref}` })
    expect(BigInt(delivery.amount)).toBeGreaterThan(0n)
    expect(q.fee.currency).toBe(`native:${devnet.a.ref}`)
    expect(BigInt(q.fee.total)).toBe(
      q.fee.breakdown.filter((b) => b.paidBy === 'user').reduce((s, b) => s + BigInt(b.amount), 0n),
    )
    // EVM finality (blocks + 1 of ~0.25 s) + relay overhead (2 s) + two Asset Hub blocks (~0.5 s each).
    expect(q.expectedSeconds).toBeGreaterThan(2)
    expect(q.expectedSeconds).toBeLessThan(30)
    expect(q.warnings).toEqual([])
    const chains = await client.chains()
    expect(chains.find((c) => c.ref === sub.ref)).toMatchObject({
      kind: 'substrate',
      domain: sub.domain,
      bridge: sub.chain.genesisHash,
      head: { number: expect.stringMatching(/^\d+$/) },
    })
    const ist = (await client.assets()).find((a) => a.assetId === devnet.token.assetId)!
    expect(ist.representations).toContainEqual({
      chain: sub.ref,
      domain: sub.domain,
      address: String(sub.wrappedToken.assetHubId),
      kind: 'wrapped',
    })
    expect(ist.routes).toContainEqual({ from: devnet.a.ref, to: sub.ref })
  })

  it('transfers IST from chain A to an SS58 Asset Hub account and follows it to delivered', async () => {
    const sub = devnet.substrate!
    const client = createIsthmusClient({ apiUrl: devnet.api!.url, pollIntervalMs: 500 })
    const alice = sub.users[0]!.account
    const before = await wrappedBalance(alice)
    const provider = new JsonRpcProvider(devnet.a.rpcUrl, Number(devnet.a.chainId), {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    })
    try {
      const started = Date.now()
      const r = await client.transfer(
        {
          kind: 'token',
          from: devnet.a.ref,
          to: sub.ref,
          assetId: devnet.token.assetId,
          amount: 700n,
          recipient: encodeAddress(alice, 42),
        },
        new Wallet(devnet.users[0]!.privateKey, provider),
      )
      const updates = await lastValueFrom(r.status$.pipe(toArray()))
      process.stderr.write(`sdkAssetHub: EVM -> Asset Hub delivered in ${Date.now() - started} ms\n`)
      expect(updates.at(-1)!.status).toBe('delivered')
      expect(await wrappedBalance(alice)).toBe(before + 700n)
      expect(await client.getMessage(r.id)).toMatchObject({
        id: r.id,
        status: 'delivered',
        destination: sub.domain,
        recipient: alice,
      })
    } finally {
      provider.destroy()
    }
  }, 120_000)
})
