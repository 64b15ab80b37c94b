// Fabric ↔ EVM through real processes: the devnet's two hardhat chains, nats-server, a local Fabric
// network (orderer, two peer orgs, the bridge chaincode as a service, AND endorsement) and three
// `isthmus start` relayers, each serving both EVM chains and the Fabric channel.

import { StatusCode } from '@hyperledger/fabric-gateway'
import { jest } from '@jest/globals'
import { Contract } from 'ethers'
import { loadArtifact } from '../../contracts/index.js'
import { addressToBytes32 } from '../../protocol/index.js'
import { STREAMS } from '../../relayer/index.js'
import type { Hex } from '../../types.js'
import { readStream } from '../harness/chainState.js'
import { type E2eDevnet, payloads, startE2eDevnet } from '../harness/e2eDevnet.js'
import { type FabricClient, fabricClient } from '../harness/fabricNetwork.js'
import { eventually, sleep } from '../harness/waitFor.js'

jest.setTimeout(180_000)

const DELIVERED = 1
let e: E2eDevnet
let org1: FabricClient
let org2: FabricClient

beforeAll(async () => {
  e = await startE2eDevnet('fabric', { fabric: true, blockTimeMs: 250 })
  org1 = fabricClient(e.devnet.fabric!.network, 'Org1MSP', 'user', 0)
  org2 = fabricClient(e.devnet.fabric!.network, 'Org2MSP', 'user', 1)
}, 240_000)
afterAll(async () => {
  org1?.close()
  org2?.close()
  await e?.stop()
})

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')
const fabricQuery = async (fn: string, ...args: string[]) => text(await org1.contract.evaluateTransaction(fn, ...args))
const deliveredOnA = (id: Hex, timeoutMs = 60_000) =>
  eventually(
    `${id} delivered on A`,
    async () => ((await e.client.status('A', id)) === DELIVERED ? true : undefined),
    timeoutMs,
  )

/** Every RecordingRecipient call on A from Fabric's domain so far: (payload, sender) in order. */
const recordedFromFabric = async (): Promise<{ payload: Hex; sender: Hex }[]> => {
  const rec = new Contract(e.devnet.a.recipient, loadArtifact('RecordingRecipient').abi, e.client.provider('A'))
  const logs = await rec.queryFilter('*', 0)
  return logs.flatMap((l) => {
    const ev = rec.interface.parseLog(l)
    if (!ev || Number(ev.args.getValue('origin')) !== e.devnet.fabric!.domain) return []
    return [{ payload: ev.args.getValue('payload') as Hex, sender: ev.args.getValue('sender') as Hex }]
  })
}

