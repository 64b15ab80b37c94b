// The SDK with a Fabric source, through the API of a devnet with the local Fabric network (as
// `isthmus dev --fabric` runs it): the API returns the bridge chaincode proposal, the SDK endorses and
// submits it with the caller's own fabric-gateway Gateway (Org1's User1), checks the Dispatch
// chaincode event against the request and follows the message to `delivered` on chain A.
import { Contract, Interface, JsonRpcProvider, Wallet } from 'ethers'
import { lastValueFrom, toArray } from 'rxjs'
import { BRIDGE_ABI } from '../../adapters/evm/bridgeAbi.js'
import type { FabricGatewayConnection } from '../../adapters/index.js'
import type { QuoteResponse, TransferResponse } from '../../api/schemas.js'
import { FABRIC_BATCH_TIMEOUT_MS } from '../../cli/devnet/fabricConfigFiles.js'
import { connectFabricPeer } from '../../cli/devnet/initializeFabricBridge.js'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { createIsthmusClient, fabricAccountOf, TransferFailedError } from '../../sdk/index.js'
import { rejected } from '../harness/thrown.js'
import { eventually } from '../harness/waitFor.js'

let devnet: Devnet
let conn: FabricGatewayConnection

beforeAll(async () => {
  devnet = await startDevnet({
    blockTimeMs: 250,
    relayers: 'require',
    readyTimeoutMs: 120_000,
    fabric: true,
    api: true,
  })
  const net = devnet.fabric!.network
  conn = connectFabricPeer(net, net.identities.Org1MSP!.user, 0)
}, 300_000)

afterAll(async () => {
  conn?.close()
  await devnet?.stop()
}, 60_000)

describe('SDK: Fabric → EVM through the API', () => {
  it('submits the API-built sendToken proposal with the caller’s gateway and follows it to delivered on A', async () => {
    const f = devnet.fabric!
    const client = createIsthmusClient({ apiUrl: devnet.api!.url, pollIntervalMs: 500 })
    expect((await client.chains()).find((c) => c.ref === f.ref)).toMatchObject({ kind: 'fabric', domain: f.domain })
    expect(fabricAccountOf(conn.gateway)).toBe(f.user.account)
    // GET /v1/assets lists the chaincode's representation of the EVM-home token, and the routes to Fabric.
    const ist = (await client.assets()).find((a) => a.assetId.toLowerCase() === devnet.token.assetId.toLowerCase())!
    expect(ist.representations).toContainEqual({
      chain: f.ref,
      domain: f.domain,
      address: ist.assetId.toLowerCase(),
      kind: 'wrapped',
    })
    expect(ist.routes).toContainEqual({ from: devnet.a.ref, to: f.ref })
    const user = devnet.users[2]!.address
    const provider = new JsonRpcProvider(devnet.a.rpcUrl, Number(devnet.a.chainId), { staticNetwork: true })
    const wfab = new Contract(f.fab.wrappedOnA, ['function balanceOf(address) view returns (uint256)'], provider)
    try {
      const before = (await wfab.getFunction('balanceOf')(user)) as bigint
      const started = Date.now()
      const r = await client.transfer(
        { kind: 'token', from: f.ref, to: devnet.a.ref, assetId: f.fab.assetId, amount: 25n, recipient: user },
        { kind: 'fabric', gateway: conn.gateway },
      )
      const committed = Date.now() - started
      const updates = await lastValueFrom(r.status$.pipe(toArray()))
      process.stderr.write(
        `sdkFabric: Fabric -> EVM committed in ${committed} ms, delivered in ${Date.now() - started} ms\n`,
      )
      expect(updates.at(-1)!.status).toBe('delivered')
      expect((await wfab.getFunction('balanceOf')(user)) as bigint).toBe(before + 25n)
      expect(await client.getMessage(r.id)).toMatchObject({
        id: r.id,
        status: 'delivered',
        origin: f.domain,
        sender: f.user.account,
      })
    } finally {
      provider.destroy()
    }
  }, 120_000)

  it('reports the chaincode’s refusal (amount above the balance) as TransferFailedError', async () => {
    const f = devnet.fabric!
    const client = createIsthmusClient({ apiUrl: devnet.api!.url })
    const e = await rejected(() =>
      client.transfer(
        {
          kind: 'token',
          from: f.ref,
          to: devnet.a.ref,
          assetId: f.fab.assetId,
          amount: 10n ** 30n,
          recipient: devnet.users[2]!.address,
        },
        { kind: 'fabric', gateway: conn.gateway },
      ),
    )
    expect(e).toBeInstanceOf(TransferFailedError)
    expect((e as Error).message).toMatch(/refused/)
  })
})

