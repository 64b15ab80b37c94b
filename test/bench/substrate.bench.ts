import { readFileSync } from 'node:fs'
import { ed25519 } from '@noble/curves/ed25519.js'
import { cryptoWaitReady, ed25519Verify } from '@polkadot/util-crypto'
import { InvalidProofError } from '../../errors.js'
import {
  decodeGrandpaJustification,
  type GrandpaAuthoritySet,
  grandpaPrecommitPayload,
  initSubstrateCrypto,
  verifyGrandpaJustification,
  verifyTrieProof,
} from '../../proofs/index.js'
import { ed25519Backend } from '../../proofs/substrate/verifyEd25519.js'
import type { Hex } from '../../types.js'
import { buildJustification, buildTrie, grandpaKey, makeHeader, proveKeys } from '../harness/substrateProofs.js'
import { referenceReadProof } from './substrateReference.js'
import type { BenchEntry, BenchModule } from './types.js'

// Substrate proofs: read-proof verifications per second (the real Polkadot genesis proof and a
// 20,000-entry V1 state trie) against a straightforward reference built on @polkadot/util-crypto's
// wasm blake2, and the time to verify a GRANDPA justification for Polkadot's 297-authority set
// against an @polkadot/util-crypto (wasm) ed25519Verify loop over the same precommits.
const MEASURE_MS = 3000
const text = (p: string) => readFileSync(new URL(`../fixtures/substrate/${p}`, import.meta.url), 'utf8')
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))

/** Ours and the baseline interleaved in 250 ms slices, `ms` each; returns [ours, baseline] items/s. */
const compare = (perRound: number, ours: () => unknown, baseline: () => unknown, ms = MEASURE_MS): [number, number] => {
  const total = { ours: [0, 0], baseline: [0, 0] }
  ours()
  baseline()
  for (let spent = 0; spent < 2 * ms; ) {
    for (const [key, fn] of [
      ['ours', ours],
      ['baseline', baseline],
    ] as const) {
      let n = 0
      const t0 = performance.now()
      while (performance.now() - t0 < 250) {
        fn()
        n += perRound
      }
      const t = performance.now() - t0
      total[key][0]! += n
      total[key][1]! += t
      spent += t
    }
  }
  return [(total.ours[0]! * 1000) / total.ours[1]!, (total.baseline[0]! * 1000) / total.baseline[1]!]
}

/**
 * Median CPU time (user + system, ms) of `runs` alternating calls of each function: [ours,
 * baseline]. CPU time rather than wall time, because the bench machine is shared: a call that is
 * descheduled for other processes' work would otherwise be charged for it. Both are synchronous
 * and single-threaded.
 */
