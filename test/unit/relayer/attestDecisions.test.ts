import type { ObservedMessage, ProofBundleDoc, SourceBatch } from '../../../adapters/index.js'
import { BundleInvalidError, InvalidProofError, RouteUnknownError } from '../../../errors.js'
import { bytesToHex, encodeMessage, messageId } from '../../../protocol/index.js'
import {
  claimNonce,
  decodeSignerRecord,
  encodeSignerRecord,
  type SignerRecord,
  signerRecordKey,
  signingVerdict,
  verifyObserved,
} from '../../../relayer/index.js'
import type { Hex, Message } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'
import { BRIDGE, CHAIN_ID, MESSAGE, OTHER, syntheticBundle, word } from '../proofs/bundleHelpers.js'

const SIGNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Hex
const ID = `0x${'aa'.repeat(32)}` as Hex
const record = (id: Hex = ID): SignerRecord => ({
  v: 1,
  id,
  origin: 1,
  nonce: 2n ** 63n,
  destination: 2,
  epoch: 4n,
  at: new Date(0).toISOString(),
})

describe('honest-signer records (S3, I5)', () => {
  it('keys a record by signer (lower-case), origin and nonce', () => {
    expect(signerRecordKey(SIGNER, 7, 42n)).toBe('0x70997970c51812dc3a010c7d01b50e0d17dc79c8.7.42')
  })

  it('claims a free nonce and never overwrites a claimed one', () => {
    expect(claimNonce(undefined, record())).toEqual(record())
    expect(claimNonce(record(), record(`0x${'bb'.repeat(32)}`))).toBeUndefined()
  })

  it('signs again for the same id (restart, replay, another instance: F-19)', () => {
    expect(signingVerdict(record(), ID.toUpperCase().replace('0X', '0x') as Hex)).toBe('same')
  })

  it('refuses a different id for a claimed (origin, nonce)', () => {
    expect(signingVerdict(record(), `0x${'bb'.repeat(32)}`)).toBe('equivocation')
  })

  it('round-trips through its wire encoding (uint64 nonce kept exact)', () => {
    expect(decodeSignerRecord(encodeSignerRecord(record()))).toEqual(record())
  })
})

describe('verifyObserved', () => {
  const bundle = syntheticBundle()
  const block = BigInt(bundle.blockNumber)
  const observed = (over: Partial<ObservedMessage> = {}, m: Message = MESSAGE): ObservedMessage => ({
    id: messageId(m),
    message: m,
    encoded: bytesToHex(encodeMessage(m)),
    source: { chain: 'evm:31337', blockNumber: block, blockHash: bundle.blockHash, txHash: word(1), logIndex: 1 },
    bundle: bundle as unknown as ProofBundleDoc,
    ...over,
  })
  const batchOf = (m: ObservedMessage, over: Partial<SourceBatch> = {}): SourceBatch => ({
    chain: 'evm:31337',
    fromBlock: block - 2n,
    toBlock: block,
    toBlockHash: bundle.blockHash,
    messages: [m],
    ...over,
  })
  const ctx = { domain: MESSAGE.origin, trust: { chainId: CHAIN_ID, bridge: BRIDGE }, destinations: new Set([2]) }

  it('accepts a message its bundle proves, from this source, to a configured destination', () => {
    const m = observed()
    expect(verifyObserved(m, batchOf(m), ctx)).toMatchObject({
      id: messageId(MESSAGE),
      message: MESSAGE,
      proofKind: 'evm-receipt',
    })
  })

  const reason = (f: () => unknown) => {
    const e = thrown(f)
    return e instanceof InvalidProofError ? e.reason : (e as Error).name
  }

  it.each([
    [
      'the batch cross-checked another block at that height',
      () => batchOf(observed(), { toBlockHash: word(5) }),
      'HEADER_MISMATCH',
    ],
    [
      'the block is outside the batch',
      () => batchOf(observed(), { fromBlock: block + 1n, toBlock: block + 3n }),
      'MESSAGE_MISMATCH',
    ],
  ] as const)('rejects a message when %s', (_, batch, want) => {
    expect(reason(() => verifyObserved(observed(), batch(), ctx))).toBe(want)
  })

  it('rejects a block hash the bundle does not prove (below the batch head)', () => {
    const m = observed({ source: { ...observed().source, blockHash: word(6) } })
    expect(reason(() => verifyObserved(m, batchOf(m, { toBlock: block + 1n, toBlockHash: word(7) }), ctx))).toBe(
      'HEADER_MISMATCH',
    )
  })

  it('rejects an adapter that reports another message than the proven one', () => {
    const other = { ...MESSAGE, nonce: 8n }
    const m = observed({ message: other, encoded: bytesToHex(encodeMessage(other)) })
    expect(reason(() => verifyObserved(m, batchOf(m), ctx))).toBe('MESSAGE_MISMATCH')
    const lying = observed({ id: word(9) })
    expect(reason(() => verifyObserved(lying, batchOf(lying), ctx))).toBe('MESSAGE_MISMATCH')
  })

  it('rejects a bundle from another bridge or chain than the config trusts', () => {
    const m = observed()
    expect(reason(() => verifyObserved(m, batchOf(m), { ...ctx, trust: { chainId: CHAIN_ID, bridge: OTHER } }))).toBe(
      'EMITTER_NOT_BRIDGE',
    )
    expect(reason(() => verifyObserved(m, batchOf(m), { ...ctx, trust: { chainId: 1n, bridge: BRIDGE } }))).toBe(
      'CHAIN_MISMATCH',
    )
  })

  it('rejects a message whose origin is not this source domain (BI-42)', () => {
    const m = observed()
    expect(reason(() => verifyObserved(m, batchOf(m), { ...ctx, domain: MESSAGE.origin + 1 }))).toBe('CHAIN_MISMATCH')
  })

  it('rejects a message to a destination without a configured route (NT-11)', () => {
    const m = observed()
    expect(thrown(() => verifyObserved(m, batchOf(m), { ...ctx, destinations: new Set([3]) }))).toBeInstanceOf(
      RouteUnknownError,
    )
  })

  it('rejects a malformed bundle as such', () => {
    const m = observed({ bundle: { kind: 'evm-receipt' } })
    expect(thrown(() => verifyObserved(m, batchOf(m), ctx))).toBeInstanceOf(BundleInvalidError)
  })
})
