import { BundleInvalidError, InvalidProofError } from '../../../errors.js'
import { bytesToHex, encodeMessage, messageId } from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { blake2_256, concatBytes, hexToBytes, toHex } from '../bytes.js'
import { checkSubstrateAnchors } from '../checkSubstrateAnchors.js'
import { parseSubstrateStorageBundle } from '../parseSubstrateBundle.js'
import { createScaleReader } from '../scale.js'
import type {
  SubstrateHeader,
  SubstrateTrustOptions,
  VerifySubstrateBundleOptions,
  VerifySubstrateStorageBundleResult,
} from '../types.js'
import { LAST_RUNTIME_UPGRADE_KEY, SYSTEM_EVENTS_KEY } from './constants.js'
import { deriveSubstrateMessage } from './deriveSubstrateMessage.js'
import { metadataHash } from './metadataRegistry.js'
import type { DerivedSubstrateMessage, SubstrateIntentTrustOptions } from './types.js'

export type SubstrateMessageTrust = SubstrateTrustOptions & SubstrateIntentTrustOptions

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/

/**
 * The chain-level checks of a `substrate-storage` bundle from chopsticks (`commitments: 'chopsticks'`),
 * whose headers carry a zero stateRoot and extrinsicsRoot = blake2-256(concatenated extrinsics):
 * genesis, header hash and number, trusted block, that extrinsics root; `storageProof` must be empty
 * and the entries are returned as claimed (unproven).
 * @throws BundleInvalidError, InvalidProofError
 */
export const verifyUnprovenStorageBundle = (
  doc: unknown,
  opts: VerifySubstrateBundleOptions,
): VerifySubstrateStorageBundleResult => {
  const b = parseSubstrateStorageBundle(doc)
  const { header, isAnchored } = checkSubstrateAnchors('substrate-storage', b, opts)
  const h = header as SubstrateHeader
  if (b.storageProof.length > 0) {
    throw new BundleInvalidError({ field: 'storageProof', expected: 'none when state proofs are unavailable' })
  }
  if (b.extrinsics !== null && toHex(blake2_256(concatBytes(b.extrinsics.map(hexToBytes)))) !== h.extrinsicsRoot) {
    throw new InvalidProofError({
      reason: 'ROOT_MISMATCH',
      detail: "substrate-storage: blake2-256 of the extrinsics is not the header's extrinsicsRoot (chopsticks)",
    })
  }
  return {
    chain: b.chain,
    genesisHash: b.genesisHash,
    blockNumber: BigInt(b.blockNumber),
    blockHash: b.blockHash,
    header: h,
    stateVersion: b.stateVersion,
    entries: b.entries,
    extrinsics: b.extrinsics,
    extrinsicIndex: b.extrinsicIndex,
    isAnchored,
  }
}

/** spec_version of `System.LastRuntimeUpgrade` (a leading Compact<u32>) among the proven entries. */
const executingSpecVersion = (proven: VerifySubstrateStorageBundleResult): number => {
  const entry = proven.entries.find((e) => e.key.toLowerCase() === LAST_RUNTIME_UPGRADE_KEY)
  if (!entry?.value) {
    throw new BundleInvalidError({
      field: 'entries',
      expected: 'the System.LastRuntimeUpgrade entry with a value (the runtime that executed the block)',
    })
  }
  // LastRuntimeUpgradeInfo { spec_version: Compact<u32>, spec_name: String }, read strictly.
  const r = createScaleReader(hexToBytes(entry.value), 'substrate-storage: System.LastRuntimeUpgrade')
  const specVersion = r.compact()
  r.vecU8()
  r.end()
  return specVersion
}

export interface SubstrateMessageCheck {
  id: Hex
  message: Message
  signer: Hex
  movement?: DerivedSubstrateMessage['movement']
}