describe('Fabric ↔ EVM', () => {
  it('moves FAB Fabric → A (locked on Fabric, minted on A) and back A → Fabric (burned, unlocked)', async () => {
    const f = e.devnet.fabric!
    const alice = e.devnet.users[0]!
    const wfab = new Contract(f.fab.wrappedOnA, loadArtifact('WrappedToken').abi, e.client.provider('A'))
    const before = BigInt(await fabricQuery('balanceOf', f.user.account, f.fab.assetId))
    const out = text(
      await org1.contract.submitTransaction(
        'sendToken',
        String(e.devnet.a.domain),
        f.fab.assetId,
        '100',
        addressToBytes32(alice.address),
      ),
    ) as Hex
    await deliveredOnA(out)
    expect(await wfab.getFunction('balanceOf')(alice.address)).toBe(100n)
    expect(await fabricQuery('lockedOf', f.fab.assetId)).toBe('100')

    const bridgeA = e.client.bridge('A', alice)
    const receipt = await (
      await bridgeA.getFunction('sendToken')(f.fab.wrappedOnA, 40n, f.domain, f.user.account, { gasLimit: 500_000n })
    ).wait()
    const dispatched = receipt!.logs.flatMap((l: { topics: readonly string[]; data: string }) => {
      const ev = bridgeA.interface.parseLog(l)
      return ev?.name === 'Dispatch' ? [ev.args.getValue('id') as Hex] : []
    })
    expect(dispatched).toHaveLength(1)
    await eventually(
      'the return transfer delivered on Fabric',
      async () => ((await fabricQuery('isDelivered', dispatched[0]!)) === 'true' ? true : undefined),
      60_000,
    )
    expect(BigInt(await fabricQuery('balanceOf', f.user.account, f.fab.assetId))).toBe(before - 60n)
    expect(await fabricQuery('lockedOf', f.fab.assetId)).toBe('60')
    expect(await wfab.getFunction('balanceOf')(alice.address)).toBe(60n)
    expect(await wfab.getFunction('totalSupply')()).toBe(60n)
  })

  it('delivers an app message Fabric → the recording recipient on A with the Fabric sender', async () => {
    const f = e.devnet.fabric!
    const [payload] = payloads('fabric-app', 1)
    const id = text(
      await org1.contract.submitTransaction(
        'dispatch',
        String(e.devnet.a.domain),
        addressToBytes32(e.devnet.a.recipient),
        payload!,
      ),
    ) as Hex
    await deliveredOnA(id)
    const seen = (await recordedFromFabric()).filter((r) => r.payload === payload)
    expect(seen).toEqual([{ payload, sender: f.user.account }])
  })

  it('loses and duplicates nothing while the relayers’ peer is stopped (SIGSTOP/SIGCONT) mid-stream', async () => {
    const peer0 = e.devnet.fabric!.network.peers[0]!.process
    const sent = payloads('fabric-sigstop', 6)
    const ids: Hex[] = []
    const dispatch = async (p: Hex) =>
      ids.push(
        text(
          await org2.contract.submitTransaction(
            'dispatch',
            String(e.devnet.a.domain),
            addressToBytes32(e.devnet.a.recipient),
            p,
          ),
        ) as Hex,
      )
    for (const p of sent.slice(0, 2)) await dispatch(p)
    // Endorsed by both peers now, ordered and committed (by peer1) while peer0 is stopped: the
    // relayers' block stream (through peer0) must deliver that block after SIGCONT, once.
    const endorsed = await org2.contract
      .newProposal('dispatch', {
        arguments: [String(e.devnet.a.domain), addressToBytes32(e.devnet.a.recipient), sent[2]!],
      })
      .endorse()
    peer0.signal('SIGSTOP')
    try {
      const submitted = await endorsed.submit()
      expect((await submitted.getStatus()).code).toBe(StatusCode.VALID)
      ids.push(text(submitted.getResult()) as Hex)
      await sleep(2_000)
      peer0.signal('SIGCONT')
    } finally {
      peer0.signal('SIGCONT')
    }
    for (const p of sent.slice(3)) await dispatch(p)
    for (const id of ids) await deliveredOnA(id)
    const seen = (await recordedFromFabric()).map((r) => r.payload).filter((p) => sent.includes(p))
    expect([...seen].sort()).toEqual([...sent].sort())
    // Each relayer observed (attested) every one of them, exactly once.
    const attested = await e.withJsm((jsm) => readStream(jsm, STREAMS.attestations))
    for (const r of e.devnet.relayers) {
      const mine = attested
        .map((m) => m.subject)
        .filter((subj) => subj.endsWith(`.${r.id}`) && ids.some((id) => subj.includes(id)))
      expect(mine).toHaveLength(ids.length)
      expect(new Set(mine).size).toBe(ids.length)
    }
  })

  it('never relays the Dispatch of an MVCC-conflicted transaction', async () => {
    const [p1, p2, p3] = payloads('fabric-mvcc', 3)
    // Both proposals read the same nonce key before either commits: one VALID, one MVCC_READ_CONFLICT.
    const endorsed = await Promise.all(
      [
        [org1, p1],
        [org2, p2],
      ].map(([c, p]) =>
        (c as FabricClient).contract
          .newProposal('dispatch', {
            arguments: [String(e.devnet.a.domain), addressToBytes32(e.devnet.a.recipient), p as Hex],
          })
          .endorse(),
      ),
    )
    const submitted = await Promise.all(endorsed.map((t) => t.submit()))
    const statuses = await Promise.all(submitted.map((s) => s.getStatus()))
    expect(statuses.map((s) => s.code).sort()).toEqual([StatusCode.VALID, StatusCode.MVCC_READ_CONFLICT].sort())
    const validAt = statuses.findIndex((s) => s.code === StatusCode.VALID)
    const validId = text(submitted[validAt]!.getResult()) as Hex
    const invalidId = text(submitted[1 - validAt]!.getResult()) as Hex
    expect(invalidId).not.toBe(validId)
    // A later message is relayed after both blocks: by then the conflicted one would have been too.
    const after = text(
      await org1.contract.submitTransaction(
        'dispatch',
        String(e.devnet.a.domain),
        addressToBytes32(e.devnet.a.recipient),
        p3!,
      ),
    ) as Hex
    await deliveredOnA(validId)
    await deliveredOnA(after)
    expect(await e.client.status('A', invalidId)).toBe(0)
    const attested = (await e.withJsm((jsm) => readStream(jsm, STREAMS.attestations))).map((m) => m.subject)
    expect(attested.filter((subj) => subj.includes(validId))).toHaveLength(e.devnet.relayers.length)
    expect(attested.filter((subj) => subj.includes(invalidId))).toEqual([])
    const seen = (await recordedFromFabric()).map((r) => r.payload)
    expect(seen).toContain([p1, p2][validAt])
    expect(seen).not.toContain([p1, p2][1 - validAt])
    expect(seen).toContain(p3)
  })
})
