// I4 (every signature made on a final block) and I6's "no holes in the scanned ranges" must not be
// vacuous: on a real devnet without relayers (3 confirmations), each passes correct data and flags
// a violation made here by hand — a bundle signed too early, an observed head that is not the
// chain's block, a lying attestation, and cursor histories with a hole, a wrong hash or a late start.
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { keccak256, toUtf8Bytes } from 'ethers'
import { pino } from 'pino'
import { firstValueFrom, takeWhile, timeout, toArray } from 'rxjs'
import { createEvmAdapter, type ObservedMessage } from '../../adapters/index.js'
import { type Devnet, type DevnetChain, startDevnet } from '../../cli/devnet/startDevnet.js'
import { attestationDigest, bytesToHex, encodeMessage, evmBridgeRef, messageId } from '../../protocol/index.js'
import {
  attestationSubject,
  BUCKETS,
  cursorKey,
  encodeAttestation,
  ensureTopology,
  proofSubject,
} from '../../relayer/index.js'
import type { Hex, Message } from '../../types.js'
import { type OracleTarget, oracleTargetOf } from '../harness/chainState.js'
import { type DevnetClient, devnetClient } from '../harness/devnetClient.js'
import { checkInvariants, type Violation } from '../harness/oracles.js'
import { signCertificate, signDigest } from '../harness/signCertificate.js'

jest.setTimeout(60_000)

const CONFIRMATIONS = 3
let devnet: Devnet
let client: DevnetClient
let target: OracleTarget
let nc: NatsConnection
const ENC = new TextEncoder()

const only = (vs: Violation[], oracle: Violation['oracle']) =>
  vs.filter((v) => v.oracle === oracle).map((v) => v.detail)

const mine = (c: DevnetChain, blocks: number) => c.node.rpc('hardhat_mine', [`0x${blocks.toString(16)}`])
const head = async (c: DevnetChain) => BigInt(await c.node.rpc<string>('eth_blockNumber'))
const hashAt = async (c: DevnetChain, n: bigint) =>
  (await c.node.rpc<{ hash: Hex }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])).hash

/** Everything an adapter with `confirmations` sees on A from the deployment up to its finalized head now. */
const observeA = async (confirmations: number): Promise<ObservedMessage[]> => {
  const source = createEvmAdapter(
    {
      chain: devnet.a.ref,
      chainId: devnet.a.chainId,
      domain: devnet.a.domain,
      rpcUrls: [devnet.a.rpcUrl],
      bridge: devnet.a.bridge,
      finality: { mode: 'confirmations', confirmations },
      pollIntervalMs: 50,
      maxFeePerGasCapWei: 10n ** 11n,
    },
    { log: pino({ level: 'silent' }) },
  )
  try {
    const finalized = (await head(devnet.a)) - BigInt(confirmations - 1)
    const batches = await firstValueFrom(
      source.observe$(devnet.a.deployBlock).pipe(
        takeWhile((b) => b.toBlock < finalized, true),
        toArray(),
        timeout(10_000),
      ),
    )
    return batches.flatMap((b) => b.messages)
  } finally {
    await source.close()
  }
}

/** Deliver on B with a 2-of-3 certificate of the devnet committee, as a relayer would. */
const deliverOnB = async (m: Message) => {
  const cert = signCertificate({
    keys: devnet.committee.keys.slice(0, 2),
    epoch: devnet.committee.epoch,
    destination: devnet.b.domain,
    destinationBridge: evmBridgeRef(devnet.b.chainId, devnet.b.bridge),
    id: messageId(m),
  })
  const tx = await client.bridge('B', devnet.users[2]!).getFunction('deliver')(
    bytesToHex(encodeMessage(m)),
    cert.epoch,
    cert.signatures,
  )
  expect((await tx.wait())?.status).toBe(1)
}

const publishBundle = (o: ObservedMessage, bundle: object, msgId: string) =>
  jetstream(nc).publish(proofSubject(devnet.a.domain, o.id), ENC.encode(JSON.stringify(bundle)), { msgID: msgId })

const dispatchOne = async (payload: Hex): Promise<Hex> =>
  (
    await client.dispatchApp({ from: 'A', user: devnet.users[0]!, recipient: devnet.b.recipient, payloads: [payload] })
  )[0]!

