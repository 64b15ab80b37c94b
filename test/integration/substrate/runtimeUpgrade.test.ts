import type { SubstrateChainAdapter } from '../../../adapters/substrate/createSubstrateAdapter.js'
import { InvalidProofError } from '../../../errors.js'
import { substrateNativeAssetId } from '../../../proofs/substrate/intent/constants.js'
import { encodeIntent } from '../../../proofs/substrate/intent/decodeIntent.js'
import { metadataHash } from '../../../proofs/substrate/intent/metadataRegistry.js'
import { encodeTokenTransferBody } from '../../../protocol/index.js'
import { verifyObserved } from '../../../relayer/verify/verifyObserved.js'
import type { Hex } from '../../../types.js'
import { captureLogger } from '../../harness/captureLogger.js'
import { type ChopsticksFixture, chopsticksSourceAdapter, useChopsticks } from '../../harness/chopsticks.js'
import { collectBatches } from '../../harness/collectBatches.js'
import { upgradeRuntime } from '../../harness/runtimeUpgrade.js'
import { thrown } from '../../harness/thrown.js'

const DOMAIN = 3
const EVM_RECIPIENT: Hex = `0x${'00'.repeat(12)}${'cd'.repeat(20)}`

interface EventRecord {
  event: { section: string; method: string }
}

describe('Substrate source across a runtime upgrade (parachainSystem.enactAuthorizedUpgrade on chopsticks)', () => {
  let f: ChopsticksFixture
  useChopsticks((x) => {
    f = x
  })
  let adapter: SubstrateChainAdapter
  let committee: Hex
  const { log, lines } = captureLogger('debug')
  beforeAll(() => {
    ;({ adapter, committee } = chopsticksSourceAdapter(f, log, DOMAIN))
  })
  afterAll(() => adapter?.close())

  const submitIntent = async (amount: bigint) => {
    const tx = f.api.tx
    const intent = encodeIntent({
      destination: 1,
      recipient: EVM_RECIPIENT,
      body: encodeTokenTransferBody({ asset: substrateNativeAssetId(DOMAIN), amount, beneficiary: EVM_RECIPIENT }),
    })
    await tx.utility!.batchAll!([
      tx.balances!.transferKeepAlive!(committee, amount),
      tx.system!.remarkWithEvent!(intent),
    ]).signAndSend(f.alice, { nonce: -1 })
  }
  const sendIntent = async (amount: bigint) => {
    await submitIntent(amount)
    return f.chain.newBlock()
  }
  const eventsAt = async (hash: Hex): Promise<string[]> =>
    ((await (await f.api.at(hash)).query.system!.events!()) as unknown as EventRecord[]).map(
      (r) => `${r.event.section}.${r.event.method}`,
    )
  const specAt = async (hash: Hex) =>
    (await f.chain.rpc<{ specVersion: number }>('state_getRuntimeVersion', [hash])).specVersion

  it('scans every block across the upgrade, decodes each with its own runtime metadata, and proves both sides', async () => {
    const { chain } = f
    const start = BigInt(await chain.headNumber()) + 1n
    const c = collectBatches(adapter.observe$(start))
    try {
      const beforeBlock = await sendIntent(1_000_000n)
      const up = await upgradeRuntime(chain, f.api, f.bob, { beforeApply: () => submitIntent(1_500_000n) })
      expect(up.to).toBe(up.from + 1)
      // The chain's own record of the upgrade: stored by the extrinsic, applied on the go-ahead.
      expect(await eventsAt(up.storedAt)).toContain('parachainSystem.ValidationFunctionStored')
      expect(await eventsAt(up.appliedAt)).toContain('parachainSystem.ValidationFunctionApplied')
      expect(await specAt(up.storedAt)).toBe(up.from)
      expect(await specAt(up.appliedAt)).toBe(up.to)
      // A signed transfer under the new runtime (spec version in the signed payload) goes through.
      const afterBlock = await sendIntent(2_000_000n)
      expect(await specAt(afterBlock)).toBe(up.to)
      const last = BigInt(await chain.headNumber())
      await c.until(() => c.batches.length > 0 && c.batches[c.batches.length - 1]!.toBlock >= last, 30_000)

      // Gap-free and in order through the upgrade blocks.
      let expectFrom = start
      for (const b of c.batches) {
        expect(b.fromBlock).toBe(expectFrom)
        expectFrom = b.toBlock + 1n
      }
      const msgs = c.messages()
      expect(msgs.map((m) => m.source.blockHash)).toEqual([beforeBlock, up.appliedAt, afterBlock])
      const [before, applying, after] = msgs
      type Md = { metadata: { specVersion: number; hash: Hex } }
      const mdBefore = (before!.bundle as unknown as Md).metadata
      const mdAfter = (after!.bundle as unknown as Md).metadata
      expect(mdBefore.specVersion).toBe(up.from)
      // The applying block was executed by the old runtime, though its state already holds the new code.
      expect((applying!.bundle as unknown as Md).metadata).toEqual(mdBefore)
      expect(mdAfter.specVersion).toBe(up.to)
      // The metadata really changed (System.Version) and each bundle names the one that decodes it.
      const trusted = adapter.substrateTrust.metadata!
      expect(mdBefore.hash).not.toBe(mdAfter.hash)
      expect(metadataHash(trusted[String(up.from)]!)).toBe(mdBefore.hash)
      expect(metadataHash(trusted[String(up.to)]!)).toBe(mdAfter.hash)
      expect(lines.filter((l) => l.msg === 'runtime metadata loaded').map((l) => l.specVersion as number)).toEqual(
        expect.arrayContaining([up.from, up.to]),
      )

      // Each relayer re-verifies from the bundle alone, with the trusted metadata of that block's runtime.
      const ctx = { domain: DOMAIN, trust: { substrate: adapter.substrateTrust }, destinations: new Set([1]) }
      for (const m of msgs) {
        const batch = c.batches.find((b) => b.messages.includes(m))!
        expect(verifyObserved(m, batch, ctx).id).toBe(m.id)
      }
      // A bundle that names the other runtime's (trusted) metadata is refused: System.LastRuntimeUpgrade
      // in the block's own entries says which runtime executed it.
      for (const [m, md] of [
        [before!, mdAfter],
        [applying!, mdAfter],
        [after!, mdBefore],
      ] as const) {
        const batch = c.batches.find((b) => b.messages.includes(m))!
        const e = thrown(() => verifyObserved({ ...m, bundle: { ...m.bundle, metadata: md } }, batch, ctx))
        expect(e).toBeInstanceOf(InvalidProofError)
        expect((e as InvalidProofError).reason).toBe('MESSAGE_MISMATCH')
        expect((e as InvalidProofError).message).toMatch(/LastRuntimeUpgrade/)
      }
    } finally {
      c.sub.unsubscribe()
    }
  }, 120_000)
})
