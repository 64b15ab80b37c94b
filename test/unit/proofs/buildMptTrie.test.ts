import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { BundleInvalidError } from '../../../errors.js'
import {
  buildMptProof,
  buildMptTrie,
  buildReceiptProof,
  buildReceiptTrie,
  encodeReceipt,
  receiptKey,
  verifyMptProof,
} from '../../../proofs/index.js'
import { thrown } from '../../harness/thrown.js'

const receipts = JSON.parse(
  readFileSync(new URL('../../fixtures/ethereum/mainnet-11408438/receipts.json', import.meta.url), 'utf8'),
) as Parameters<typeof buildReceiptTrie>[0]

describe('buildMptTrie', () => {
  it('gives, for every key of random tries, exactly the proof buildMptProof gives', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 40,
          selector: (k) => Buffer.from(k).toString('hex'),
        }),
        fc.integer({ min: 1, max: 70 }),
        (keys, valueLen) => {
          // Keys that are prefixes of others need a branch value; the receipt tries never have them.
          const hexKeys = keys.map((k) => Buffer.from(k).toString('hex'))
          fc.pre(!hexKeys.some((a) => hexKeys.some((b) => a !== b && b.startsWith(a))))
          const entries = keys.map((key, i) => ({ key, value: new Uint8Array(valueLen).fill(i + 1) }))
          const trie = buildMptTrie(entries)
          for (const e of entries) {
            const single = buildMptProof(entries, e.key)
            expect(trie.root).toBe(single.root)
            expect(trie.proofOf(e.key)).toEqual(single.proof)
          }
        },
      ),
      { numRuns: 150, seed: 42 },
    )
  })

  it('proves all 130 receipts of mainnet block 11408438 like the per-receipt builder, and the proofs verify', () => {
    const trie = buildReceiptTrie(receipts)
    for (let i = 0; i < receipts.length; i++) {
      const single = buildReceiptProof(receipts, i)
      expect(trie.root).toBe(single.root)
      const proof = trie.proofOf(i)
      expect(proof).toEqual(single.proof)
      expect(Buffer.from(verifyMptProof({ root: trie.root, key: receiptKey(i), proof })).toString('hex')).toBe(
        Buffer.from(encodeReceipt(receipts[i]!, `receipts[${i}]`)).toString('hex'),
      )
    }
    expect(trie.root).toBe('0xfd5e397a84884641f53c496804f24b5276cbb8c5c9cfc2342246be8e3ce5ad02')
  })

  it('refuses a key that is not in the trie, and an index past the end', () => {
    const trie = buildMptTrie([
      { key: Uint8Array.of(1), value: Uint8Array.of(9) },
      { key: Uint8Array.of(2), value: Uint8Array.of(8) },
    ])
    expect(thrown(() => trie.proofOf(Uint8Array.of(3)))).toBeInstanceOf(BundleInvalidError)
    expect(thrown(() => buildReceiptTrie(receipts).proofOf(130))).toBeInstanceOf(BundleInvalidError)
    expect(thrown(() => buildMptTrie([]))).toBeInstanceOf(BundleInvalidError)
  })
})
