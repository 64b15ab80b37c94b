// The SDK with a Fabric source, through the API of a devnet with the local Fabric network (as
// `isthmus dev --fabric` runs it): the API returns the bridge chaincode proposal, the SDK endorses and
// submits it with the caller's own fabric-gateway Gateway (Org1's User1), checks the Dispatch
// chaincode event against the request and follows the message to `delivered` on chain A.
import { Contract, JsonRpcProvider } from 'ethers'
import { lastValueFrom, toArray } from 'rxjs'
import type { FabricGatewayConnection } from '../../adapters/index.js'
import { connectFabricPeer } from '../../cli/devnet/initializeFabricBridge.js'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { createIsthmusClient, fabricAccountOf, TransferFailedError } from '../../sdk/index.js'
import { rejected } from '../harness/thrown.js'

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
