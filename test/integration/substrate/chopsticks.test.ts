import {
  type ChopsticksFixture,
  DEV_FUNDS,
  startChopsticksFixture,
  stopChopsticksFixture,
} from '../../harness/chopsticks.js'

describe('chopsticks harness (Rococo Asset Hub, --genesis, manual blocks)', () => {
  let f: ChopsticksFixture | undefined
  let startMs = 0
  beforeAll(async () => {
    const t0 = Date.now()
    f = await startChopsticksFixture()
    startMs = Date.now() - t0
  }, 120_000)
  afterAll(() => stopChopsticksFixture(f), 30_000)

  it('starts on a loopback port with the Asset Hub runtime and the pallets the bridge uses', () => {
    const { chain, api } = f!
    expect(chain.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(api.genesisHash.toHex()).toBe(chain.genesisHash)
    expect(api.runtimeVersion.specName.toString()).toBe('statemine')
    for (const p of ['utility', 'multisig', 'assets', 'balances', 'proxy'] as const) expect(api.tx[p]).toBeDefined()
    expect(api.tx.utility!.batchAll).toBeDefined()
    expect(api.tx.system!.remarkWithEvent).toBeDefined()
    expect(startMs).toBeLessThan(120_000)
  })

  it('funds dev accounts with dev_setStorage', async () => {
    const acc = (await f!.api.query.system!.account!(f!.alice.address)) as unknown as {
      data: { free: { toBigInt(): bigint } }
    }
    expect(acc.data.free.toBigInt()).toBe(DEV_FUNDS)
  })

  it('builds blocks only on dev_newBlock, several at once, and rewinds with dev_setHead', async () => {
    const { chain } = f!
    const before = await chain.headNumber()
    await new Promise((r) => setTimeout(r, 300))
    expect(await chain.headNumber()).toBe(before)
    const t0 = Date.now()
    await chain.newBlock()
    const oneBlockMs = Date.now() - t0
    expect(await chain.headNumber()).toBe(before + 1)
    await chain.newBlock(3)
    expect(await chain.headNumber()).toBe(before + 4)
    await chain.setHead(before + 2)
    expect(await chain.headNumber()).toBe(before + 2)
    expect(oneBlockMs).toBeLessThan(30_000)
  })

  it('includes a submitted batchAll with its events at the block', async () => {
    const { chain, api, alice, bob } = f!
    const tx = api.tx.utility!.batchAll!([
      api.tx.balances!.transferKeepAlive!(bob.address, 1_000_000n),
      api.tx.system!.remarkWithEvent!('0x1234'),
    ])
    await tx.signAndSend(alice, { nonce: -1 })
    const hash = await chain.newBlock()
    const at = await api.at(hash)
    const events = (await at.query.system!.events!()) as unknown as { event: { section: string; method: string } }[]
    const names = events.map((e) => `${e.event.section}.${e.event.method}`)
    expect(names).toEqual(
      expect.arrayContaining([
        'utility.BatchCompleted',
        'system.Remarked',
        'balances.Transfer',
        'system.ExtrinsicSuccess',
      ]),
    )
  })
})