/**
 * The message-level check of a verified `substrate-storage` bundle that carries `message`: the bundle's
 * metadata reference must name trusted metadata (`trust.metadata[specVersion]`, blake2-256 equal to
 * `metadata.hash`); the proven `System.Events` entry and the proven block body's extrinsic at
 * `extrinsicIndex` must satisfy the intent rules (`deriveSubstrateMessage`), and the derived message
 * must be exactly `message`. Pure.
 * @throws BundleInvalidError (malformed fields, no trust anchors), InvalidProofError (rules, mismatch)
 */
export const checkSubstrateMessage = (
  doc: Record<string, unknown>,
  proven: VerifySubstrateStorageBundleResult,
  trust: SubstrateMessageTrust | undefined,
): SubstrateMessageCheck => {
  if (!trust?.metadata || trust.domain === undefined || !trust.committeeAccount) {
    throw new BundleInvalidError({
      field: 'message',
      expected: 'trust anchors for the message check (opts.substrate.metadata, domain, committeeAccount)',
    })
  }
  const claimed = doc['message']
  if (typeof claimed !== 'string' || !HEX_RE.test(claimed))
    throw new BundleInvalidError({ field: 'message', expected: '0x hex' })
  const ref = doc['metadata'] as { specVersion?: unknown; hash?: unknown } | undefined
  if (
    typeof ref !== 'object' ||
    ref === null ||
    typeof ref.specVersion !== 'number' ||
    !Number.isSafeInteger(ref.specVersion) ||
    typeof ref.hash !== 'string' ||
    !/^0x[0-9a-fA-F]{64}$/.test(ref.hash)
  ) {
    throw new BundleInvalidError({ field: 'metadata', expected: '{ specVersion: integer, hash: 0x 32 bytes }' })
  }
  const metadata = trust.metadata[String(ref.specVersion)]
  if (!metadata) {
    throw new InvalidProofError({
      reason: 'MESSAGE_MISMATCH',
      detail: `substrate-storage: no trusted metadata for spec version ${ref.specVersion}`,
    })
  }
  if (metadataHash(metadata) !== ref.hash.toLowerCase()) {
    throw new InvalidProofError({
      reason: 'HASH_MISMATCH',
      detail: `substrate-storage: metadata.hash is not the trusted metadata of spec version ${ref.specVersion}`,
    })
  }
  const executed = executingSpecVersion(proven)
  if (executed !== ref.specVersion) {
    throw new InvalidProofError({
      reason: 'MESSAGE_MISMATCH',
      detail: `substrate-storage: metadata.specVersion ${ref.specVersion} is not the runtime that executed the block (System.LastRuntimeUpgrade: ${executed})`,
    })
  }
  const events = proven.entries.find((e) => e.key === SYSTEM_EVENTS_KEY)
  if (!events?.value)
    throw new BundleInvalidError({ field: 'entries', expected: 'the System.Events entry with a value' })
  if (proven.extrinsics === null || proven.extrinsicIndex === null) {
    throw new BundleInvalidError({ field: 'extrinsicIndex', expected: 'the block body and the intent extrinsic index' })
  }
  const derived = deriveSubstrateMessage(
    {
      specVersion: ref.specVersion,
      blockNumber: proven.blockNumber,
      extrinsicIndex: proven.extrinsicIndex,
      extrinsic: proven.extrinsics[proven.extrinsicIndex]!,
      events: events.value,
    },
    {
      domain: trust.domain,
      committeeAccount: trust.committeeAccount,
      metadata: trust.metadata,
      ...(trust.wrappedAssets ? { wrappedAssets: trust.wrappedAssets } : {}),
    },
  )
  if (bytesToHex(encodeMessage(derived.message)) !== claimed.toLowerCase()) {
    throw new InvalidProofError({
      reason: 'MESSAGE_MISMATCH',
      detail: 'substrate-storage: the intent derives another message than the bundle claims',
    })
  }
  return {
    id: messageId(derived.message),
    message: derived.message,
    signer: derived.signer,
    ...(derived.movement ? { movement: derived.movement } : {}),
  }
}