describe('API: quotes and EVM → Fabric transfers', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${devnet.api!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    })

  it('quotes Fabric both ways: no gas on Fabric (0 items with a note), time from the batch timeout', async () => {
    const f = devnet.fabric!
    const out = await post('/v1/quote', {
      from: f.ref,
      to: devnet.a.ref,
      kind: 'token',
      assetId: f.fab.assetId,
      amount: '5',
    })
    expect(out.status).toBe(200)
    const q = (await out.json()) as QuoteResponse
    expect(q.fee.total).toBe('0')
    expect(q.fee.breakdown[0]).toMatchObject({ item: 'source_fee', amount: '0', paidBy: 'user' })
    expect(q.fee.breakdown[0]!.note).toMatch(/no gas/)
    expect(q.fee.breakdown.find((b) => b.item === 'destination_delivery')).toMatchObject({ paidBy: 'relayers' })
    expect(q.finality).toEqual({ blocks: 0, blockTimeSeconds: FABRIC_BATCH_TIMEOUT_MS / 1000 }) // the orderer's
    expect(q.expectedSeconds).toBeGreaterThan(2) // batch + relay overhead + A's confirmations
    const inbound = await post('/v1/quote', {
      from: devnet.a.ref,
      to: f.ref,
      kind: 'token',
      assetId: devnet.token.assetId,
      amount: '5',
    })
    expect(inbound.status).toBe(200)
    const r = (await inbound.json()) as QuoteResponse
    expect(BigInt(r.fee.total)).toBeGreaterThan(0n) // the user's EVM gas
    const delivery = r.fee.breakdown.find((b) => b.item === 'destination_delivery')!
    expect(delivery).toMatchObject({ amount: '0', paidBy: 'committee' })
    expect(delivery.note).toMatch(/no gas/)
    expect(r.expectedSeconds).toBeGreaterThanOrEqual(2 + FABRIC_BATCH_TIMEOUT_MS / 1000) // ≥ relay overhead + one batch
    const unknown = await post('/v1/quote', {
      from: devnet.a.ref,
      to: f.ref,
      kind: 'token',
      assetId: `0x${'ab'.repeat(32)}`,
      amount: '5',
    })
    expect(unknown.status).toBe(400)
  })

  it('builds an EVM → Fabric transfer to {mspId, certificate}; the test wallet signs it; delivered on Fabric', async () => {
    const f = devnet.fabric!
    const user = devnet.users[1]!
    const contract = conn.gateway.getNetwork(f.network.channel).getContract(f.network.chaincode, 'isthmus')
    const balance = async () =>
      BigInt(
        new TextDecoder().decode(await contract.evaluateTransaction('balanceOf', f.user.account, devnet.token.assetId)),
      )
    const refused = await post('/v1/transfers', {
      from: devnet.a.ref,
      to: f.ref,
      kind: 'token',
      sender: user.address,
      recipient: user.address, // a 20-byte address is no Fabric identity
      assetId: devnet.token.assetId,
      amount: '3',
    })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { field: string } }).error.field).toBe('recipient')
    const built = await post('/v1/transfers', {
      from: devnet.a.ref,
      to: f.ref,
      kind: 'token',
      sender: user.address,
      recipient: { mspId: f.user.mspId, certificate: f.user.certPem },
      assetId: devnet.token.assetId,
      amount: '3',
    })
    expect(built.status).toBe(200)
    const plan = (await built.json()) as TransferResponse
    expect(plan).toMatchObject({ kind: 'evm-tx', recipient: f.user.account })
    if (plan.kind !== 'evm-tx') return
    const before = await balance()
    const quote = await post('/v1/quote', {
      from: devnet.a.ref,
      to: f.ref,
      kind: 'token',
      assetId: devnet.token.assetId,
      amount: '3',
    })
    const quoted = ((await quote.json()) as QuoteResponse).expectedSeconds
    const sentAt = Date.now()
    const provider = new JsonRpcProvider(devnet.a.rpcUrl, Number(devnet.a.chainId), {
      staticNetwork: true,
      batchMaxCount: 1,
      pollingInterval: 100,
    })
    const bridge = new Interface(BRIDGE_ABI)
    let id: string | undefined
    try {
      const wallet = new Wallet(user.privateKey, provider)
      let nonce = await provider.getTransactionCount(user.address, 'latest') // explicit: consecutive txs
      for (const tx of plan.txs) {
        const sent = await wallet.sendTransaction({
          to: tx.to,
          data: tx.data,
          value: BigInt(tx.value),
          chainId: BigInt(tx.chainId),
          nonce: nonce++,
        })
        const receipt = await sent.wait(1, 30_000)
        expect(receipt?.status).toBe(1)
        for (const l of receipt?.logs ?? []) {
          const ev = bridge.parseLog(l)
          if (ev?.name === 'Dispatch') id = (ev.args.getValue('id') as string).toLowerCase()
        }
      }
    } finally {
      provider.destroy()
    }
    expect(id).toBeDefined()
    const started = Date.now()
    await eventually(
      'the Fabric balance to grow by 3',
      async () => ((await balance()) === before + 3n ? true : undefined),
      90_000,
    )
    process.stderr.write(
      `sdkFabric: EVM -> Fabric quoted ${quoted} s, delivered ${Date.now() - sentAt} ms after signing (${Date.now() - started} ms after the source receipt)\n`,
    )
    const view = await eventually(
      'the API to report delivered',
      async () => {
        const r = await fetch(`${devnet.api!.url}/v1/messages/${id}`, { signal: AbortSignal.timeout(5_000) })
        const v = (await r.json()) as { status?: string; recipient?: string }
        return v.status === 'delivered' ? v : undefined
      },
      20_000,
    )
    expect(view.recipient).toBe(f.user.account)
  }, 150_000)
})
