import { InvalidProofError } from '../../errors.js'
import { hexToBytes } from './bytes.js'
import { checkSubstrateAnchors } from './checkSubstrateAnchors.js'
import { parseSubstrateStorageBundle } from './parseSubstrateBundle.js'
import { orderedTrieRoot } from './trieRoot.js'
import type { SubstrateHeader, VerifySubstrateBundleOptions, VerifySubstrateStorageBundleResult } from './types.js'
import { verifyTrieProof } from './verifyTrieProof.js'

const reject = (reason: InvalidProofError['reason'], detail: string) =>
  new InvalidProofError({ reason, detail: `substrate-storage: ${detail}` })

/**
 * Verify the chain-level part of a `substrate-storage` bundle offline: genesis hash, header hash
 * and number, the read proof of every entry (value or absence) against the header's stateRoot,
 * and, when the bundle carries the block body, its ordered-trie root against extrinsicsRoot.
 * The message-level check (S-source's intent rules) runs on the result; `verifyProofBundle`
 * refuses a bundle with a `message` until that check is wired. Checks: docs/proofs.md.
 * @throws BundleInvalidError for a malformed document; InvalidProofError (with `reason`) for a failed check
 */
export const verifySubstrateStorageBundle = (
  doc: unknown,
  opts: VerifySubstrateBundleOptions = {},
): VerifySubstrateStorageBundleResult => {
  const b = parseSubstrateStorageBundle(doc)
  const { header, isAnchored } = checkSubstrateAnchors('substrate-storage', b, opts)
  const h = header as SubstrateHeader // the storage bundle always carries its header
  const proven = verifyTrieProof({
    root: h.stateRoot,
    proof: b.storageProof,
    keys: b.entries.map((e) => e.key),
    stateVersion: b.stateVersion,
  })
  proven.forEach((p, i) => {
    const claimed = b.entries[i]!.value
    if (p.value === claimed) return
    throw reject(
      p.value === null ? 'VALUE_ABSENT' : claimed === null ? 'VALUE_PRESENT' : 'HASH_MISMATCH',
      p.value === null
        ? `entries[${i}] is absent from the state`
        : claimed === null
          ? `entries[${i}] claims absence but the state holds a value`
          : `entries[${i}].value differs from the value in the state`,
    )
  })
  if (b.extrinsics !== null) {
    const root = orderedTrieRoot(b.extrinsics.map(hexToBytes), b.extrinsicsVersion)
    if (root !== h.extrinsicsRoot) {
      throw reject(
        'ROOT_MISMATCH',
        `the extrinsics' trie root (layout V${b.extrinsicsVersion}) is not the header's extrinsicsRoot`,
      )
    }
  }
  return {
    chain: b.chain,
    genesisHash: b.genesisHash,
    blockNumber: BigInt(b.blockNumber),
    blockHash: b.blockHash,
    header: h,
    stateVersion: b.stateVersion,
    entries: proven,
    extrinsics: b.extrinsics,
    extrinsicIndex: b.extrinsicIndex,
    isAnchored,
  }
}
