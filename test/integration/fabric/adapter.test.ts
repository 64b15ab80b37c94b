import { StatusCode } from '@hyperledger/fabric-gateway'
import { filter, firstValueFrom, type Observable, scan, take, toArray } from 'rxjs'
import { createFabricAdapter, type FabricAdapterOptions } from '../../../adapters/fabric/createFabricAdapter.js'
import type { SourceBatch } from '../../../adapters/types.js'
import { assetIdOf, fabricHomeTokenOf } from '../../../chaincode/bridgeLogic.js'
import { verifyProofBundle } from '../../../proofs/index.js'
import { encodeAppBody, encodeTokenTransferBody, fabricBridgeRef, messageId } from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { FABRIC_COMMITTEE, FABRIC_COMMITTEE_KEYS, fabricClient, useFabricNetwork } from '../../harness/fabricNetwork.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { startTcpProxy } from '../../harness/tcpProxy.js'

const DOMAIN = 42
const FAB = assetIdOf(DOMAIN, fabricHomeTokenOf('FAB'))
const WRAPPED = `0x${'e2'.repeat(32)}` as Hex
const fabric = useFabricNetwork({
  domain: DOMAIN,
  assets: [
    { assetId: FAB, kind: 'home', symbol: 'FAB' },
    { assetId: WRAPPED, kind: 'wrapped', symbol: 'wETH' },
  ],
})
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')
const RECIPIENT = `0x${'00'.repeat(12)}${'77'.repeat(20)}` as Hex

const adapterOptions = (over: Partial<FabricAdapterOptions> = {}): FabricAdapterOptions => {
  const net = fabric.net
  const id = net.identities['Org1MSP']!.user
  return {
    chain: `fabric:${net.channel}`,
    domain: DOMAIN,
    channel: net.channel,
    chaincode: net.chaincode,
    peerEndpoint: net.peers[0]!.endpoint,
    tlsRootCertPem: net.peers[0]!.tlsRootCertPem,
    tlsHostnameOverride: net.peers[0]!.hostname,
    mspId: id.mspId,
    certPem: id.certPem,
    keyPem: id.keyPem,
    mspRoots: net.mspRoots,
    ordererMspIds: net.ordererMspIds,
    endorsementPolicy: net.endorsementPolicy,
    reconnectBaseMs: 50,
    ...over,
  }
}
const trust = () => ({
  fabric: {
    channel: fabric.net.channel,
    chaincode: fabric.net.chaincode,
    mspRoots: fabric.net.mspRoots,
    ordererMspIds: fabric.net.ordererMspIds,
    endorsementPolicy: fabric.net.endorsementPolicy,
  },
})

/** Batches until `n` messages were seen (bounded by the test timeout). */
const messagesUntil = (batches$: Observable<SourceBatch>, n: number) =>
  firstValueFrom(
    batches$.pipe(
      scan((acc, b) => [...acc, b], [] as SourceBatch[]),
      filter((bs) => bs.flatMap((b) => b.messages).length >= n),
      take(1),
    ),
  )

const dispatch = async (payload: string) => {
  const c = fabricClient(fabric.net, 'Org1MSP', 'user')
  try {
    return text(await c.contract.submitTransaction('dispatch', '1', RECIPIENT, payload)) as Hex
  } finally {
    c.close()
  }
}

const contiguous = (batches: SourceBatch[], from: bigint) =>
  batches.every((b, i) => b.fromBlock === from + BigInt(i) && b.toBlock === b.fromBlock)

