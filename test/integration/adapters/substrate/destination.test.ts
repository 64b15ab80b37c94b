import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { KeyringPair } from '@polkadot/keyring/types'
import { lastValueFrom, toArray } from 'rxjs'
import { classifyMultisigError } from '../../../../adapters/substrate/destination/classifyMultisigError.js'
import {
  createExtrinsicSubmitter,
  type ExtrinsicSubmitter,
} from '../../../../adapters/substrate/destination/createExtrinsicSubmitter.js'
import { buildDeliveryCall, deliveredMarkerHash } from '../../../../adapters/substrate/destination/deliveryCall.js'
import { readAssetTeam, setupWrappedAsset } from '../../../../adapters/substrate/destination/setupWrappedAsset.js'
import type { DeliveryProgress } from '../../../../adapters/types.js'
import { substrateSetupAssetCommand } from '../../../../cli/commands/substrateSetupAsset.js'
import { messageId } from '../../../../protocol/index.js'
import type { Hex, Message } from '../../../../types.js'
import { captureLogger } from '../../../harness/captureLogger.js'
import { type ChopsticksFixture, useChopsticks } from '../../../harness/chopsticks.js'
import { rejected } from '../../../harness/thrown.js'
import {
  ASSETS,
  ATTESTATION_SIGNERS,
  accountOf,
  callHashOf,
  certify,
  createTestbed,
  type DestinationTestbed,
  DOMAIN,
  executionsOnChain,
  messageTo,
  NATIVE_ASSET,
  WRAPPED_ID,
} from './destinationFixture.js'

const assetBalance = async (f: ChopsticksFixture, who: Hex): Promise<bigint> => {
  const opt = (await f.api.query.assets!.account!(WRAPPED_ID, who)) as unknown as {
    isSome?: boolean
    unwrap?: () => { balance: { toBigInt(): bigint } }
    balance?: { toBigInt(): bigint }
  }
  if (opt.balance) return opt.balance.toBigInt()
  return opt.isSome ? opt.unwrap!().balance.toBigInt() : 0n
}

/** The delivery call of `m` (what `asMulti` carries). */
const buildCallOf = (f: ChopsticksFixture, m: Message) => {
  const plan = buildDeliveryCall(f.api, messageId(m), m, ASSETS)
  expect(plan.kind).toBe('call')
  return (plan as Extract<typeof plan, { kind: 'call' }>).call.method
}

