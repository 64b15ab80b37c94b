import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'
import { firstValueFrom } from 'rxjs'
import {
  createSubstrateAdapter,
  type SubstrateChainAdapter,
} from '../../../adapters/substrate/createSubstrateAdapter.js'
import type { ObservedMessage, SourceBatch } from '../../../adapters/types.js'
import { ChainIdMismatchError, InvalidProofError } from '../../../errors.js'
import { verifyProofBundle } from '../../../proofs/index.js'
import {
  LAST_RUNTIME_UPGRADE_KEY,
  SYSTEM_EVENTS_KEY,
  substrateNativeAssetId,
} from '../../../proofs/substrate/intent/constants.js'
import { encodeIntent } from '../../../proofs/substrate/intent/decodeIntent.js'
import { deriveSubstrateMessage } from '../../../proofs/substrate/intent/deriveSubstrateMessage.js'
import {
  bytesToHex,
  decodeMessage,
  encodeAppBody,
  encodeMessage,
  encodeTokenTransferBody,
  hexToBytes,
  messageId,
} from '../../../protocol/index.js'
import { type VerifyObservedContext, verifyObserved } from '../../../relayer/verify/verifyObserved.js'
import type { Hex } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { type ChopsticksFixture, chopsticksSourceAdapter, useChopsticks } from '../../harness/chopsticks.js'
import { collectBatches as collect } from '../../harness/collectBatches.js'
import { rejected, thrown } from '../../harness/thrown.js'

const DOMAIN = 3
const EVM_RECIPIENT: Hex = `0x${'00'.repeat(12)}${'ab'.repeat(20)}`

