import { createMerkleProof, createMPT, verifyMerkleProof } from '@ethereumjs/mpt'
import fc from 'fast-check'
import { InvalidProofError } from '../../../errors.js'
import {
  buildMptProof,
  type MptEntry,
  receiptKey,
  type VerifyMptProofOptions,
  verifyMptProof,
} from '../../../proofs/index.js'
import { bytes, hex } from './forge.js'

// Differential test against @ethereumjs/mpt (RELIABILITY.md NT-13): random tries, their proofs and
// mutated proofs must get the same answer from both. We are stricter in one documented way: the
// reference ignores unused trailing nodes, we reject them (EXTRA_NODES / DEPTH_EXCEEDED) and accept
// the proof without them.

type Outcome = { value: string | null } | { rejected: string }

const ours = (root: string, key: Uint8Array, proof: Uint8Array[], opts: VerifyMptProofOptions): Outcome => {
  try {
    return { value: hex(verifyMptProof({ root: bytes(root), key, proof }, opts)) }
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidProofError)
    const reason = (e as InvalidProofError).reason
    return reason === 'VALUE_ABSENT' ? { value: null } : { rejected: reason }
  }
}

const reference = async (root: string, key: Uint8Array, proof: Uint8Array[]): Promise<Outcome> => {
  try {
    const v = await verifyMerkleProof(key, proof, { root: bytes(root) })
    return { value: v === null ? null : hex(v) }
  } catch {
    return { rejected: 'reference' }
  }
}

type Mutation =
  | { op: 'none' }
  | { op: 'flip' | 'drop' | 'truncate'; node: number; at: number; byte: number }
  | { op: 'append'; node: number; junk: Uint8Array }
  | { op: 'otherKey'; key: Uint8Array }
  | { op: 'otherRoot'; root: Uint8Array }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ op: 'none' as const }),
  fc.record({
    op: fc.constantFrom('flip' as const, 'drop' as const, 'truncate' as const),
    node: fc.nat(),
    at: fc.nat(),
    byte: fc.nat(255),
  }),
  fc.record({ op: fc.constant('append' as const), node: fc.nat(), junk: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ op: fc.constant('otherKey' as const), key: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('otherRoot' as const), root: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
)

const mutate = (
  root: string,
  key: Uint8Array,
  proof: Uint8Array[],
  m: Mutation,
): { root: string; key: Uint8Array; proof: Uint8Array[] } => {
  const p: Uint8Array[] = proof.map((n) => Uint8Array.from(n))
  const j = m.op === 'flip' || m.op === 'drop' || m.op === 'truncate' || m.op === 'append' ? m.node % p.length : 0
  if (m.op === 'flip') {
    const node = p[j]!
    const at = m.at % node.length
    node[at] = node[at]! ^ (m.byte === 0 ? 1 : m.byte)
  }
  if (m.op === 'truncate') p[j] = p[j]!.subarray(0, p[j]!.length - 1)
  if (m.op === 'drop') p.splice(j, 1)
  if (m.op === 'append') p.push(m.junk.length > 0 ? m.junk : p[j]!)
  if (m.op === 'otherKey') return { root, key: m.key, proof: p }
  if (m.op === 'otherRoot') return { root: hex(m.root), key, proof: p }
  return { root, key, proof: p }
}

type Tally = Record<'accepted' | 'rejected' | 'stricter', number>

/** Runs one case: builder equality with the reference trie, then agreement on the (mutated) proof. */
const check = async (
  entries: MptEntry[],
  query: Uint8Array,
  m: Mutation,
  opts: VerifyMptProofOptions,
  tally: Tally,
): Promise<void> => {
  const trie = await createMPT()
  for (const e of entries) await trie.put(e.key, e.value)
  const built = buildMptProof(entries, query)
  expect(built.root).toBe(hex(trie.root()))
  // The reference lists embedded nodes separately; eth_getProof (and we) keep them inside their parent.
  const refProof = (await createMerkleProof(trie, query)).filter((n, i) => i === 0 || n.length >= 32)
  expect(built.proof).toEqual(refProof.map(hex))
  const t = mutate(built.root, query, refProof, m)
  const mine = ours(t.root, t.key, t.proof, opts)
  const ref = await reference(t.root, t.key, t.proof)
  if (m.op === 'none')
    expect(mine).toEqual({ value: entries.find((e) => hex(e.key) === hex(query)) ? expect.any(String) : null })
  if ('rejected' in ref || 'value' in mine) {
    expect(mine).toEqual('rejected' in ref ? { rejected: expect.any(String) } : ref)
    tally['value' in mine ? 'accepted' : 'rejected']++
    return
  }
  tally.stricter++
  // The reference accepted what we refused: only unused trailing nodes may explain it.
  expect(['EXTRA_NODES', 'DEPTH_EXCEEDED']).toContain(mine.rejected)
  const prefixes = t.proof.map((_, k) => ours(t.root, t.key, t.proof.slice(0, k + 1), opts))
  expect(prefixes.find((o) => 'value' in o)).toEqual(ref)
}

const entryKey = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 5 }),
  fc
    .array(fc.constantFrom(0x00, 0x01, 0x10, 0x11, 0x12, 0xab), { minLength: 1, maxLength: 4 })
    .map((a) => Uint8Array.from(a)),
)
const anyEntries = fc.uniqueArray(fc.record({ key: entryKey, value: fc.uint8Array({ minLength: 1, maxLength: 40 }) }), {
  selector: (e) => hex(e.key),
  minLength: 1,
  maxLength: 40,
})

describe('verifyMptProof against @ethereumjs/mpt', () => {
  it('agrees on random tries with variable-length keys (branch values allowed), intact and mutated', async () => {
    const tally: Tally = { accepted: 0, rejected: 0, stricter: 0 }
    await fc.assert(
      fc.asyncProperty(
        anyEntries,
        fc.nat(),
        fc.option(entryKey, { freq: 4 }),
        mutation,
        async (entries, pick, random, m) => {
          const query = random ?? entries[pick % entries.length]!.key
          await check(entries, query, m, { allowBranchValues: true }, tally)
        },
      ),
      { numRuns: 200 },
    )
    expect(tally).toEqual({ accepted: expect.any(Number), rejected: expect.any(Number), stricter: expect.any(Number) })
    expect(Math.min(tally.accepted, tally.rejected, tally.stricter)).toBeGreaterThan(0)
  })

  it('agrees on receipt-shaped tries (keys rlp(i)) with the default strict options', async () => {
    const receiptsTrie = fc
      .array(fc.uint8Array({ minLength: 1, maxLength: 120 }), { minLength: 1, maxLength: 300 })
      .map((values) => values.map((value, i) => ({ key: receiptKey(i), value })))
    const tally: Tally = { accepted: 0, rejected: 0, stricter: 0 }
    await fc.assert(
      fc.asyncProperty(receiptsTrie, fc.nat(400), mutation, async (entries, index, m) => {
        await check(entries, receiptKey(index), m, {}, tally)
      }),
      { numRuns: 200 },
    )
    expect(Math.min(tally.accepted, tally.rejected)).toBeGreaterThan(0)
  })
})