describe('Substrate destination (committee multisig on chopsticks Asset Hub)', () => {
  let f: ChopsticksFixture
  let t: DestinationTestbed
  useChopsticks((x) => {
    f = x
  })
  beforeAll(async () => {
    t = await createTestbed(f)
    const r = await setupWrappedAsset({
      api: f.api,
      chain: 'substrate:asset-hub-local',
      payer: f.dave,
      multisig: t.dests[0]!.multisigAccount,
      assetHubId: WRAPPED_ID,
      name: 'Wrapped Test',
      symbol: 'wTST',
      decimals: 18,
      log: captureLogger('warn').log,
      txTimeoutMs: 30_000,
    })
    expect(r.status).toBe('created')
  }, 60_000)
  afterAll(() => t?.stopBlocks())

  it('creates the wrapped asset owned and issued by the multisig, idempotently', async () => {
    const ms = t.dests[0]!.multisigAccount
    expect(await readAssetTeam(f.api, WRAPPED_ID)).toMatchObject({ owner: ms, issuer: ms, admin: ms, supply: 0n })
    const again = await setupWrappedAsset({
      api: f.api,
      chain: 'substrate:asset-hub-local',
      payer: f.dave,
      multisig: ms,
      assetHubId: WRAPPED_ID,
      name: 'Wrapped Test',
      symbol: 'wTST',
      decimals: 18,
      log: captureLogger('warn').log,
    })
    expect(again.status).toBe('exists')
    const err = await rejected(() =>
      setupWrappedAsset({
        api: f.api,
        chain: 'substrate:asset-hub-local',
        payer: f.dave,
        multisig: accountOf(f.dave),
        assetHubId: WRAPPED_ID,
        name: 'Wrapped Test',
        symbol: 'wTST',
        decimals: 18,
        log: captureLogger('warn').log,
      }),
    )
    expect(err).toMatchObject({ code: 'DEPLOY_FAILED' })
  })

  it('reports the configured committee once the chain shows the multisig owns the wrapped assets', async () => {
    for (const d of t.dests) expect(await d.committee()).toMatchObject({ epoch: 1n, threshold: 2 })
    const outsider = t.newDest(f.dave)
    expect(await rejected(() => outsider.committee())).toMatchObject({ code: 'COMMITTEE_MISMATCH' })
    expect(new Set(t.dests.map((d) => d.bridgeRef)).size).toBe(1)
  })

  it('executes exactly once when three relayers deliver the same certificate at once (NT-19)', async () => {
    const beneficiary = accountOf(f.dave)
    const m = messageTo(beneficiary, 5_000n)
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const supply0 = (await readAssetTeam(f.api, WRAPPED_ID))!.supply
    const progress = await Promise.all(t.dests.map((d) => lastValueFrom(d.deliverProgress$([item]).pipe(toArray()))))
    const results = progress.map((p) => (p.at(-1) as Extract<DeliveryProgress, { kind: 'settled' }>).results[0]!)
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'already-delivered')).toHaveLength(2)
    const winner = results.find((r) => r.status === 'delivered')!
    expect(winner.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await readAssetTeam(f.api, WRAPPED_ID))!.supply).toBe(supply0 + 5_000n)
    expect(await assetBalance(f, beneficiary)).toBeGreaterThanOrEqual(5_000n)
    const onChain = await executionsOnChain(
      t,
      t.dests[0]!.multisigAccount,
      callHashOf(f, m),
      deliveredMarkerHash(messageId(m)),
    )
    expect(onChain).toEqual({ executions: 1, markers: 1 })
  }, 90_000)

  it('refuses a replayed delivery, and a fresh adapter knows the id from chain events only (NT-18)', async () => {
    const m = messageTo(accountOf(f.dave), 700n)
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const [[first], [second]] = await Promise.all([t.dests[0]!.deliver([item]), t.dests[1]!.deliver([item])])
    expect([first!.status, second!.status].sort()).toEqual(['already-delivered', 'delivered'])
    const supply = (await readAssetTeam(f.api, WRAPPED_ID))!.supply
    // A byzantine member opens the same call again; honest relayers must not add their approvals.
    const callHash = callHashOf(f, m)
    const byz = createExtrinsicSubmitter({
      api: f.api,
      chain: 'substrate:asset-hub-local',
      signer: f.charlie,
      log: captureLogger('warn').log,
      txTimeoutMs: 30_000,
      pollIntervalMs: 100,
    })
    const ms = t.dests[0]!.multisigAccount
    const others = [accountOf(f.alice), accountOf(f.bob)].sort()
    const opened = await byz.submit(f.api.tx.multisig!.approveAsMulti!(2, others, null, callHash, 0), () => undefined)
    expect(opened.error).toBeUndefined()
    for (const signer of [f.alice, f.bob]) {
      const fresh = t.newDest(signer)
      expect(await fresh.isDelivered(messageId(m))).toBe(true)
      const progress = await lastValueFrom(fresh.deliverProgress$([item]).pipe(toArray()))
      expect(progress).toEqual([
        { kind: 'settled', results: [expect.objectContaining({ status: 'already-delivered' })] },
      ])
    }
    const pending = (await f.api.query.multisig!.multisigs!(ms, callHash)) as unknown as {
      unwrap(): { approvals: { toHex(): string }[] }
    }
    expect(pending.unwrap().approvals.map((a) => a.toHex())).toEqual([accountOf(f.charlie)])
    expect((await readAssetTeam(f.api, WRAPPED_ID))!.supply).toBe(supply)
    const onChain = await executionsOnChain(t, ms, callHash, deliveredMarkerHash(messageId(m)))
    expect(onChain).toEqual({ executions: 1, markers: 1 })
    expect(await t.newDest(f.alice).isDelivered(messageId(messageTo(accountOf(f.dave), 1n)))).toBe(false)
  }, 90_000)

  const submitterOf = (signer: KeyringPair) =>
    createExtrinsicSubmitter({
      api: f.api,
      chain: 'substrate:asset-hub-local',
      signer,
      log: captureLogger('warn').log,
      txTimeoutMs: 30_000,
      pollIntervalMs: 100,
    })
  const othersOf = (p: KeyringPair) =>
    t.members
      .filter((x) => x !== p)
      .map(accountOf)
      .sort()
  const freeOf = async (who: Hex) =>
    (
      (await f.api.query.system!.account!(who)) as unknown as { data: { free: { toBigInt(): bigint } } }
    ).data.free.toBigInt()

  it('classifies racing and malformed approvals, then converges on one execution (NT-19)', async () => {
    const m = messageTo(accountOf(f.dave), 0n, undefined)
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const callHash = callHashOf(f, m)
    const tx = f.api.tx.multisig!
    const [a, b, c] = t.members.map(submitterOf) as [ExtrinsicSubmitter, ExtrinsicSubmitter, ExtrinsicSubmitter]
    const noop = () => undefined
    // Two relayers open the operation without a timepoint at the same moment.
    const opens = await Promise.all([
      a.submit(tx.approveAsMulti!(2, othersOf(f.alice), null, callHash, 0), noop),
      b.submit(tx.approveAsMulti!(2, othersOf(f.bob), null, callHash, 0), noop),
    ])
    expect(opens.map((o) => o.error).filter(Boolean)).toEqual(['multisig.NoTimepoint'])
    const opener = opens[0]!.error ? f.bob : f.alice
    const pending = (await f.api.query.multisig!.multisigs!(t.dests[0]!.multisigAccount, callHash)) as unknown as {
      unwrap(): { when: { height: { toNumber(): number }; index: { toNumber(): number } } }
    }
    const w = pending.unwrap().when
    const when = { height: w.height.toNumber(), index: w.index.toNumber() }
    // All in one block: one signer's extrinsics are submitted in nonce order.
    const errors = (
      await Promise.all([
        submitterOf(opener).submit(tx.approveAsMulti!(2, othersOf(opener), when, callHash, 0), noop),
        c.submit(tx.approveAsMulti!(2, othersOf(f.charlie), { ...when, height: when.height + 1 }, callHash, 0), noop),
        c.submit(tx.approveAsMulti!(2, [...othersOf(f.charlie)].reverse(), when, callHash, 0), noop),
        c.submit(tx.approveAsMulti!(2, t.members.map(accountOf).sort(), when, callHash, 0), noop),
        c.submit(tx.asMulti!(2, othersOf(f.charlie), when, buildCallOf(f, m), false, 1), noop),
      ])
    ).map((o) => o.error!)
    expect(errors).toEqual([
      'multisig.AlreadyApproved',
      'multisig.WrongTimepoint',
      'multisig.SignatoriesOutOfOrder',
      'multisig.SenderInSignatories',
      'multisig.MaxWeightTooLow',
    ])
    expect(['multisig.NoTimepoint', ...errors].map(classifyMultisigError)).toEqual([
      'race',
      'race',
      'race',
      'config',
      'config',
      'weight',
    ])
    // The operation is still open with the opener's approval: the three relayers finish it once.
    const results = (await Promise.all(t.dests.map((d) => d.deliver([item])))).map((r) => r[0]!.status)
    const openerAt = t.members.indexOf(opener)
    // The opener approved before this delivery: it hands the certificate back (deferred) unless the
    // others already executed; the other two finish it, exactly once.
    expect(['deferred', 'already-delivered']).toContain(results[openerAt])
    expect(results.filter((_, k) => k !== openerAt).sort()).toEqual(['already-delivered', 'delivered'])
    expect((await t.dests[openerAt]!.deliver([item]))[0]!.status).toBe('already-delivered')
    const onChain = await executionsOnChain(t, t.dests[0]!.multisigAccount, callHash, deliveredMarkerHash(messageId(m)))
    expect(onChain).toEqual({ executions: 1, markers: 1 })
  }, 120_000)

  it('delivers a batch of messages from two relayers, one execution per id (one account, many nonces)', async () => {
    const items = [1n, 2n, 3n].map((k) => {
      const m = messageTo(accountOf(f.dave), 100n * k)
      return { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    })
    const supply = (await readAssetTeam(f.api, WRAPPED_ID))!.supply
    const [a, b] = await Promise.all([t.dests[0]!.deliver(items), t.dests[1]!.deliver(items)])
    items.forEach((it, k) => {
      const pair = [a![k]!.status, b![k]!.status].sort()
      expect(pair).toEqual(['already-delivered', 'delivered'])
      expect(a![k]!.id).toBe(messageId(it.message))
    })
    expect((await readAssetTeam(f.api, WRAPPED_ID))!.supply).toBe(supply + 600n)
  }, 90_000)

  it('unlocks a native balance held by the multisig', async () => {
    const ms = t.dests[0]!.multisigAccount
    const locked = await submitterOf(f.dave).submit(
      f.api.tx.balances!.transferKeepAlive!(ms, 5n * 10n ** 12n),
      () => undefined,
    )
    expect(locked.error).toBeUndefined()
    const eve = accountOf(f.keyring.addFromUri('//Eve'))
    const m = messageTo(eve, 2n * 10n ** 12n, NATIVE_ASSET)
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const before = await freeOf(ms)
    const results = await Promise.all([t.dests[1]!.deliver([item]), t.dests[2]!.deliver([item])])
    expect(results.map((r) => r[0]!.status).sort()).toEqual(['already-delivered', 'delivered'])
    expect(await freeOf(eve)).toBe(2n * 10n ** 12n)
    expect(await freeOf(ms)).toBe(before - 2n * 10n ** 12n)
  }, 90_000)

  it('reports failed when the executed call fails or the asset has no route, once, with no second attempt', async () => {
    const poor = accountOf(f.keyring.addFromUri('//Isthmus/NoProvider'))
    const m = messageTo(poor, 10n)
    const item = { message: m, certificate: certify(f.chain.genesisHash, t.members, m) }
    const supply = (await readAssetTeam(f.api, WRAPPED_ID))!.supply
    const results = (await Promise.all([t.dests[0]!.deliver([item]), t.dests[2]!.deliver([item])])).map((r) => r[0]!)
    for (const r of results) expect(r).toMatchObject({ status: 'failed', reason: 'Token.CannotCreate' })
    expect((await readAssetTeam(f.api, WRAPPED_ID))!.supply).toBe(supply)
    const again = await t.newDest(f.bob).deliver([item])
    expect(again[0]!.status).toBe('failed')
    const onChain = await executionsOnChain(
      t,
      t.dests[0]!.multisigAccount,
      callHashOf(f, m),
      deliveredMarkerHash(messageId(m)),
    )
    expect(onChain).toEqual({ executions: 1, markers: 0 })
    const unknown = messageTo(poor, 10n, `0x${'ef'.repeat(32)}`)
    const progress = await lastValueFrom(
      t.dests[0]!.deliverProgress$([
        { message: unknown, certificate: certify(f.chain.genesisHash, t.members, unknown) },
      ]).pipe(toArray()),
    )
    expect(progress).toEqual([
      {
        kind: 'settled',
        results: [expect.objectContaining({ status: 'failed', reason: expect.stringMatching(/^UnknownAsset/) })],
      },
    ])
  }, 90_000)

  it('refuses a certificate for another committee and reports a signer that cannot pay as SIGNER_FUNDS_LOW', async () => {
    const m = messageTo(accountOf(f.dave), 1n)
    const foreign = certify(f.chain.genesisHash, [f.alice, f.bob, f.dave], m)
    const err = await rejected(() => t.dests[0]!.deliver([{ message: m, certificate: foreign }]))
    expect(err).toMatchObject({ code: 'CERTIFICATE_INVALID' })
    const broke = f.keyring.addFromUri('//Isthmus/Broke')
    const members = [f.alice, f.bob, broke]
    const dest = t.newDest(broke, { members })
    const cert = certify(f.chain.genesisHash, members, m)
    const funds = await rejected(() => dest.deliver([{ message: m, certificate: cert }]))
    expect(funds).toMatchObject({ code: 'SIGNER_FUNDS_LOW', retryable: true })
  }, 60_000)

  it('isthmus substrate setup-asset creates a multisig-owned asset from a relayer config, then finds it in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isthmus-setup-asset-'))
    const members = t.members.map((p, i) => ({
      id: `m${i}`,
      address: ATTESTATION_SIGNERS[i]!,
      operatorId: `op${i}`,
      custodyDomain: `cd${i}`,
      substrateAccount: p.address,
    }))
    const cfg = {
      node: { memberId: 'm0', attestationKey: { env: 'ATT_KEY' } },
      committee: { epoch: 1, threshold: 2, members },
      chains: [
        {
          kind: 'evm',
          ref: 'evm:1',
          domain: 1,
          chainId: 31337,
          rpcUrls: ['http://127.0.0.1:1'],
          bridge: `0x${'11'.repeat(20)}`,
          signer: { env: 'EVM_KEY' },
        },
        {
          kind: 'substrate',
          ref: 'substrate:asset-hub-local',
          domain: DOMAIN,
          wsUrls: [f.chain.wsUrl],
          genesisHash: f.chain.genesisHash,
          signer: { env: 'SUB_SEED' },
          commitments: 'chopsticks',
        },
      ],
      nats: { servers: ['nats://127.0.0.1:1'] },
    }
    writeFileSync(join(dir, 'relayer.json'), JSON.stringify(cfg))
    const run = async (extra: string[]) => {
      const out: string[] = []
      const stdout = new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(chunk.toString())
          done()
        },
      })
      const argv = [
        '--config',
        'relayer.json',
        '--asset-id',
        '2000',
        '--symbol',
        'wETH',
        '--decimals',
        '18',
        '--payer-env',
        'PAYER',
        '--json',
        ...extra,
      ]
      const code = await substrateSetupAssetCommand.run({
        argv,
        stdout,
        stderr: new Writable({ write: (_c, _e, d) => d() }),
        env: { PAYER: '//Dave', PWD: dir },
        cwd: dir,
      })
      return { code, json: JSON.parse(out.join('')) as Record<string, unknown> }
    }
    const isthmusId = `0x${'77'.repeat(32)}`
    const first = await run(['--isthmus-asset-id', isthmusId])
    expect(first).toMatchObject({
      code: 0,
      json: {
        status: 'created',
        assetHubId: 2000,
        owner: t.dests[0]!.multisigAccount,
        route: { assetId: isthmusId, kind: 'wrapped', assetHubId: 2000 },
      },
    })
    const team = await readAssetTeam(f.api, 2000)
    expect(team).toMatchObject({ owner: t.dests[0]!.multisigAccount, issuer: t.dests[0]!.multisigAccount })
    expect((await run([])).json).toMatchObject({ status: 'exists' })
    const usage = await rejected(() => run(['--decimals', '300']))
    expect(usage).toMatchObject({ code: 'USAGE' })
  }, 60_000)
})
