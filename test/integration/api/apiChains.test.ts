// The API's chain side against real hardhat chains (a devnet without relayers) and its nats-server:
// quotes from live fee data with pause / rate-limit / large-transfer warnings, unsigned transfers that
// approve only when the allowance is short, and reason codes that read the destination's state.
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { Wallet } from 'ethers'
import { type ApiServer, apiSetupOf, createApiServer } from '../../../api/index.js'
import { GAS } from '../../../api/quoteTransfer.js'
import type { MessageView, QuoteResponse, TransferResponse } from '../../../api/schemas.js'
import { apiCommand } from '../../../cli/commands/api.js'
import { commands } from '../../../cli/commands/index.js'
import { createLogger } from '../../../cli/createLogger.js'
import { startApiProcess, writeApiConfig } from '../../../cli/devnet/apiProcess.js'
import { type Devnet, startDevnet } from '../../../cli/devnet/startDevnet.js'
import { loadConfig } from '../../../config/index.js'
import { addressToBytes32, encodeMessage, encodeTokenTransferBody, messageId } from '../../../protocol/index.js'
import {
  BUCKETS,
  connectNats,
  encodeMessageRecord,
  ensureTopology,
  type MessageRecord,
  publishStatusEvent,
} from '../../../relayer/index.js'
import type { Hex, Message } from '../../../types.js'
import { type DevnetClient, devnetClient } from '../../harness/devnetClient.js'
import { eventually } from '../../harness/waitFor.js'

jest.setTimeout(90_000)

const TOKEN = 10n ** 18n
let devnet: Devnet
let client: DevnetClient
let nc: NatsConnection
let api: ApiServer

const postJson = async <T>(path: string, body: unknown): Promise<{ status: number; body: T }> => {
  const r = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: r.status, body: (await r.json()) as T }
}
const quote = (amount: bigint) =>
  postJson<QuoteResponse>('/v1/quote', {
    from: devnet.a.ref,
    to: devnet.b.ref,
    kind: 'token',
    assetId: devnet.token.assetId,
    amount: amount.toString(),
  })

beforeAll(async () => {
  devnet = await startDevnet({ relayers: 'none', blockTimeMs: 250, readyTimeoutMs: 60_000 })
  client = devnetClient(devnet)
  const log = createLogger({ level: 'warn' })
  nc = await connectNats({ servers: [devnet.nats.url], name: 'api-chains-test' }, log)
  // The devnet's api config (relayer config + the test token), as `isthmus dev` writes it.
  const cfg = loadConfig(
    process.env,
    writeApiConfig({
      stateDir: devnet.stateDir,
      relayerConfigPath: devnet.relayers[0]!.configPath,
      token: { ...devnet.token, homeChain: devnet.a.ref, homeToken: devnet.token.homeToken },
    }),
  )
  api = await createApiServer({ setup: apiSetupOf(cfg, log), nc, log })
}, 120_000)
afterAll(async () => {
  await api?.close()
  await nc?.close()
  client?.close()
  await devnet?.stop()
})

describe('API readiness before the relayers', () => {
  it('is not ready until the EVENTS stream exists, then indexes without a restart', async () => {
    const r = await fetch(`${api.url}/readyz`)
    expect(r.status).toBe(503)
    const body = (await r.json()) as { checks: { name: string; ok: boolean }[] }
    expect(body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['event-index'])
    await ensureTopology(jetstream(nc))
    await eventually(
      'the index to consume EVENTS',
      async () => ((await fetch(`${api.url}/readyz`)).status === 200 ? true : undefined),
      20_000,
      200,
    )
  })
})

describe('isthmus api', () => {
  it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const proc = await startApiProcess({
      stateDir: devnet.stateDir,
      relayerConfigPath: devnet.relayers[0]!.configPath,
      token: { ...devnet.token, homeChain: devnet.a.ref, homeToken: devnet.token.homeToken },
      logFile: `${devnet.stateDir}/logs/api-2.log`,
      readyTimeoutMs: 30_000,
    })
    expect(proc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await (await fetch(`${proc.url}/healthz`)).json()).toEqual({ ok: true })
    proc.process.signal('SIGTERM')
    expect(await proc.process.exited).toBe(0)
    expect(proc.process.output()).toContain('api stopped')
    expect(apiCommand.usage).toContain('Usage: isthmus api --config <file>')
    expect(commands).toContain(apiCommand)
  })
})

