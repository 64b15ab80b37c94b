import { readFileSync } from 'node:fs'
import { createMerkleProof, createMPT, verifyMerkleProof } from '@ethereumjs/mpt'
import { getBytes } from 'ethers'
import {
  buildEvmReceiptBundle,
  buildMptProof,
  buildReceiptProof,
  DISPATCH_TOPIC,
  type EvmRpcHeader,
  type EvmRpcReceipt,
  encodeReceipt,
  receiptKey,
  verifyMptProof,
  verifyProofBundle,
} from '../../proofs/index.js'
import { encodeMessage, messageId } from '../../protocol/index.js'
import type { Hex, Message } from '../../types.js'
import { compare as compareFor, rate as rateFor } from './compareRates.js'
import type { BenchEntry, BenchModule } from './types.js'

// Receipt-proof verification on real data (mainnet block 11408438, all 130 receipts): our
// verifyMptProof against @ethereumjs/mpt's verifyMerkleProof on the same proofs in the same run.
const MEASURE_MS = 3000
const fixture = <T>(p: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/ethereum/${p}`, import.meta.url), 'utf8')) as T
const header = fixture<EvmRpcHeader>('mainnet-11408438/header.json')
const receipts = fixture<EvmRpcReceipt[]>('mainnet-11408438/receipts.json')

const rate = (perRound: number, round: () => unknown, ms = MEASURE_MS) => rateFor(perRound, round, ms)
const compare = (perRound: number, ours: () => unknown, baseline: () => unknown, ms = MEASURE_MS) =>
  compareFor(perRound, ours, baseline, ms)

const word = (v: bigint | number): Hex => `0x${BigInt(v).toString(16).padStart(64, '0')}`

/** A bundle of mainnet size: the block's 130 receipts with a Dispatch log added to receipt 64. */
const mainnetSizedBundle = (): unknown => {
  const m: Message = {
    version: 1,
    nonce: 1n,
    origin: 1,
    sender: word(1),
    destination: 2,
    recipient: word(2),
    body: `0x01${'33'.repeat(96)}`,
  }
  const enc = encodeMessage(m)
  const data = `0x${word(32).slice(2)}${word(enc.length).slice(2)}${Buffer.from(enc)
    .toString('hex')
    .padEnd(Math.ceil(enc.length / 32) * 64, '0')}` as Hex
  const bridge = `0x${'ab'.repeat(20)}` as Hex
  const rs = receipts.map((r, i) =>
    i === 64
      ? { ...r, logs: [...r.logs, { address: bridge, topics: [DISPATCH_TOPIC, messageId(m), word(2), word(1)], data }] }
      : r,
  )
  const h = { ...header, hash: null, receiptsRoot: buildReceiptProof(rs, 0).root }
  const b = buildEvmReceiptBundle({
    chain: 'evm:1',
    chainId: 1n,
    bridge,
    header: h,
    receipts: rs,
    txIndex: 64,
    logIndex: rs[64]!.logs.length - 1,
    finality: {
      mode: 'confirmations',
      confirmations: 2,
      observedHeadNumber: (BigInt(header.number) + 1n).toString(),
      observedHeadHash: word(9),
    },
  })
  return JSON.parse(JSON.stringify(b))
}

const bench: BenchModule = {
  title: 'EVM receipt proofs',
  run: async (): Promise<BenchEntry[]> => {
    const entries = receipts.map((r, i) => ({ key: receiptKey(i), value: encodeReceipt(r) }))
    const proofs = entries.map((e) => buildMptProof(entries, e.key).proof.map((n) => getBytes(n)))
    const root = getBytes(header.receiptsRoot)
    const [ours, reference] = await compare(
      proofs.length,
      () => {
        for (let i = 0; i < proofs.length; i++) verifyMptProof({ root, key: entries[i]!.key, proof: proofs[i]! })
      },
      async () => {
        for (let i = 0; i < proofs.length; i++) await verifyMerkleProof(entries[i]!.key, proofs[i]!, { root })
      },
    )
    const [buildOurs, buildReference] = await compare(
      1,
      () => buildMptProof(entries, entries[64]!.key),
      async () => {
        const t = await createMPT()
        for (const e of entries) await t.put(e.key, e.value)
        return createMerkleProof(t, entries[64]!.key)
      },
    )
    const doc = mainnetSizedBundle()
    const bundles = await rate(1, () => verifyProofBundle(doc))
    const conditions = `mainnet block 11408438, all 130 receipt proofs (3 nodes each), ${MEASURE_MS / 1000} s per figure (ours and the baseline interleaved in 250 ms slices), single thread, node ${process.version}`
    return [
      {
        name: 'receipt MPT proof verifications (verifyMptProof)',
        value: ours,
        unit: 'proofs/s',
        betterWhen: 'higher',
        baseline: { name: '@ethereumjs/mpt verifyMerkleProof', value: reference },
        ratio: ours / reference,
        conditions,
      },
      {
        name: 'receipts trie build + proof, 130 receipts (buildMptProof)',
        value: buildOurs,
        unit: 'tries/s',
        betterWhen: 'higher',
        baseline: { name: '@ethereumjs/mpt put x130 + createMerkleProof', value: buildReference },
        ratio: buildOurs / buildReference,
        conditions,
      },
      {
        name: 'evm-receipt bundle verifications (verifyProofBundle, 130-receipt block)',
        value: bundles,
        unit: 'bundles/s',
        betterWhen: 'higher',
        baseline: null,
        ratio: null,
        conditions,
      },
    ]
  },
}
export default bench