beforeAll(async () => {
  devnet = await startDevnet({ relayers: 'none', blockTimeMs: 0, confirmations: CONFIRMATIONS })
  client = devnetClient(devnet)
  target = oracleTargetOf(devnet)
  nc = await connect({ servers: [devnet.nats.url], timeout: 5_000 })
  await ensureTopology(jetstream(nc))
})

afterAll(async () => {
  await nc?.close()
  client?.close()
  await devnet?.stop()
})

describe('I4: signatures on final blocks only', () => {
  let good: ObservedMessage

  it('passes a delivery whose bundle was made 3 confirmations deep on the chain as it is', async () => {
    const id = await dispatchOne('0x0401')
    await mine(devnet.a, CONFIRMATIONS - 1)
    const seen = await observeA(CONFIRMATIONS)
    good = seen.find((o) => o.id === id)!
    expect(good).toBeDefined()
    const f = good.bundle['finality'] as { observedHeadNumber: string }
    expect(BigInt(f.observedHeadNumber) - good.source.blockNumber + 1n).toBeGreaterThanOrEqual(BigInt(CONFIRMATIONS))
    await publishBundle(good, good.bundle, `relayer-1:${id}`)
    await deliverOnB(good.message)
    const r = await checkInvariants(target)
    expect(r.violations).toEqual([])
    expect(r.stats).toMatchObject({ delivered: 1, proofBundles: 1, finalityClaims: 1 })
  })

  it('flags a bundle signed 1 block deep on a route that needs 3, though the bundle itself verifies (I9)', async () => {
    const id = await dispatchOne('0x0402')
    const early = (await observeA(1)).find((o) => o.id === id)!
    expect(early).toBeDefined()
    const subject = proofSubject(devnet.a.domain, id)
    await publishBundle(early, early.bundle, `relayer-2:${id}`)
    await deliverOnB(early.message)
    const block = early.source.blockNumber
    const r = await checkInvariants(target)
    expect(only(r.violations, 'I4')).toEqual([`${subject}: block ${block} signed at head ${block} (depth 1 < 3)`])
    expect(only(r.violations, 'I9')).toEqual([])
  })

  it('flags an observed head that is not the chain block at that height', async () => {
    const f = good.bundle['finality'] as { observedHeadNumber: string; observedHeadHash: Hex }
    const forgedHash = keccak256(toUtf8Bytes('a head on another branch')) as Hex
    await publishBundle(
      good,
      { ...good.bundle, finality: { ...f, observedHeadHash: forgedHash } },
      `relayer-3:${good.id}`,
    )
    const r = await checkInvariants(target)
    const n = f.observedHeadNumber
    const canonical = (await hashAt(devnet.a, BigInt(n))).toLowerCase()
    expect(only(r.violations, 'I4')).toContainEqual(
      `${proofSubject(devnet.a.domain, good.id)}: observed head ${n} ${forgedHash} is not the chain's block (${canonical})`,
    )
  })

  it('flags an attestation whose recorded source block or observed head contradicts the chain', async () => {
    const destinationBridge = evmBridgeRef(devnet.b.chainId, devnet.b.bridge)
    const digest = attestationDigest({ epoch: 1n, destination: devnet.b.domain, destinationBridge, id: good.id })
    const base = JSON.parse(
      new TextDecoder().decode(
        encodeAttestation({
          id: good.id,
          epoch: 1n,
          destination: devnet.b.domain,
          destinationBridge,
          signer: devnet.committee.signers[0]!,
          signature: signDigest(devnet.committee.keys[0]!, digest),
          relayer: 'relayer-1',
          message: good.encoded,
          signedAt: new Date(),
        }),
      ),
    ) as Record<string, unknown>
    const block = good.source.blockNumber
    const doc = {
      ...base,
      sourceBlockNumber: (block + 5n).toString(),
      finality: {
        mode: 'confirmations',
        confirmations: CONFIRMATIONS,
        observedHeadNumber: (block + 1n).toString(),
        observedHeadHash: await hashAt(devnet.a, block + 1n),
      },
    }
    const subject = attestationSubject(devnet.b.domain, good.id, 'relayer-1')
    await jetstream(nc).publish(subject, ENC.encode(JSON.stringify(doc)), { msgID: `relayer-1:${good.id}` })
    const i4 = only((await checkInvariants(target)).violations, 'I4')
    expect(i4).toContainEqual(`${subject}: claims source block ${block + 5n}, dispatched in ${block}`)
    expect(i4).toContainEqual(`${subject}: block ${block} signed at head ${block + 1n} (depth 2 < 3)`)
  })
})

