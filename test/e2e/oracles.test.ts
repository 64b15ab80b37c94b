// The oracles must not be vacuous: on a real devnet (no relayers), each one passes a correct
// delivery and flags the violation it exists for — produced here by hand with the committee's keys.
import { jest } from '@jest/globals'
import { jetstream } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { computeAddress, keccak256, toUtf8Bytes } from 'ethers'
import { pino } from 'pino'
import { filter, firstValueFrom, timeout } from 'rxjs'
import { createEvmAdapter } from '../../adapters/index.js'
import { type Devnet, startDevnet } from '../../cli/devnet/startDevnet.js'
import { WaitTimeoutError } from '../../errors.js'
import {
  addressToBytes32,
  attestationDigest,
  bytesToHex,
  encodeMessage,
  encodeTokenTransferBody,
  evmBridgeRef,
  messageId,
} from '../../protocol/index.js'
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
import { checkInvariants } from '../harness/oracles.js'
import { signCertificate, signDigest } from '../harness/signCertificate.js'
import { rejected } from '../harness/thrown.js'
import { waitForQuiescence } from '../harness/waitFor.js'

jest.setTimeout(60_000)

let devnet: Devnet
let client: DevnetClient
let target: OracleTarget
let nc: NatsConnection
const ENC = new TextEncoder()

const oraclesOf = (vs: { oracle: string }[]) => [...new Set(vs.map((v) => v.oracle))].sort()

// Deliver a message on B the way a relayer would, with a 2-of-3 certificate of the devnet committee.
const deliverOnB = async (m: Message) => {
  const encoded = bytesToHex(encodeMessage(m))
  const cert = signCertificate({
    keys: devnet.committee.keys.slice(0, 2),
    epoch: devnet.committee.epoch,
    destination: devnet.b.domain,
    destinationBridge: evmBridgeRef(devnet.b.chainId, devnet.b.bridge),
    id: messageId(m),
  })
  const tx = await client.bridge('B', devnet.users[2]!).getFunction('deliver')(encoded, cert.epoch, cert.signatures)
  expect((await tx.wait())?.status).toBe(1)
}

