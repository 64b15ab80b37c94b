import { bytesToHex, encodeMessage, messageId } from '../../../../protocol/index.js'
import { type AuditedDelivery, type AuditSource, judgeDelivery, proveDelivery } from '../../../../relayer/index.js'
import type { Hex } from '../../../../types.js'
import { BRIDGE, CHAIN_ID, MESSAGE, OTHER, syntheticBundle } from '../../proofs/bundleHelpers.js'

const bundle = syntheticBundle()
const ID = messageId(MESSAGE)
const ENCODED = bytesToHex(encodeMessage(MESSAGE)).toLowerCase() as Hex
const SOURCE: AuditSource = { domain: MESSAGE.origin, chain: 'evm:31337', trust: { chainId: CHAIN_ID, bridge: BRIDGE } }
const delivery = (over: Partial<AuditedDelivery> = {}): AuditedDelivery => ({
  id: ID,
  origin: MESSAGE.origin,
  nonce: MESSAGE.nonce,
  chain: 'evm:31338',
  txHash: `0x${'cd'.repeat(32)}`,
  blockNumber: 9n,
  message: ENCODED,
  ...over,
})
const judge = (d: AuditedDelivery, bundles: unknown[], canonical: Hex | undefined = bundle.blockHash) =>
  judgeDelivery(d, proveDelivery(d, bundles, SOURCE), bundles.length, canonical)

describe('isthmus audit decision (judgeDelivery)', () => {
  it('passes a delivery whose bundle verifies, carries the delivered message and sits on the canonical block', () => {
    const f = judge(delivery(), [bundle, bundle])
    expect(f).toMatchObject({
      result: 'ok',
      id: ID,
      sourceBlock: { number: bundle.blockNumber, hash: bundle.blockHash },
    })
  })

  it('reports a delivery without any published bundle (a forged delivery with a valid certificate)', () => {
    expect(judge(delivery(), []).result).toBe('bundle-missing')
  })

  it('reports a tampered bundle even when an honest one is also published', () => {
    const tampered = { ...bundle, receiptProof: bundle.receiptProof.slice(0, -1) }
    expect(judge(delivery(), [tampered]).result).toBe('bundle-invalid')
    const both = judge(delivery(), [bundle, tampered])
    expect(both.result).toBe('bundle-invalid')
    expect(both.detail).toMatch(/1 other bundle/)
  })

  it('refuses a bundle from another bridge than the configured trust anchor', () => {
    const other = { ...SOURCE, trust: { chainId: CHAIN_ID, bridge: OTHER } }
    const d = delivery()
    expect(judgeDelivery(d, proveDelivery(d, [bundle], other), 1, bundle.blockHash).result).toBe('bundle-invalid')
  })

  it('refuses a valid bundle published under another id', () => {
    const d = delivery({ id: `0x${'ee'.repeat(32)}` })
    const f = judge(d, [bundle])
    expect(f.result).toBe('bundle-invalid')
    expect(f.detail).toContain(`bundle proves ${ID}`)
  })

  it('reports a delivered message that differs from the proven one, or is not in the calldata', () => {
    expect(judge(delivery({ message: `${ENCODED.slice(0, -2)}ff` as Hex }), [bundle]).result).toBe('message-mismatch')
    const { message: _m, ...noMessage } = delivery()
    expect(judge(noMessage, [bundle]).result).toBe('message-mismatch')
  })

  it("on a call-carrying destination (Substrate), compares the executed call with the proven message's delivery call", () => {
    const { message: _m, ...rest } = delivery()
    const d: AuditedDelivery = { ...rest, callData: '0x2802aabb' }
    const p = proveDelivery(d, [bundle], SOURCE)
    expect(judgeDelivery(d, p, 1, bundle.blockHash, '0x2802aabb').result).toBe('ok')
    const other = judgeDelivery(d, p, 1, bundle.blockHash, '0x2802aacc')
    expect(other).toMatchObject({ result: 'message-mismatch', detail: expect.stringContaining('executed call') })
    expect(judgeDelivery(d, p, 1, bundle.blockHash, undefined).result).toBe('message-mismatch')
  })

  it('reports a proven block the source chain no longer has (reorg), and one it could not read', () => {
    expect(judge(delivery(), [bundle], `0x${'12'.repeat(32)}`).result).toBe('source-block-not-canonical')
    const d = delivery()
    expect(judgeDelivery(d, proveDelivery(d, [bundle], SOURCE), 1, undefined).result).toBe('source-unverifiable')
  })

  it('reports a delivery from an origin that is not a configured source', () => {
    expect(judgeDelivery(delivery({ origin: 77 }), undefined, 1, undefined).result).toBe('source-unverifiable')
  })
})
