// The SDK across kinds, through the API of a devnet that runs the chopsticks Asset Hub as `isthmus dev`
// does: a quote for EVM → Asset Hub (the committee multisig pays the delivery), an EVM → Asset Hub token
// transfer to an SS58 recipient signed with an ethers Signer, followed to `delivered`, and the wrapped
// IST minted to the beneficiary's AccountId32.
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto'
import { Contract, JsonRpcProvider, Wallet } from 'ethers'
import { lastValueFrom, toArray } from 'rxjs'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { addressToBytes32 } from '../../protocol/index.js'
import { createIsthmusClient, type Hex, TransferMismatchError } from '../../sdk/index.js'
import { rejected } from '../harness/thrown.js'

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
    // The API connected to Asset Hub at start and measures its ~0.5 s blocks (not the 12 s slot duration).
    expect(q.expectedSeconds).toBeLessThan(20)
    process.stderr.write(`sdkAssetHub: quote A -> Asset Hub expects ${q.expectedSeconds} s\n`)
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
      const res = await fetch(`${devnet.api!.url}/readyz`)
      expect(await res.json()).toMatchObject({
        ready: true,
        checks: expect.arrayContaining([{ name: `chain ${sub.ref}`, ok: true }]),
      })
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

describe('SDK: Asset Hub → EVM through the API', () => {
  it('quotes the Asset Hub source from the runtime fee of the outbound batch', async () => {
    const sub = devnet.substrate!
    const q = await createIsthmusClient({ apiUrl: devnet.api!.url }).quote({
      kind: 'token',
      from: sub.ref,
      to: devnet.a.ref,
      assetId: devnet.token.assetId,
      amount: 300n,
    })
    const source = q.fee.breakdown.find((b) => b.item === 'source_fee')!
    expect(source).toMatchObject({ paidBy: 'user', currency: `native:${sub.ref}` })
    expect(BigInt(source.amount)).toBeGreaterThan(0n)
    expect(q.fee.breakdown.find((b) => b.item === 'destination_delivery')).toMatchObject({ paidBy: 'relayers' })
    expect(q.expectedSeconds).toBeGreaterThan(2)
    process.stderr.write(`sdkAssetHub: quote Asset Hub -> A expects ${q.expectedSeconds} s\n`)
  })

  it('signs the API-built batch with a KeyringPair, derives the id and follows it to delivered (unlock on A)', async () => {
    await cryptoWaitReady()
    const sub = devnet.substrate!
    const client = createIsthmusClient({ apiUrl: devnet.api!.url, pollIntervalMs: 500 })
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(sub.users[0]!.uri)
    const user = devnet.users[1]!.address
    const provider = new JsonRpcProvider(devnet.a.rpcUrl, Number(devnet.a.chainId), { staticNetwork: true })
    const token = new Contract(devnet.token.homeToken, ['function balanceOf(address) view returns (uint256)'], provider)
    try {
      const before = (await token.getFunction('balanceOf')(user)) as bigint
      const wBefore = await wrappedBalance(sub.users[0]!.account)
      expect(wBefore).toBeGreaterThanOrEqual(300n)
      const started = Date.now()
      const r = await client.transfer(
        {
          kind: 'token',
          from: sub.ref,
          to: devnet.a.ref,
          assetId: devnet.token.assetId,
          amount: 300n,
          recipient: user,
        },
        { kind: 'substrate', api, pair },
      )
      const included = Date.now() - started
      expect(r.nonce >> 32n).toBe(r.blockNumber)
      const updates = await lastValueFrom(r.status$.pipe(toArray()))
      process.stderr.write(
        `sdkAssetHub: Asset Hub -> EVM included in ${included} ms, delivered in ${Date.now() - started} ms\n`,
      )
      expect(updates.at(-1)!.status).toBe('delivered')
      expect((await token.getFunction('balanceOf')(user)) as bigint).toBe(before + 300n)
      expect(await wrappedBalance(sub.users[0]!.account)).toBe(wBefore - 300n)
      expect(await client.getMessage(r.id)).toMatchObject({
        id: r.id,
        status: 'delivered',
        origin: sub.domain,
        sender: sub.users[0]!.account,
        recipient: addressToBytes32(user).toLowerCase(),
      })
    } finally {
      provider.destroy()
    }
  }, 120_000)

  it('sends an app message Asset Hub → the recipient contract on A (remark only) and follows it to delivered', async () => {
    await cryptoWaitReady()
    const sub = devnet.substrate!
    const client = createIsthmusClient({ apiUrl: devnet.api!.url, pollIntervalMs: 500 })
    const pair = new Keyring({ type: 'sr25519' }).addFromUri(sub.users[2]!.uri)
    const payload = '0x6173736574206875622073617973206869' as Hex
    const r = await client.transfer(
      { kind: 'message', from: sub.ref, to: devnet.a.ref, recipient: devnet.a.recipient, payload },
      { kind: 'substrate', api, pair },
    )
    const updates = await lastValueFrom(r.status$.pipe(toArray()))
    expect(updates.at(-1)!.status).toBe('delivered')
    expect(await client.getMessage(r.id)).toMatchObject({
      id: r.id,
      status: 'delivered',
      origin: sub.domain,
      sender: sub.users[2]!.account,
      recipient: addressToBytes32(devnet.a.recipient).toLowerCase(),
    })
  }, 120_000)

  it('refuses to sign a built call that is not what was asked for (a lying API)', async () => {
    await cryptoWaitReady()
    const sub = devnet.substrate!
    // An API that swaps the amount in the request it forwards: the call moves 5, the user asked for 1.
    const lying = createIsthmusClient({
      apiUrl: devnet.api!.url,
      fetch: (input, init) =>
        fetch(input, init?.body ? { ...init, body: String(init.body).replace('"amount":"1"', '"amount":"5"') } : init),
    })
    const pair = new Keyring({ type: 'sr25519' }).addFromUri(sub.users[1]!.uri)
    const req = {
      kind: 'token',
      from: sub.ref,
      to: devnet.a.ref,
      assetId: devnet.token.assetId,
      amount: 1n,
      recipient: devnet.users[1]!.address,
    } as const
    const e = await rejected(() => lying.transfer(req, { kind: 'substrate', api, pair }))
    expect(e).toBeInstanceOf(TransferMismatchError)
    expect(e).toMatchObject({ meta: { field: 'intent' } })
    expect(await wrappedBalance(sub.users[1]!.account)).toBe(0n)
  })
})