beforeAll(async () => {
  devnet = await startDevnet({ relayers: 'none', blockTimeMs: 0 })
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

describe('oracles', () => {
  it('report only the happy-path guard (I8) on an idle devnet', async () => {
    const r = await checkInvariants(target)
    expect(r.violations).toEqual([{ oracle: 'I8', detail: '0 deliveries, expected at least 1' }])
  })

  it('report a dispatched message as pending (I2) and time out waiting for quiescence', async () => {
    const [id] = await client.dispatchApp({
      from: 'A',
      user: devnet.users[0]!,
      recipient: devnet.b.recipient,
      payloads: ['0x01'],
    })
    const e = await rejected(() => waitForQuiescence(target, { timeoutMs: 1_500 }))
    expect(e).toBeInstanceOf(WaitTimeoutError)
    expect((e as WaitTimeoutError).message).toContain('1 of 1 pending')
    const r = await checkInvariants(target)
    expect(r.violations).toContainEqual({ oracle: 'I2', detail: `1->2 #0 ${id}: still pending (status 0)` })
  })

  it('pass a delivery that has a certificate and a re-verifiable proof bundle on PROOFS', async () => {
    const source = createEvmAdapter(
      {
        chain: devnet.a.ref,
        chainId: devnet.a.chainId,
        domain: devnet.a.domain,
        rpcUrls: [devnet.a.rpcUrl],
        bridge: devnet.a.bridge,
        finality: { mode: 'confirmations', confirmations: 1 },
        pollIntervalMs: 50,
        maxFeePerGasCapWei: 10n ** 11n,
      },
      { log: pino({ level: 'silent' }) },
    )
    const batch = await firstValueFrom(
      source.observe$(devnet.a.deployBlock).pipe(
        filter((b) => b.messages.length > 0),
        timeout(10_000),
      ),
    )
    await source.close()
    const observed = batch.messages[0]!
    await jetstream(nc).publish(proofSubject(devnet.a.domain, observed.id), ENC.encode(JSON.stringify(observed.bundle)))
    await deliverOnB(observed.message)

    const progress = await waitForQuiescence(target, { timeoutMs: 10_000, settleMs: 300 })
    expect(progress).toMatchObject({ dispatched: 1, delivered: 1, failed: 0, pending: [], queuedCertificates: 0 })
    const r = await checkInvariants(target)
    expect(r.violations).toEqual([])
    expect(r.stats).toMatchObject({ dispatched: 1, delivered: 1, proofBundles: 1 })
    expect(await client.recipientCalls('B')).toBe(1n)
  })

  it('flag a signer that attested two ids for one (origin, nonce) (I5)', async () => {
    const key = devnet.committee.keys[2]!
    const js = jetstream(nc)
    for (const body of ['0x00aa', '0x00bb'] as Hex[]) {
      const m: Message = {
        version: 1,
        nonce: 7n,
        origin: devnet.a.domain,
        sender: addressToBytes32(devnet.users[0]!.address),
        destination: devnet.b.domain,
        recipient: addressToBytes32(devnet.b.recipient),
        body,
      }
      const id = messageId(m)
      const destinationBridge = evmBridgeRef(devnet.b.chainId, devnet.b.bridge)
      const digest = attestationDigest({ epoch: 1n, destination: devnet.b.domain, destinationBridge, id })
      const doc = encodeAttestation({
        id,
        epoch: 1n,
        destination: devnet.b.domain,
        destinationBridge,
        signer: devnet.committee.signers[2]!,
        signature: signDigest(key, digest),
        relayer: 'relayer-3',
        message: bytesToHex(encodeMessage(m)),
        signedAt: new Date(),
      })
      await js.publish(attestationSubject(devnet.b.domain, id, 'relayer-3'), doc, { msgID: `relayer-3:${id}` })
    }
    const r = await checkInvariants(target)
    expect(oraclesOf(r.violations)).toEqual(['I5'])
    expect(r.violations[0]!.detail).toContain(`${devnet.committee.signers[2]!.toLowerCase()}/1/7`)
  })

  it('flag a cursor that moved back or past the finalized head (I6)', async () => {
    const kv = await new Kvm(jetstream(nc)).open(BUCKETS.cursors)
    const put = (relayer: string, chain: string, block: number) =>
      kv.put(
        cursorKey(relayer, chain as `evm:${string}`),
        JSON.stringify({ v: 1, block: String(block), updatedAt: new Date().toISOString() }),
      )
    await put('relayer-1', devnet.a.ref, 3)
    await put('relayer-1', devnet.a.ref, 2)
    await put('relayer-2', devnet.b.ref, 1_000_000)
    const r = await checkInvariants(target)
    const i6 = r.violations.filter((v) => v.oracle === 'I6').map((v) => v.detail)
    expect(i6).toEqual([
      `cursor relayer-1@${devnet.a.ref} moved back 3 -> 2`,
      expect.stringContaining(`cursor relayer-2@${devnet.b.ref} = 1000000 is past the finalized head`),
    ])
    await kv.purge(cursorKey('relayer-1', devnet.a.ref))
    await kv.purge(cursorKey('relayer-2', devnet.b.ref))
  })

  it('flag a committee-signed mint with nothing locked (I3) and without a source proof (I9)', async () => {
    const m: Message = {
      version: 1,
      nonce: 999n,
      origin: devnet.a.domain,
      sender: addressToBytes32(devnet.users[0]!.address),
      destination: devnet.b.domain,
      recipient: addressToBytes32(devnet.users[0]!.address),
      body: encodeTokenTransferBody({
        asset: devnet.token.assetId,
        amount: 5n,
        beneficiary: addressToBytes32(devnet.users[0]!.address),
      }),
    }
    await deliverOnB(m)
    const r = await checkInvariants(target)
    const rest = r.violations.filter((v) => v.oracle !== 'I5' && v.oracle !== 'I6' && v.oracle !== 'I7')
    expect(oraclesOf(rest)).toEqual(['I3', 'I9'])
    expect(rest).toContainEqual({ oracle: 'I3', detail: `asset ${devnet.token.assetId}: wrapped 5 > locked 0` })
    expect(rest).toContainEqual({
      oracle: 'I9',
      detail: `${messageId(m)} delivered on domain 2 without a valid proof bundle on PROOFS`,
    })
  })

  it('flag a committee changed after deployment (I7)', async () => {
    const newSigners = devnet.committee.keys.map((_, i) => computeAddress(keccak256(toUtf8Bytes(`rotated-${i}`))))
    const tx = await client.bridge('A', devnet.deployer).getFunction('rotateCommittee')(newSigners, 2, 60)
    expect((await tx.wait())?.status).toBe(1)
    const i7 = (await checkInvariants(target)).violations.filter((v) => v.oracle === 'I7').map((v) => v.detail)
    expect(i7).toEqual([
      expect.stringContaining('committee on domain 1 is {"epoch":"2"'),
      '1 committee rotations on domain 1',
    ])
  })
})
