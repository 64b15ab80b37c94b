import { jest } from '@jest/globals'
import { hexlify, randomBytes, SigningKey } from 'ethers'
import { signAttestation } from '../../../proofs/index.js'
import { attestationDigest, evmBridgeRef } from '../../../protocol/index.js'
import {
  attestationSubject,
  encodeAttestation,
  parseStatusEvent,
  publishDedup,
  STREAMS,
  SUBJECTS,
} from '../../../relayer/index.js'
import type { Hex } from '../../../types.js'
import { checkInvariants } from '../../harness/oracles.js'
import { MEMBERS, type RelayNet, startRelayNet, type TestNode, waitUntil } from './relayNetFixture.js'

jest.setTimeout(120_000)

const STATUS = { none: 0, delivered: 1, failed: 2 } as const

describe('relayer nodes over NATS JetStream (3 members, 2-of-3, two hardhat chains)', () => {
  let net: RelayNet
  let nodes: TestNode[]

  beforeAll(async () => {
    net = await startRelayNet()
    nodes = await Promise.all([0, 1, 2].map((k) => net.startNode(k)))
  })
  afterAll(async () => {
    await net?.close()
  })

  const delivered = (chain: RelayNet['a'], id: Hex, timeoutMs = 30_000) =>
    waitUntil(async () => (await net.statusOn(chain, id)) === STATUS.delivered, timeoutMs, `delivery of ${id}`)

  it('moves a token A -> B and back B -> A with exact balances, once each, and wrapped supply == locked', async () => {
    const { a, b, token, user } = net
    const balanceA0 = (await token.home.getFunction('balanceOf')(user.address)) as bigint
    const out = await net.sendToken(a, b, token.homeAddress, 1_000n, user.address)
    await delivered(b, out)
    expect(await token.wrapped.getFunction('balanceOf')(user.address)).toBe(1_000n)
    const back = await net.sendToken(b, a, token.wrappedAddress, 400n, user.address)
    await delivered(a, back)
    expect(await token.wrapped.getFunction('balanceOf')(user.address)).toBe(600n)
    expect(await token.home.getFunction('balanceOf')(user.address)).toBe(balanceA0 - 600n)
    const locked = (await token.home.getFunction('balanceOf')(a.bridgeAddress)) as bigint
    expect(await token.wrapped.getFunction('totalSupply')()).toBe(locked)
    expect(locked).toBe(600n)
    expect([await net.deliveredEvents(b, out), await net.deliveredEvents(a, back)]).toEqual([1, 1])
    const rec = await waitUntil(
      async () => {
        const r = await net.record(out)
        return r?.status === 'delivered' ? r : undefined
      },
      10_000,
      'KV status delivered',
    )
    expect(rec.delivery).toMatchObject({ chain: b.ref })
    expect(rec.certificate?.signers.length).toBeGreaterThanOrEqual(2)
  })

  it('delivers an app message to a recipient contract and publishes its status events', async () => {
    const { a, b } = net
    const id = await net.dispatchApp(a, b, await b.recipient.getAddress(), '0xc0ffee')
    await delivered(b, id)
    expect(await b.recipient.getFunction('lastPayload')()).toBe('0xc0ffee')
    expect(await b.recipient.getFunction('lastOrigin')()).toBe(BigInt(a.domain))
    for (const status of ['observed', 'verified', 'attested', 'certified', 'delivered']) {
      const m = await waitUntil(
        () => net.lastMessage(STREAMS.events, `${SUBJECTS.events}.${status}.${a.domain}.${b.domain}`),
        10_000,
        `a ${status} event`,
      )
      expect(parseStatusEvent(m.data).status).toBe(status)
    }
  })

  it('records a reverting recipient as failed with a reason and still delivers the messages after it', async () => {
    const { a, b } = net
    const bad = await net.dispatchApp(a, b, b.reverting, '0x01')
    const good = await net.dispatchApp(a, b, await b.recipient.getAddress(), '0x02')
    await delivered(b, good)
    await waitUntil(async () => (await net.statusOn(b, bad)) === STATUS.failed, 30_000, 'bad marked Failed')
    const rec = await waitUntil(
      async () => {
        const r = await net.record(bad)
        return r?.status === 'failed' ? r : undefined
      },
      10_000,
      'KV status failed',
    )
    expect(rec.failure).toMatchObject({ reason: 'RECIPIENT_REVERTED', retryable: false })
    expect(rec.failure?.detail?.length).toBeGreaterThan(2)
    const ev = await waitUntil(
      () => net.lastMessage(STREAMS.events, `${SUBJECTS.events}.failed.${a.domain}.${b.domain}`),
      10_000,
      'a failed event',
    )
    expect(parseStatusEvent(ev.data)).toMatchObject({ status: 'failed', id: bad, reason: 'RECIPIENT_REVERTED' })
    expect(await net.deliveredEvents(b, bad)).toBe(0)
  })

  it('delivers despite a byzantine relayer publishing garbage and wrong-digest attestations (F-31)', async () => {
    const { a, b } = net
    // Stop one honest member: the byzantine traffic must not make the remaining 2-of-3 fail.
    await nodes[2]!.stop()
    const id = await net.dispatchApp(a, b, await b.recipient.getAddress(), '0xbad0')
    const message = await net.messageOf(a, id)
    const destinationBridge = evmBridgeRef(b.chainId, b.bridgeAddress)
    const evil = MEMBERS[2]!
    // A committee key signing the wrong epoch, an outsider's key, and bytes that are not JSON.
    const wrong = signAttestation(
      attestationDigest({ epoch: 99n, destination: b.domain, destinationBridge, id }),
      evil.key,
    )
    const outsider = new SigningKey(hexlify(randomBytes(32)))
    const forged = signAttestation(
      attestationDigest({ epoch: 1n, destination: b.domain, destinationBridge, id }),
      outsider.privateKey as Hex,
    )
    for (const [name, signer, signature] of [
      ['evil-epoch', evil.address, wrong],
      ['evil-outsider', evil.address, forged],
    ] as const) {
      const doc = encodeAttestation({
        id,
        epoch: 1n,
        destination: b.domain,
        destinationBridge,
        signer,
        signature,
        relayer: name,
        message,
        signedAt: new Date(),
      })
      await publishDedup(net.js, attestationSubject(b.domain, id, name), doc, `${name}:${id}`)
    }
    await publishDedup(
      net.js,
      attestationSubject(b.domain, id, 'evil-garbage'),
      new TextEncoder().encode('{"v":'),
      `evil-garbage:${id}`,
    )
    await delivered(b, id)
    expect(await net.deliveredEvents(b, id)).toBe(1)
    const alerts = nodes
      .slice(0, 2)
      .flatMap((n) => n.lines)
      .filter((l) => l.level === 'error' && /ALERT (invalid attestation dropped|message dead-lettered)/.test(l.msg))
    expect(alerts.length).toBeGreaterThanOrEqual(1)
    nodes[2] = await net.startNode(2)
  })

  it('batches a burst of messages into few delivery transactions, each delivered exactly once', async () => {
    const { a, b } = net
    const recipient = await b.recipient.getAddress()
    const payloads = Array.from({ length: 30 }, (_, k) => `0x${(0x1000 + k).toString(16)}` as Hex)
    const { ids } = await net.dispatchBurst(a, b, recipient, payloads)
    for (const id of ids) await delivered(b, id, 60_000)
    const txs = new Set<string>()
    for (const id of ids) {
      const evs = await b.bridge.queryFilter(b.bridge.filters.Delivered!(id), b.deployBlock)
      expect(evs).toHaveLength(1)
      txs.add(evs[0]!.transactionHash)
    }
    expect(txs.size).toBeLessThan(ids.length)
  })

  it('passes the termination oracles I1 I2 I3 I5 I6 I8 I9 at quiescence', async () => {
    await waitUntil(
      async () => ((await net.jsm.streams.info(STREAMS.deliveries)).state.messages === 0 ? true : undefined),
      20_000,
      'an empty delivery queue',
    )
    expect(net.nodeErrors).toEqual([])
    const report = await checkInvariants(net.target, { minDeliveries: 5 })
    expect(report.violations).toEqual([])
    expect(report.stats.supply[net.token.assetId]).toEqual({ locked: 600n, wrapped: 600n })
  })
})
