import { encodeSubstrateHeader, orderedTrieRoot } from '../../../../proofs/index.js'
import { blake2_256, toHex } from '../../../../proofs/substrate/bytes.js'
import type { Hex } from '../../../../types.js'
import { buildJustification, buildTrie, grandpaKey, makeHeader, proveKeys } from '../../../harness/substrateProofs.js'
import { genesis } from './fixtures.js'

export const POLKADOT = '0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3' as Hex

/** A `substrate-storage` bundle of the Polkadot genesis block: one present and one absent entry, empty body. */
export const genesisStorageBundle = () => ({
  version: 1,
  kind: 'substrate-storage',
  chain: 'substrate:polkadot',
  genesisHash: POLKADOT,
  blockNumber: '0',
  blockHash: genesis.hash,
  header: toHex(encodeSubstrateHeader(genesis.header)),
  stateVersion: 0,
  storageProof: genesis.proof,
  entries: [
    { key: genesis.expected.present[0]!.key, value: genesis.expected.present[0]!.value },
    { key: genesis.expected.absent[0]!, value: null },
  ],
  extrinsics: [] as Hex[],
})

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))
export const EVENTS_KEY = '0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7' as Hex

/**
 * A `substrate-storage` bundle of a built block: state trie (layout `stateVersion`) with a
 * 200-byte System.Events value, and a body of two long extrinsics under `extrinsicsVersion`.
 */
export const builtStorageBundle = (stateVersion: 0 | 1, extrinsicsVersion: 0 | 1) => {
  const events = new Uint8Array(200).fill(0xee)
  const trie = buildTrie(
    [
      { key: bytes(EVENTS_KEY), value: events },
      { key: bytes(`${EVENTS_KEY}00`), value: Uint8Array.of(1) },
      { key: Uint8Array.of(0x11, 0x22), value: new Uint8Array(64).fill(3) },
    ],
    stateVersion,
  )
  const extrinsics = [toHex(new Uint8Array(120).fill(0x45)), toHex(new Uint8Array(64).fill(0x46))]
  const header = Buffer.concat([
    Buffer.alloc(32, 0x99),
    Buffer.from([0x28]), // compact 10
    Buffer.from(bytes(trie.root)),
    Buffer.from(bytes(orderedTrieRoot(extrinsics.map(bytes), extrinsicsVersion))),
    Buffer.from([0]),
  ])
  return {
    version: 1,
    kind: 'substrate-storage',
    chain: 'substrate:asset-hub-local',
    genesisHash: `0x${'77'.repeat(32)}` as Hex,
    blockNumber: '10',
    blockHash: toHex(blake2_256(header)),
    header: toHex(header),
    stateVersion,
    storageProof: proveKeys(trie, [bytes(EVENTS_KEY)]),
    entries: [{ key: EVENTS_KEY, value: toHex(events) }],
    extrinsics,
    extrinsicsVersion,
    extrinsicIndex: 1,
  }
}

/** A `substrate-grandpa` bundle finalizing a built block, signed by `signers` of `size` generated keys. */
export const grandpaBundle = (size: number, signers: number) => {
  const keys = Array.from({ length: size }, (_, i) => grandpaKey(i))
  const target = makeHeader(`0x${'42'.repeat(32)}`, 5000n)
  const justification = buildJustification({
    round: 12n,
    setId: 7n,
    targetHash: target.hash,
    targetNumber: 5000n,
    precommits: keys.slice(0, signers).map((key) => ({ key, targetHash: target.hash, targetNumber: 5000n })),
  })
  return {
    version: 1,
    kind: 'substrate-grandpa',
    chain: 'substrate:test',
    genesisHash: `0x${'01'.repeat(32)}` as Hex,
    blockNumber: '5000',
    blockHash: target.hash,
    header: toHex(target.bytes),
    justification,
    authoritySet: { setId: '7', authorities: keys.map((k) => ({ id: k.id, weight: '1' })) },
  }
}