describe('POST /v1/quote on live chains', () => {
  it('prices the route from fee data and finality, and warns of pause, rate limit and large-transfer delay', async () => {
    const plain = await quote(20n * TOKEN)
    expect(plain.status).toBe(200)
    expect(plain.body.warnings).toEqual([])
    expect(plain.body.finality.blocks).toBe(devnet.a.confirmations)
    const fee = await client.provider('A').send('eth_getBlockByNumber', ['latest', false])
    const source = plain.body.fee.breakdown.find((b) => b.item === 'source_gas')!
    // priced at 2 x base fee + tip of the current block: at least the base fee's share
    expect(BigInt(source.amount)).toBeGreaterThanOrEqual(130_000n * BigInt(fee.baseFeePerGas))

    const owner = client.bridge('B', devnet.deployer)
    await (await owner.getFunction('setRateLimit')(devnet.token.assetId, 10n * TOKEN, TOKEN)).wait()
    await (await owner.getFunction('setLargeTransfer')(devnet.token.assetId, 15n * TOKEN, 3_600n)).wait()
    await client.setPaused('B', true)
    try {
      const warned = await quote(20n * TOKEN)
      expect(warned.body.warnings.map((w) => w.code)).toEqual([
        'destination_paused',
        'rate_limited',
        'queued_large_transfer',
      ])
      expect(warned.body.expectedSeconds).toBeGreaterThanOrEqual(plain.body.expectedSeconds + 3_600 - 5)
      expect((await quote(5n * TOKEN)).body.warnings.map((w) => w.code)).toEqual(['destination_paused'])
    } finally {
      await client.setPaused('B', false)
      await (await owner.getFunction('clearRateLimit')(devnet.token.assetId)).wait()
      await (await owner.getFunction('setLargeTransfer')(devnet.token.assetId, 0n, 0n)).wait()
    }
  })
})

describe('POST /v1/transfers on live chains', () => {
  it('asks for an approve only while the allowance is short, within the quoted gas, and burns wrapped tokens from B', async () => {
    const user = devnet.users[0]!
    const body = {
      from: devnet.a.ref,
      to: devnet.b.ref,
      kind: 'token',
      sender: user.address,
      recipient: user.address,
      assetId: devnet.token.assetId,
      amount: (3n * TOKEN).toString(),
    }
    const first = await postJson<TransferResponse>('/v1/transfers', body)
    expect(first.status).toBe(200)
    expect(first.body.txs.map((t) => t.to)).toEqual([
      devnet.token.homeToken.toLowerCase(),
      devnet.a.bridge.toLowerCase(),
    ])
    const wallet = new Wallet(user.privateKey, client.provider('A'))
    const sendTx = async (t: TransferResponse['txs'][number]) => {
      const r = await (await wallet.sendTransaction({ to: t.to, data: t.data, chainId: BigInt(t.chainId) })).wait(
        1,
        30_000,
      )
      expect(r?.status).toBe(1)
      return r!.gasUsed
    }
    // the quote's gas figures are upper bounds of what the transactions use
    expect(await sendTx(first.body.txs[0]!)).toBeLessThanOrEqual(GAS.approve)
    const again = await postJson<TransferResponse>('/v1/transfers', body)
    expect(again.body.txs.map((t) => t.description.split(' ')[0])).toEqual(['send'])
    expect(await sendTx(again.body.txs[0]!)).toBeLessThanOrEqual(GAS.sendToken)
    const msg = await postJson<TransferResponse>('/v1/transfers', {
      from: devnet.a.ref,
      to: devnet.b.ref,
      kind: 'message',
      sender: user.address,
      recipient: devnet.b.recipient,
      payload: `0x${'ab'.repeat(256)}`,
    })
    expect(await sendTx(msg.body.txs[0]!)).toBeLessThanOrEqual(GAS.dispatchBase + 256n * GAS.dispatchPerByte)

    const back = await postJson<TransferResponse>('/v1/transfers', { ...body, from: devnet.b.ref, to: devnet.a.ref })
    expect(back.status).toBe(200)
    expect(back.body.chain).toBe(devnet.b.ref)
    expect(back.body.txs.at(-1)!.to).toBe(devnet.b.bridge.toLowerCase())
    expect(back.body.txs.at(-1)!.chainId).toBe(devnet.b.chainId.toString())
    expect(back.body.txs[0]!.to).toBe(devnet.token.wrappedToken.toLowerCase())
    expect(back.body.txs.at(-1)!.description).toBe(`send ${3n * TOKEN} IST (base units) to domain ${devnet.a.domain}`)
  })

  it('refuses a beneficiary that is not an EVM address on an EVM destination', async () => {
    const r = await postJson<{ error: { code: string; field: string } }>('/v1/transfers', {
      from: devnet.a.ref,
      to: devnet.b.ref,
      kind: 'message',
      sender: devnet.users[0]!.address,
      recipient: `0x${'ff'.repeat(32)}`,
      payload: '0x01',
    })
    expect(r).toEqual({
      status: 400,
      body: { error: expect.objectContaining({ code: 'request_invalid', field: 'recipient' }) },
    })
  })
})