const medianCpuMs = (runs: number, ours: () => unknown, baseline: () => unknown): [number, number] => {
  const t = { ours: [] as number[], baseline: [] as number[] }
  ours()
  baseline()
  for (let i = 0; i < runs; i++) {
    for (const [key, fn] of [
      ['ours', ours],
      ['baseline', baseline],
    ] as const) {
      const c0 = process.cpuUsage()
      fn()
      const c = process.cpuUsage(c0)
      t[key].push((c.user + c.system) / 1000)
    }
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!
  return [mid(t.ours), mid(t.baseline)]
}

/** The proofs the read-proof figures verify: the Polkadot genesis proof and 100 proofs of a big V1 trie. */
const readProofData = () => {
  const header = JSON.parse(text('polkadot-genesis-read-proof/genesis_header.json')) as { stateRoot: Hex }
  const proof = (JSON.parse(text('polkadot-genesis-read-proof/read_proof.json')) as { proof: Hex[] }).proof
  const key = (JSON.parse(text('polkadot-genesis-read-proof/expected.json')) as { present: { key: Hex }[] }).present[0]!
    .key
  const root = bytes(header.stateRoot)
  const nodes = proof.map(bytes)
  const k = bytes(key)
  // A state of 20,000 hashed 32-byte keys (like a storage map) with 80-byte values, layout V1.
  const entries = Array.from({ length: 20_000 }, (_, i) => ({
    key: bytes(makeHeader(`0x${'00'.repeat(32)}`, BigInt(i)).hash),
    value: new Uint8Array(80).fill(i & 0xff),
  }))
  const trie = buildTrie(entries, 1)
  const sample = entries.filter((_, i) => i % 200 === 0)
  const proofs = sample.map((e) => proveKeys(trie, [e.key]).map(bytes))
  return { root, nodes, k, sample, proofs, bigRoot: bytes(trie.root) }
}

const readProofEntries = (blake: string, data: ReturnType<typeof readProofData>): BenchEntry[] => {
  const { root, nodes, k, sample, proofs, bigRoot } = data
  const [genesisOurs, genesisRef] = compare(
    1,
    () => verifyTrieProof({ root, proof: nodes, keys: [k], stateVersion: 0 }),
    () => referenceReadProof(root, nodes, k),
  )
  const [bigOurs, bigRef] = compare(
    sample.length,
    () => {
      for (let i = 0; i < sample.length; i++)
        verifyTrieProof({ root: bigRoot, proof: proofs[i]!, keys: [sample[i]!.key], stateVersion: 1 })
    },
    () => {
      for (let i = 0; i < sample.length; i++) referenceReadProof(bigRoot, proofs[i]!, sample[i]!.key)
    },
  )
  const conditions = `read proofs: Polkadot genesis proof (6 nodes, 1 key) and 100 single-key proofs of a 20,000-entry V1 trie (${(proofs.reduce((n, p) => n + p.length, 0) / proofs.length).toFixed(1)} nodes each, 80-byte hashed values); ${MEASURE_MS / 1000} s per figure, ours and the reference interleaved in 250 ms slices; single thread, node ${process.version}`
  const entry = (name: string, ours: number, ref: number): BenchEntry => ({
    name,
    value: ours,
    unit: 'proofs/s',
    betterWhen: 'higher',
    baseline: { name: 'straightforward lookup with @polkadot/util-crypto blake2 (wasm)', value: ref },
    ratio: ours / ref,
    conditions,
  })
  return [
    entry(
      `Substrate read-proof verifications, Polkadot genesis proof (verifyTrieProof, ${blake})`,
      genesisOurs,
      genesisRef,
    ),
    entry(`Substrate read-proof verifications, 20k-entry V1 trie (verifyTrieProof, ${blake})`, bigOurs, bigRef),
  ]
}

const grandpaEntries = async (): Promise<BenchEntry[]> => {
  await cryptoWaitReady()
  const keys = Array.from({ length: 297 }, (_, i) => grandpaKey(i))
  const set: GrandpaAuthoritySet = { setId: 450n, authorities: keys.map((k) => ({ id: k.id, weight: 1n })) }
  const target = makeHeader(`0x${'42'.repeat(32)}`, 4_635_975n)
  const justification = (signers: number) =>
    bytes(
      buildJustification({
        round: 6971n,
        setId: 450n,
        targetHash: target.hash,
        targetNumber: 4_635_975n,
        precommits: keys.slice(0, signers).map((key) => ({ key, targetHash: target.hash, targetNumber: 4_635_975n })),
      }),
    )
  const loop = (j: Uint8Array, verify: (msg: Uint8Array, sig: Uint8Array, id: Uint8Array) => boolean) => {
    const d = decodeGrandpaJustification(j)
    return () => {
      for (const p of d.precommits) {
        const payload = grandpaPrecommitPayload({ ...p, round: d.round, setId: 450n })
        if (!verify(payload, bytes(p.signature), bytes(p.id))) {
          throw new InvalidProofError({ reason: 'SIGNATURE_INVALID', detail: 'bench: a valid signature failed' })
        }
      }
    }
  }
  const polkadotWasm = (msg: Uint8Array, sig: Uint8Array, id: Uint8Array) => ed25519Verify(msg, sig, id)
  const noble = (msg: Uint8Array, sig: Uint8Array, id: Uint8Array) => ed25519.verify(sig, msg, id)
  const conditions = `GRANDPA: 297 generated ed25519 authorities (weight 1, threshold 199), set 450, one target, no ancestries; median CPU time (user + system) of 15 runs, ours and the baseline alternating; the Polkadot #4635975 justification completed with 98 stand-in ids; ed25519 via ${ed25519Backend()}; single thread, node ${process.version}`
  const row = (
    name: string,
    j: Uint8Array,
    s: GrandpaAuthoritySet,
    baselineName: string,
    verify: typeof noble,
  ): BenchEntry => {
    const [ours, ref] = medianCpuMs(
      15,
      () => verifyGrandpaJustification({ justification: j, authoritySet: s }),
      loop(j, verify),
    )
    return {
      name,
      value: ours,
      unit: 'ms CPU',
      betterWhen: 'lower',
      baseline: { name: baselineName, value: ref },
      ratio: ours / ref,
      conditions,
    }
  }
  const real = bytes(text('polkadot-4635975-grandpa/justification.hex').trim())
  const signers = decodeGrandpaJustification(real).precommits.map((p) => ({ id: p.id, weight: 1n }))
  const standIns = Array.from({ length: 98 }, (_, i) => ({
    id: `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex,
    weight: 1n,
  }))
  return [
    row(
      'GRANDPA justification, 297 authorities, 199 precommits (verifyGrandpaJustification)',
      justification(199),
      set,
      '@polkadot/util-crypto ed25519Verify x199 (wasm)',
      polkadotWasm,
    ),
    row(
      'GRANDPA justification, 297 authorities, 297 precommits (verifyGrandpaJustification)',
      justification(297),
      set,
      '@polkadot/util-crypto ed25519Verify x297 (wasm)',
      polkadotWasm,
    ),
    row(
      'GRANDPA justification, Polkadot #4635975 (199 precommits)',
      real,
      { setId: 450n, authorities: [...signers, ...standIns] },
      '@noble/curves ed25519.verify x199 (pure JS)',
      noble,
    ),
  ]
}

const bench: BenchModule = {
  title: 'Substrate proofs',
  run: async (): Promise<BenchEntry[]> => {
    await cryptoWaitReady() // the reference's wasm blake2 and ed25519
    const data = readProofData()
    const js = readProofEntries('pure-JS blake2', data)
    await initSubstrateCrypto()
    return [...js, ...readProofEntries('wasm blake2 after initSubstrateCrypto', data), ...(await grandpaEntries())]
  },
}
export default bench