describe('I6: no holes in the scanned ranges', () => {
  const put = async (relayer: string, c: DevnetChain, from: bigint, to: bigint, hash?: Hex) => {
    const kv = await new Kvm(jetstream(nc)).open(BUCKETS.cursors)
    await kv.put(
      cursorKey(relayer, c.ref),
      JSON.stringify({
        v: 1,
        block: to.toString(),
        updatedAt: new Date().toISOString(),
        fromBlock: from.toString(),
        toBlock: to.toString(),
        toBlockHash: hash ?? (await hashAt(c, to)),
      }),
    )
  }
  const purge = async (relayer: string, c: DevnetChain) =>
    (await new Kvm(jetstream(nc)).open(BUCKETS.cursors)).purge(cursorKey(relayer, c.ref))
  const i6Of = async () => only((await checkInvariants(target)).violations, 'I6')

  beforeAll(async () => {
    // Enough finalized blocks on both chains for the hand-made ranges below.
    await Promise.all([mine(devnet.a, 100), mine(devnet.b, 100)])
  })

  it('passes ranges that tile [start block, cursor], also after a purge and when the history limit dropped the start', async () => {
    const [a0, b0] = [devnet.a.deployBlock, devnet.b.deployBlock]
    await put('relayer-7', devnet.a, a0, a0 + 1n)
    await put('relayer-7', devnet.a, a0 + 2n, a0 + 4n)
    // A lost cursor (F-27, F-33): the relayer rescans from the start block.
    await purge('relayer-7', devnet.a)
    await put('relayer-7', devnet.a, a0, a0 + 3n)
    await put('relayer-7', devnet.a, a0 + 4n, a0 + 9n)
    // 70 one-block ranges: the bucket keeps the last 64, which no longer start at the start block.
    for (let n = 0n; n < 70n; n++) await put('relayer-5', devnet.b, b0 + n, b0 + n)
    const r = await checkInvariants(target)
    expect(only(r.violations, 'I6')).toEqual([])
    // 2 ranges since relayer-7's purge, the 64 relayer-5 ranges the bucket keeps.
    expect(r.stats.scannedRanges).toBe(2 + 64)
  })

  it('flags a hole, a wrong block hash and a first range after the start block', async () => {
    const [a0, b0] = [devnet.a.deployBlock, devnet.b.deployBlock]
    await put('relayer-9', devnet.a, a0, a0 + 1n)
    await put('relayer-9', devnet.a, a0 + 3n, a0 + 4n)
    const wrong = keccak256(toUtf8Bytes('not block a0+6')) as Hex
    await put('relayer-9', devnet.a, a0 + 5n, a0 + 6n, wrong)
    await put('relayer-8', devnet.b, b0 + 2n, b0 + 5n)
    const i6 = await i6Of()
    // One violation of each kind, nothing about the well-formed histories.
    expect([...i6].sort()).toEqual(
      [
        `cursor relayer-9@${devnet.a.ref}: scanned [${a0}, ${a0 + 1n}] then [${a0 + 3n}, ${a0 + 4n}] (hole ${a0 + 2n}..${a0 + 2n})`,
        `cursor relayer-9@${devnet.a.ref}: block ${a0 + 6n} recorded as ${wrong}, chain has ${(await hashAt(devnet.a, a0 + 6n)).toLowerCase()}`,
        `cursor relayer-8@${devnet.b.ref}: first scanned range starts at ${b0 + 2n}, not at the start block ${b0}`,
      ].sort(),
    )
    for (const [r, c] of [
      ['relayer-9', devnet.a],
      ['relayer-8', devnet.b],
      ['relayer-7', devnet.a],
      ['relayer-5', devnet.b],
    ] as const)
      await purge(r, c)
  })
})