describe('GET /v1/messages/{id} reasons from destination state', () => {
  it('says destination paused, then rate-limited until the bucket refills', async () => {
    const js = jetstream(nc)
    const m: Message = {
      version: 1,
      nonce: 77n,
      origin: devnet.a.domain,
      sender: addressToBytes32(devnet.users[0]!.address),
      destination: devnet.b.domain,
      recipient: addressToBytes32(devnet.users[0]!.address),
      body: encodeTokenTransferBody({
        asset: devnet.token.assetId,
        amount: 50n * TOKEN,
        beneficiary: addressToBytes32(devnet.users[0]!.address),
      }),
    }
    const id = messageId(m)
    const at = new Date().toISOString()
    const record: MessageRecord = {
      v: 1,
      id,
      origin: m.origin,
      destination: m.destination,
      nonce: m.nonce,
      message: `0x${Buffer.from(encodeMessage(m)).toString('hex')}` as Hex,
      status: 'certified',
      epoch: 1n,
      threshold: 2,
      attestations: {},
      stages: { attested: at, certified: at },
      updatedAt: at,
    }
    await (await new Kvm(js).open(BUCKETS.messages)).put(id, encodeMessageRecord(record))
    const { seq } = await publishStatusEvent(js, {
      v: 1,
      id,
      origin: m.origin,
      destination: m.destination,
      nonce: m.nonce,
      at,
      status: 'certified',
      epoch: 1n,
      threshold: 2,
      signers: devnet.committee.signers
        .slice(0, 2)
        .map((s) => s.toLowerCase() as Hex)
        .sort(),
    })
    await api.index.waitForSeq(seq, 5_000)
    const get = async () => (await (await fetch(`${api.url}/v1/messages/${id}`)).json()) as MessageView
    // the sender and transfer come from the KV record, read in the background
    for (let i = 0; i < 40 && !(await get()).transfer; i++) await new Promise((r) => setTimeout(r, 50))
    expect((await get()).transfer?.amount).toBe((50n * TOKEN).toString())

    const owner = client.bridge('B', devnet.deployer)
    await client.setPaused('B', true)
    try {
      await new Promise((r) => setTimeout(r, 2_100)) // live facts are cached 2 s
      expect((await get()).waitingFor).toEqual({ code: 'destination_paused', detail: 'destination paused' })
    } finally {
      await client.setPaused('B', false)
    }
    await (await owner.getFunction('setRateLimit')(devnet.token.assetId, 10n * TOKEN, TOKEN)).wait()
    try {
      await new Promise((r) => setTimeout(r, 2_100))
      const t0 = Date.now()
      const w = (await get()).waitingFor!
      expect(w.code).toBe('rate_limited')
      // 40 tokens short at 1 token/s
      const wait = Date.parse(w.until!) - t0
      expect(wait).toBeGreaterThan(35_000)
      expect(wait).toBeLessThan(45_000)
      expect(w.detail).toBe(`rate-limited until ${w.until}`)
    } finally {
      await (await owner.getFunction('clearRateLimit')(devnet.token.assetId)).wait()
    }
  })
})