describe('Fabric adapter on a real network', () => {
  it('observes Dispatch events from full blocks with fabric-block bundles the verifier accepts', async () => {
    const { log } = captureLogger()
    const adapter = createFabricAdapter(adapterOptions(), { log })
    try {
      const report = await adapter.preflight()
      expect(report.bridge).toBe(fabricBridgeRef(fabric.net.channel, fabric.net.chaincode))
      const ids = [await dispatch('0x01'), await dispatch('0x02')]
      const batches = await messagesUntil(adapter.observe$(0n), 2)
      expect(contiguous(batches, 0n)).toBe(true)
      const msgs = batches.flatMap((b) => b.messages)
      expect(msgs.map((m) => m.id)).toEqual(ids)
      for (const m of msgs) {
        expect(m.message.origin).toBe(DOMAIN)
        expect(m.message.body).toBe(encodeAppBody(m.id === ids[0] ? '0x01' : '0x02'))
        const r = verifyProofBundle(JSON.parse(JSON.stringify(m.bundle)), trust())
        expect(r.kind).toBe('fabric-block')
        if (r.kind === 'fabric-block') {
          expect(r.id).toBe(m.id)
          expect(r.blockNumber).toBe(m.source.blockNumber)
          expect(r.blockHash).toBe(m.source.blockHash)
          expect(new Set(r.endorsingMspIds)).toEqual(new Set(['Org1MSP', 'Org2MSP']))
        }
      }
      const head = await adapter.latestHead()
      expect(head.number).toBeGreaterThanOrEqual(batches.at(-1)!.toBlock)
      expect(Number(head.timestamp)).toBeGreaterThan(Date.now() / 1000 - 600)
    } finally {
      await adapter.close()
    }
  })

  it('never reports the Dispatch of an MVCC-conflicted transaction', async () => {
    const { log, lines } = captureLogger()
    const adapter = createFabricAdapter(adapterOptions(), { log })
    const a = fabricClient(fabric.net, 'Org1MSP', 'user', 0)
    const b = fabricClient(fabric.net, 'Org2MSP', 'user', 1)
    try {
      // Both read the same `nonce` key before either commits: one VALID, one MVCC_READ_CONFLICT.
      const endorsed = await Promise.all(
        [a, b].map((c, i) =>
          c.contract.newProposal('dispatch', { arguments: ['1', RECIPIENT, `0x0${i + 3}`] }).endorse(),
        ),
      )
      const submitted = await Promise.all(endorsed.map((t) => t.submit()))
      const statuses = await Promise.all(submitted.map((s) => s.getStatus()))
      expect(statuses.map((s) => s.code).sort()).toEqual([StatusCode.VALID, StatusCode.MVCC_READ_CONFLICT].sort())
      const valid = submitted[statuses.findIndex((s) => s.code === StatusCode.VALID)]!
      const invalid = submitted[statuses.findIndex((s) => s.code === StatusCode.MVCC_READ_CONFLICT)]!
      const [fromBlock, upTo] = statuses.map((s) => s.blockNumber).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) as [
        bigint,
        bigint,
      ]
      const batches = await firstValueFrom(
        adapter.observe$(fromBlock).pipe(take(Number(upTo - fromBlock) + 1), toArray()),
      )
      const seen = batches.flatMap((x) => x.messages)
      expect(seen.map((m) => m.id)).toEqual([text(valid.getResult())])
      expect(seen.map((m) => m.source.txHash)).toEqual([`0x${valid.getTransactionId()}`])
      expect(lines.some((l) => l['txId'] === invalid.getTransactionId() && l.msg.includes('not VALID'))).toBe(true)
    } finally {
      a.close()
      b.close()
      await adapter.close()
    }
  })

  it('resumes after a cut connection with no lost and no repeated block', async () => {
    const { log } = captureLogger()
    const proxy = await startTcpProxy(fabric.net.peers[0]!.endpoint)
    const adapter = createFabricAdapter(adapterOptions({ peerEndpoint: proxy.endpoint }), { log })
    try {
      const start = (await adapter.latestHead()).number + 1n
      const sent: Hex[] = []
      const done = messagesUntil(adapter.observe$(start), 4)
      sent.push(await dispatch('0x11'), await dispatch('0x12'))
      proxy.cut()
      sent.push(await dispatch('0x13'))
      proxy.cut()
      sent.push(await dispatch('0x14'))
      const batches = await done
      expect(contiguous(batches, start)).toBe(true)
      expect(batches.flatMap((b) => b.messages).map((m) => m.id)).toEqual(sent)
      expect(proxy.connections()).toBeGreaterThanOrEqual(2)
    } finally {
      await adapter.close()
      await proxy.close()
    }
  })

  it('delivers certified messages, answers replays as already delivered, and reads the committee', async () => {
    const { log } = captureLogger()
    const adapter = createFabricAdapter(adapterOptions(), { log })
    try {
      expect(await adapter.committee()).toEqual(FABRIC_COMMITTEE)
      const message: Message = {
        version: 1,
        nonce: 1n,
        origin: 1,
        sender: RECIPIENT,
        destination: DOMAIN,
        recipient: RECIPIENT,
        body: encodeAppBody('0xabcd'),
      }
      const id = messageId(message)
      const c = signCertificate({
        keys: FABRIC_COMMITTEE_KEYS.slice(1),
        epoch: 1n,
        destination: DOMAIN,
        destinationBridge: adapter.bridgeRef,
        id,
      })
      const certificate = {
        epoch: 1n,
        signatures: c.signatures
          .slice(2)
          .match(/.{130}/g)!
          .map((s) => `0x${s}` as Hex),
      }
      expect(await adapter.isDelivered(id)).toBe(false)
      const progress = await firstValueFrom(adapter.deliverProgress$([{ message, certificate }]).pipe(toArray()))
      expect(progress.map((p) => p.kind)).toEqual(['submitted', 'settled'])
      const settled = progress[1]!
      expect(settled.kind === 'settled' && settled.results[0]!.status).toBe('delivered')
      expect(await adapter.isDelivered(id)).toBe(true)
      expect((await adapter.deliver([{ message, certificate }]))[0]!.status).toBe('already-delivered')
      const forged = { epoch: 1n, signatures: certificate.signatures.slice(0, 1) }
      const other = { ...message, nonce: 2n }
      const err = await adapter.deliver([{ message: other, certificate: forged }]).catch((e: unknown) => e)
      expect((err as { code?: string }).code).toBe('DELIVERY_REVERTED')
    } finally {
      await adapter.close()
    }
  })

  it('settles concurrent deliveries: the same id once (the other already delivered), read conflicts resubmitted', async () => {
    const { log, lines } = captureLogger()
    const a1 = createFabricAdapter(adapterOptions(), { log })
    const a2 = createFabricAdapter(
      adapterOptions({
        peerEndpoint: fabric.net.peers[1]!.endpoint,
        tlsRootCertPem: fabric.net.peers[1]!.tlsRootCertPem,
        tlsHostnameOverride: fabric.net.peers[1]!.hostname,
        mspId: 'Org2MSP',
        certPem: fabric.net.identities['Org2MSP']!.user.certPem,
        keyPem: fabric.net.identities['Org2MSP']!.user.keyPem,
      }),
      { log },
    )
    const beneficiary = `0x${'5a'.repeat(32)}` as Hex
    const certified = (nonce: bigint, amount: bigint) => {
      const message: Message = {
        version: 1,
        nonce,
        origin: 1,
        sender: RECIPIENT,
        destination: DOMAIN,
        recipient: beneficiary,
        body: encodeTokenTransferBody({ asset: WRAPPED, amount, beneficiary }),
      }
      const c = signCertificate({
        keys: FABRIC_COMMITTEE_KEYS.slice(0, 2),
        epoch: 1n,
        destination: DOMAIN,
        destinationBridge: a1.bridgeRef,
        id: messageId(message),
      })
      return {
        message,
        certificate: {
          epoch: 1n,
          signatures: c.signatures
            .slice(2)
            .match(/.{130}/g)!
            .map((x) => `0x${x}` as Hex),
        },
      }
    }
    try {
      const same = certified(100n, 1n)
      const once = await Promise.all([a1.deliver([same]), a2.deliver([same])])
      expect(once.map((r) => r[0]!.status).sort()).toEqual(['already-delivered', 'delivered'])
      // Different messages crediting one balance key: whichever commits second conflicts and is resubmitted.
      let total = 1n
      for (let round = 0; round < 3; round++) {
        const [x, y] = [certified(200n + BigInt(2 * round), 10n), certified(201n + BigInt(2 * round), 20n)]
        const r = await Promise.all([a1.deliver([x]), a2.deliver([y])])
        expect(r.map((v) => v[0]!.status)).toEqual(['delivered', 'delivered'])
        total += 30n
      }
      const c = fabricClient(fabric.net, 'Org1MSP', 'user')
      try {
        expect(text(await c.contract.evaluateTransaction('balanceOf', beneficiary, WRAPPED))).toBe(total.toString())
      } finally {
        c.close()
      }
      const conflicts = lines.filter((l) => l.msg.includes('read conflict')).length
      process.stderr.write(`fabric concurrent deliveries: ${conflicts} read conflicts resubmitted\n`)
    } finally {
      await a1.close()
      await a2.close()
    }
  })
})
