// Read proofs from the local chain's state. chopsticks keeps no trie of its own: its headers carry a
// zero stateRoot and `state_getReadProof` needs an upstream node, which `--genesis` has not (see
// docs/proofs.md). So the root is recomputed from the chain's full state, by our `trieRoot` and,
// independently, by the smoldot trie in chopsticks' executor; the proofs are checked against it.
import { calculateStateRoot, createProof, destroyWorker } from '@acala-network/chopsticks-core/wasm-executor/index'
import { InvalidProofError } from '../../../errors.js'
import { trieRoot, verifyTrieProof } from '../../../proofs/index.js'
import { LAST_RUNTIME_UPGRADE_KEY, SYSTEM_EVENTS_KEY } from '../../../proofs/substrate/intent/constants.js'
import type { Hex } from '../../../types.js'
import { type ChopsticksFixture, useChopsticks } from '../../harness/chopsticks.js'
import { buildTrie, proveKeys } from '../../harness/substrateProofs.js'
import { thrown } from '../../harness/thrown.js'

const CODE_KEY: Hex = '0x3a636f6465'
const bytes = (h: Hex) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))

describe('read proofs of the local Asset Hub state (chopsticks), differential against smoldot', () => {
  let f: ChopsticksFixture
  useChopsticks((x) => {
    f = x
  })
  afterAll(() => destroyWorker())

  it('the full state hashes to the same root in both tries, and read proofs of it verify', async () => {
    await f.api.tx.system!.remarkWithEvent!('0x01').signAndSend(f.alice, { nonce: -1 })
    const head = await f.chain.newBlock()
    const header = await f.chain.rpc<{ stateRoot: Hex }>('chain_getHeader', [head])
    expect(header.stateRoot).toBe(`0x${'00'.repeat(32)}`) // why the root is recomputed here
    const keys: Hex[] = []
    for (let start: Hex | null = null; ; ) {
      const page: Hex[] = await f.chain.rpc<Hex[]>('state_getKeysPaged', ['0x', 1000, start, head])
      keys.push(...page)
      if (page.length < 1000) break
      start = page[page.length - 1]!
    }
    const state = new Map<Hex, Hex>()
    for (const k of keys) {
      const v = await f.chain.rpc<Hex | null>('state_getStorage', [k, head])
      if (v !== null) state.set(k, v)
    }
    for (const k of [SYSTEM_EVENTS_KEY, LAST_RUNTIME_UPGRADE_KEY, CODE_KEY]) expect(state.has(k)).toBe(true)
    const { stateVersion } = await f.chain.rpc<{ stateVersion: 0 | 1 }>('state_getRuntimeVersion', [head])
    const entries = [...state].map(([k, v]) => ({ key: bytes(k), value: bytes(v) }))

    const root = trieRoot(entries, stateVersion)
    expect(await calculateStateRoot([...state], stateVersion)).toBe(root)
    // smoldot's encoding of every node of that trie; ours must produce the same bytes.
    const smoldot = await createProof([], [...state])
    expect(smoldot.trieRootHash).toBe(root)
    const smoldotNodes = new Set(smoldot.nodes.map((n: string) => n.toLowerCase()))
    const trie = buildTrie(entries, stateVersion)
    expect(trie.root).toBe(root)

    const absent = `${SYSTEM_EVENTS_KEY}00` as Hex
    for (const key of [SYSTEM_EVENTS_KEY, LAST_RUNTIME_UPGRADE_KEY, CODE_KEY, absent]) {
      const proof = proveKeys(trie, [bytes(key)])
      for (const n of proof) expect(smoldotNodes.has(n.toLowerCase())).toBe(true)
      expect(verifyTrieProof({ root, proof, keys: [key], stateVersion })).toEqual([
        { key, value: state.get(key) ?? null },
      ])
    }
    // Both message-bundle entries in one proof, and a tampered copy of it.
    const both = proveKeys(trie, [bytes(SYSTEM_EVENTS_KEY), bytes(LAST_RUNTIME_UPGRADE_KEY)])
    expect(
      verifyTrieProof({ root, proof: both, keys: [SYSTEM_EVENTS_KEY, LAST_RUNTIME_UPGRADE_KEY], stateVersion }).map(
        (e) => e.value,
      ),
    ).toEqual([state.get(SYSTEM_EVENTS_KEY), state.get(LAST_RUNTIME_UPGRADE_KEY)])
    const tampered = both.map((n) =>
      n.length > 200 ? (`${n.slice(0, -2)}${n.endsWith('00') ? '01' : '00'}` as Hex) : n,
    )
    const e = thrown(() =>
      verifyTrieProof({ root, proof: tampered, keys: [SYSTEM_EVENTS_KEY, LAST_RUNTIME_UPGRADE_KEY], stateVersion }),
    )
    expect(e).toBeInstanceOf(InvalidProofError)
  }, 120_000)
})