describe('Substrate source adapter on chopsticks (finalized heads, intents, substrate-storage bundles)', () => {
  let f: ChopsticksFixture
  useChopsticks((x) => {
    f = x
  })
  let adapter: SubstrateChainAdapter
  let committee: Hex
  let observed: { token: ObservedMessage; app: ObservedMessage; batch: SourceBatch } | undefined
  const { log, lines } = captureLogger('debug')
  beforeAll(() => {
    ;({ adapter, committee } = chopsticksSourceAdapter(f, log, DOMAIN))
  })
  afterAll(() => adapter?.close())

  const tokenIntent = (amount: bigint) =>
    encodeIntent({
      destination: 1,
      recipient: EVM_RECIPIENT,
      body: encodeTokenTransferBody({ asset: substrateNativeAssetId(DOMAIN), amount, beneficiary: EVM_RECIPIENT }),
    })

  it('preflight checks the genesis hash; a wrong one is refused (F-06)', async () => {
    const report = await adapter.preflight()
    expect(report.chainIdentity).toContain(f.chain.genesisHash)
    const wrong = createSubstrateAdapter(
      {
        chain: 'substrate:asset-hub-local',
        domain: DOMAIN,
        wsUrls: [f.chain.wsUrl],
        genesisHash: `0x${'11'.repeat(32)}`,
        committeeAccount: committee,
      },
      { log },
    )
    try {
      expect(await rejected(() => wrong.preflight())).toBeInstanceOf(ChainIdMismatchError)
      expect(await rejected(() => firstValueFrom(wrong.observe$(0n)))).toBeInstanceOf(ChainIdMismatchError)
    } finally {
      await wrong.close()
    }
  })

  it('relays a token intent and an app intent, refuses Qubit-style mismatches, fills multi-block gaps', async () => {
    const { api, alice, bob, chain } = f
    const start = BigInt(await chain.headNumber()) + 1n
    const c = collect(adapter.observe$(start))
    try {
      const tx = api.tx
      // Block start: a good token transfer (Alice) and a good app message (Bob).
      await tx.utility!.batchAll!([
        tx.balances!.transferKeepAlive!(committee, 5_000_000n),
        tx.system!.remarkWithEvent!(tokenIntent(5_000_000n)),
      ]).signAndSend(alice, { nonce: -1 })
      await tx.utility!.batchAll!([
        tx.system!.remarkWithEvent!(
          encodeIntent({ destination: 2, recipient: EVM_RECIPIENT, body: encodeAppBody('0xc0ffee') }),
        ),
      ]).signAndSend(bob, { nonce: -1 })
      await chain.newBlock()
      // Block start+1: refused ones — amount mismatch, paying someone else, utility.batch (not batchAll).
      await tx.utility!.batchAll!([
        tx.balances!.transferKeepAlive!(committee, 5_000_000n),
        tx.system!.remarkWithEvent!(tokenIntent(6_000_000n)),
      ]).signAndSend(alice, { nonce: -1 })
      await tx.utility!.batchAll!([
        tx.balances!.transferKeepAlive!(f.charlie.address, 5_000_000n),
        tx.system!.remarkWithEvent!(tokenIntent(5_000_000n)),
      ]).signAndSend(bob, { nonce: -1 })
      await tx.utility!.batch!([
        tx.balances!.transferKeepAlive!(committee, 5_000_000n),
        tx.system!.remarkWithEvent!(tokenIntent(5_000_000n)),
      ]).signAndSend(f.charlie, { nonce: -1 })
      // A batchAll whose transfer fails (more than the balance): the whole batch is rolled back.
      await tx.utility!.batchAll!([
        tx.balances!.transferKeepAlive!(committee, 10n ** 30n),
        tx.system!.remarkWithEvent!(tokenIntent(10n ** 30n)),
      ]).signAndSend(f.dave, { nonce: -1 })
      // Several blocks in one dev_newBlock call (F-09 gap): the intents sit in the first of them.
      await chain.newBlock(3)
      await tx.utility!.batchAll!([
        tx.balances!.transferKeepAlive!(committee, 7n),
        tx.system!.remarkWithEvent!(tokenIntent(7n)),
      ]).signAndSend(alice, { nonce: -1 })
      await chain.newBlock()
      const last = BigInt(await chain.headNumber())
      await c.until(() => c.batches.length > 0 && c.batches[c.batches.length - 1]!.toBlock >= last)

      // Gap-free, in order.
      let expectFrom = start
      for (const b of c.batches) {
        expect(b.fromBlock).toBe(expectFrom)
        expectFrom = b.toBlock + 1n
      }
      const msgs = c.messages()
      expect(msgs).toHaveLength(3)
      const [token, app, late] = msgs
      expect(token!.source.blockNumber).toBe(start)
      expect(token!.message.sender).toBe(u8aToHex(decodeAddress(alice.address)))
      expect(token!.message.origin).toBe(DOMAIN)
      expect(token!.message.destination).toBe(1)
      expect(token!.message.nonce).toBe((start << 32n) | BigInt(token!.source.logIndex))
      expect(token!.id).toBe(messageId(token!.message))
      expect(decodeMessage(hexToBytes(token!.encoded, 'encoded')).body).toBe(token!.message.body)
      expect(app!.message.destination).toBe(2)
      expect(app!.message.body).toBe('0x00c0ffee')
      expect(app!.message.sender).toBe(u8aToHex(decodeAddress(bob.address)))
      expect(late!.source.blockNumber).toBe(start + 4n)
      // Refused intents are logged, not relayed.
      const refused = lines.filter((l) => l.msg === 'outbound intent refused')
      expect(refused.length).toBeGreaterThanOrEqual(3)

      // The bundle carries everything the message-level check needs, and re-derives the same message.
      const b = token!.bundle as unknown as Record<string, unknown> & { metadata: { specVersion: number } }
      expect(b.kind).toBe('substrate-storage')
      expect(b.blockHash).toBe(token!.source.blockHash)
      expect(b.message).toBe(token!.encoded)
      const rederived = deriveSubstrateMessage(
        {
          specVersion: b.metadata.specVersion,
          blockNumber: BigInt(b.blockNumber as string),
          extrinsicIndex: b.extrinsicIndex as number,
          extrinsic: (b.extrinsics as Hex[])[b.extrinsicIndex as number]!,
          events: (b.entries as { value: Hex }[])[0]!.value,
        },
        { domain: DOMAIN, committeeAccount: committee, metadata: adapter.substrateTrust.metadata },
      )
      expect(rederived.message).toEqual(token!.message)
      expect(rederived.movement?.amount).toBe(5_000_000n)
      observed = { token: token!, app: app!, batch: c.batches.find((x) => x.messages.includes(token!))! }
    } finally {
      c.sub.unsubscribe()
    }
  }, 90_000)

  it('the relayer re-verifies observed messages from their bundles alone; tampered bundles are refused', () => {
    const trust = { substrate: adapter.substrateTrust }
    const ctx = { domain: DOMAIN, trust, destinations: new Set([1, 2]) }
    const { token, app, batch } = observed!
    expect(verifyObserved(token, batch, ctx).message).toEqual(token.message)
    expect(verifyObserved(app, batch, ctx).id).toBe(app.id)
    const proven = verifyProofBundle(token.bundle, { ...trust, trustedBlockHash: token.source.blockHash })
    expect(proven.kind).toBe('substrate-storage')
    const tamper = (patch: Record<string, unknown>) => ({ ...token, bundle: { ...token.bundle, ...patch } })
    const reasonOf = (m: ObservedMessage, c: VerifyObservedContext = ctx) => {
      const e = thrown(() => verifyObserved(m, batch, c))
      return e instanceof InvalidProofError ? e.reason : (e as { code?: string }).code
    }
    // Another message than the intent derives (amount raised).
    const other = {
      ...token.message,
      body: encodeTokenTransferBody({
        asset: substrateNativeAssetId(DOMAIN),
        amount: 6_000_000n,
        beneficiary: EVM_RECIPIENT,
      }),
    }
    expect(reasonOf(tamper({ message: bytesToHex(encodeMessage(other)) }))).toBe('MESSAGE_MISMATCH')
    // The app message's extrinsic in place of the token one.
    expect(reasonOf(tamper({ extrinsicIndex: app.source.logIndex }))).toBe('MESSAGE_MISMATCH')
    // Metadata reference that is not the trusted metadata.
    const md = (token.bundle as unknown as { metadata: { specVersion: number } }).metadata
    expect(reasonOf(tamper({ metadata: { ...md, hash: `0x${'00'.repeat(32)}` } }))).toBe('HASH_MISMATCH')
    // The runtime that executed the block (System.LastRuntimeUpgrade) is required and must be the metadata's.
    type Entry = { key: Hex; value: Hex | null }
    const entries = (token.bundle as unknown as { entries: Entry[] }).entries
    expect(entries.map((e) => e.key)).toEqual([SYSTEM_EVENTS_KEY, LAST_RUNTIME_UPGRADE_KEY])
    expect(reasonOf(tamper({ entries: entries.slice(0, 1) }))).toBe('BUNDLE_INVALID')
    expect(reasonOf(tamper({ entries: [entries[0], { key: LAST_RUNTIME_UPGRADE_KEY, value: '0x0102' }] }))).toBe(
      'MALFORMED_ENCODING',
    )
    // A body that is not the block's (extrinsics root) and events that are not the block's under a required proof.
    const exts = [...(token.bundle as unknown as { extrinsics: Hex[] }).extrinsics]
    exts.push(exts[token.source.logIndex]!)
    expect(reasonOf(tamper({ extrinsics: exts }))).toBe('ROOT_MISMATCH')
    const required = { ...ctx, trust: { substrate: { ...adapter.substrateTrust, commitments: 'substrate' as const } } }
    expect(['ROOT_MISMATCH', 'NODE_MISSING', 'VALUE_ABSENT']).toContain(reasonOf(token, required))
    // Another committee account or domain in the verifier's trust.
    const otherCommittee = {
      ...ctx,
      trust: { substrate: { ...adapter.substrateTrust, committeeAccount: `0x${'22'.repeat(32)}` as Hex } },
    }
    expect(reasonOf(token, otherCommittee)).toBe('MESSAGE_MISMATCH')
    // No trust anchors for the message check at all.
    expect(reasonOf(token, { ...ctx, trust: { substrate: { commitments: 'chopsticks' } } })).toBe('BUNDLE_INVALID')
  })

  it('refuses to continue on a rewound finalized chain (dev_setHead, F-10 / F-08)', async () => {
    const { chain } = f
    const head = await chain.headNumber()
    const c = collect(adapter.observe$(BigInt(head) - 1n))
    try {
      await c.until(() => c.batches.some((b) => b.toBlock >= BigInt(head)))
      await chain.setHead(head - 1)
      await f.api.tx.system!.remarkWithEvent!('0x01').signAndSend(f.alice, { nonce: -1 })
      await chain.newBlock(2)
      await c.until(() => c.error() !== undefined).catch(() => {})
      const err = c.error()
      expect(err).toBeInstanceOf(InvalidProofError)
      expect((err as InvalidProofError).reason).toBe('HEADER_MISMATCH')
      // The relayer takes one batch per subscription: a new one from the next block still sees the rewind.
      const last = c.batches[c.batches.length - 1]!.toBlock
      const again = await rejected(() => firstValueFrom(adapter.observe$(last + 1n)))
      expect((again as InvalidProofError).reason).toBe('HEADER_MISMATCH')
    } finally {
      c.sub.unsubscribe()
    }
  }, 60_000)
})
