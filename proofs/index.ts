/**
 * Pure verifiers (no I/O, no clients, no logger): source proofs per chain family and quorum
 * certificates. Verifiers throw `InvalidProofError` (with a stable `reason`),
 * `BundleInvalidError` or `CertificateInvalidError`; they never return false.
 */

/**
 * Assemble an `evm-receipt` proof bundle from the header fields and all receipts of the block.
 * @throws BundleInvalidError, InvalidProofError HEADER_MISMATCH / ROOT_MISMATCH
 * @example const bundle = buildEvmReceiptBundle({ chain, chainId, bridge, header, receipts, txIndex, logIndex, finality })
 */
export { buildEvmReceiptBundle } from './evm/buildEvmReceiptBundle.js'
/**
 * Build the Merkle-Patricia trie of some entries and the proof of one key.
 * @throws BundleInvalidError for no entries, a repeated key or an empty value
 * @example const { root, proof } = buildMptProof(entries, key)
 */
export { buildMptProof } from './evm/buildMptProof.js'
/**
 * Build a Merkle-Patricia trie once and serve the inclusion proof of any of its keys.
 * @throws BundleInvalidError for no entries, a repeated key, an empty value, or a missing key
 * @example const trie = buildMptTrie(entries); const proof = trie.proofOf(key)
 */
export { buildMptTrie, type MptTrie } from './evm/buildMptTrie.js'
/**
 * Build a block's receipts trie from its JSON-RPC receipts and the proof of one receipt.
 * @throws BundleInvalidError for malformed or out-of-order receipts
 * @example const { root, proof } = buildReceiptProof(receipts, txIndex)
 */
/**
 * Build a block's receipts trie once and prove any receipt of it (one trie per block, not per message).
 * @throws BundleInvalidError for malformed or out-of-order receipts, or an index past the end
 * @example const trie = buildReceiptTrie(receipts); const proof = trie.proofOf(txIndex)
 */
export { buildReceiptProof, buildReceiptTrie } from './evm/buildReceiptProof.js'
/**
 * The strict ABI decoding of a Dispatch log's `bytes message`, and the event's topic0.
 * @throws InvalidProofError MALFORMED_ENCODING
 */
export { DISPATCH_TOPIC, decodeDispatchData } from './evm/decodeDispatchData.js'
/**
 * Decode the header fields the verifiers use from a header RLP.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeHeader } from './evm/decodeHeader.js'
/**
 * Decode a proven receipt value (legacy or typed): status, cumulative gas, logs.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeReceipt } from './evm/decodeReceipt.js'
/**
 * Strict RLP decoding (canonical encodings only, no trailing bytes).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA, DEPTH_EXCEEDED
 */
export { decodeRlp } from './evm/decodeRlp.js'
/**
 * Header RLP from JSON-RPC fields, Frontier to Prague.
 * @throws BundleInvalidError naming the missing or malformed field
 */
export { encodeHeader } from './evm/encodeHeader.js'
/**
 * Consensus encoding of a JSON-RPC receipt (types 0x0-0x4, pre-Byzantium root too).
 * @throws BundleInvalidError naming the malformed field
 */
export { encodeReceipt } from './evm/encodeReceipt.js'
/** Canonical RLP encoding. */
export { encodeRlp } from './evm/encodeRlp.js'
/**
 * keccak256 of the header RLP built from JSON-RPC fields: the block hash.
 * @throws BundleInvalidError naming the missing or malformed field
 */
export { hashHeader } from './evm/hashHeader.js'
/**
 * Check the shape of an `evm-receipt` bundle document.
 * @throws BundleInvalidError naming the field
 */
export { parseEvmReceiptBundle } from './evm/parseEvmReceiptBundle.js'
/** The receipts-trie key of a transaction index, `rlp(index)`. */
export { receiptKey } from './evm/receiptKey.js'
export type {
  BuildEvmReceiptBundleOptions,
  BuildMptProofResult,
  BytesLike,
  DecodedHeader,
  DecodedReceipt,
  EvmFinalityEvidence,
  EvmLog,
  EvmReceiptBundle,
  EvmRpcHeader,
  EvmRpcLog,
  EvmRpcReceipt,
  MptEntry,
  MptProofInput,
  ReceiptTrie,
  RlpItem,
  VerifyEvmReceiptBundleOptions,
  VerifyEvmReceiptBundleResult,
  VerifyMptProofOptions,
} from './evm/types.js'
/**
 * Verify an `evm-receipt` bundle offline: header hash, receipt proof, status, Dispatch log, message.
 * @throws BundleInvalidError, InvalidProofError (reason per failed check, docs/proofs.md)
 */
export { verifyEvmReceiptBundle } from './evm/verifyEvmReceiptBundle.js'
/**
 * Verify a Merkle-Patricia exclusion proof.
 * @throws InvalidProofError VALUE_PRESENT, or any reason of verifyMptProof
 */
export { verifyMptAbsence } from './evm/verifyMptAbsence.js'
/**
 * Verify a Merkle-Patricia inclusion proof and return the value.
 * @throws InvalidProofError VALUE_ABSENT, NODE_MISSING, ROOT_MISMATCH, HASH_MISMATCH, EXTRA_NODES,
 *   DEPTH_EXCEEDED, NON_CANONICAL, MALFORMED_ENCODING, TRAILING_DATA
 */
export { verifyMptProof } from './evm/verifyMptProof.js'
/** Default maximum number of MPT proof nodes. */
export { MAX_MPT_DEPTH } from './evm/walkMptProof.js'
// Hyperledger Fabric (proofs/fabric/).
/** Fabric's block header bytes (ASN.1 DER), block hash (SHA-256 of them) and block data hash. */
export { blockHeaderBytes, fabricBlockHash, fabricDataHash } from './fabric/blockHeaderBytes.js'
/**
 * Parse MSP trust anchors once and verify identities against them (chain, CA flag, validity, P-256).
 * @throws InvalidProofError CERT_CHAIN_INVALID (an anchor that does not parse)
 * @example const trust = createMspTrust({ Org1MSP: { rootCerts: [pem] } }); trust.signingKey('Org1MSP', certPem, Date.now(), 'peer')
 */
export { createMspTrust, type MspTrust } from './fabric/createMspTrust.js'
/**
 * Decode an endorser-transaction Envelope strictly (headers, the action, endorsements, chaincode event).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeEndorserTransaction, type EndorserTransaction } from './fabric/decodeEndorserTransaction.js'
/**
 * Decode a `common.Block` strictly (every data entry must be one canonical Envelope).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeFabricBlock } from './fabric/decodeFabricBlock.js'
/**
 * Check the shape of a `fabric-block` bundle and of MSP anchors / endorsement policies (trust files).
 * @throws BundleInvalidError naming the field
 */
export {
  parseEndorsementPolicy,
  parseFabricBlockBundle,
  parseFabricTrust,
  parseMspRoots,
} from './fabric/parseFabricBlockBundle.js'
export type {
  FabricBlock,
  FabricBlockBundle,
  FabricEndorsementPolicy,
  FabricIdentity,
  FabricMspTrust,
  FabricTrustOptions,
  VerifyFabricBlockBundleResult,
} from './fabric/types.js'
/**
 * Verify a `fabric-block` bundle offline: block, orderer signatures, transaction, endorsements, VALID
 * code and the Dispatch event carrying the message.
 * @throws BundleInvalidError, InvalidProofError (reason per failed check, docs/proofs.md)
 */
export { DISPATCH_EVENT, verifyFabricBlockBundle } from './fabric/verifyFabricBlockBundle.js'
/**
 * Verify one transaction of a Fabric block and the block around it (everything but the event).
 * @throws InvalidProofError (reason per failed check, docs/proofs.md)
 */
export {
  type VerifyFabricTransactionOptions,
  type VerifyFabricTransactionResult,
  verifyFabricTransaction,
} from './fabric/verifyFabricTransaction.js'
// Quorum certificates (proofs/quorum/).
export {
  type AssembleCertificateResult,
  assembleCertificate,
  type RejectedAttestation,
  type VerifyAttestationOptions,
  verifyAttestation,
} from './quorum/assembleCertificate.js'
export { recoverAttestationSigner } from './quorum/recoverAttestationSigner.js'
export { signAttestation } from './quorum/signAttestation.js'
export { SECP256K1_HALF_N, SECP256K1_N, SIGNATURE_BYTES } from './quorum/signatureFormat.js'
export type { Committee, QuorumCheck } from './quorum/types.js'
export {
  committeeMembers,
  type VerifyQuorumCertificateOptions,
  verifyQuorumCertificate,
} from './quorum/verifyQuorumCertificate.js'
/**
 * Optional one-time init: blake2 via @polkadot/util-crypto's wasm (same results, much faster).
 * @throws nothing; falls back to pure JS when wasm is unavailable
 * @example await initSubstrateCrypto()
 */
export { initSubstrateCrypto } from './substrate/bytes.js'
// Substrate (proofs/substrate/).
/**
 * Decode a SCALE GRANDPA authority list (`GrandpaApi_grandpa_authorities`): ids and weights.
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeGrandpaAuthorities } from './substrate/decodeGrandpaAuthorities.js'
/**
 * Decode a SCALE GRANDPA justification (round, commit, votes ancestries).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeGrandpaJustification } from './substrate/decodeGrandpaJustification.js'
/**
 * Decode a SCALE Substrate header and compute its hash (blake2-256 of the encoding).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export { decodeSubstrateHeader } from './substrate/decodeSubstrateHeader.js'
/**
 * SCALE header from `chain_getHeader` fields, and its hash.
 * @throws BundleInvalidError naming the malformed field
 */
export { encodeSubstrateHeader, hashSubstrateHeader } from './substrate/encodeSubstrateHeader.js'
/**
 * Check the shape of Substrate bundle documents and authority-set JSON.
 * @throws BundleInvalidError naming the field
 */
export {
  parseGrandpaAuthoritySet,
  parseSubstrateGrandpaBundle,
  parseSubstrateStorageBundle,
} from './substrate/parseSubstrateBundle.js'
/** Decode / encode one node of Substrate's base-16 trie (sp-trie NodeCodec). */
export { decodeTrieNode, encodeTrieNode, type TrieNode } from './substrate/trieNode.js'
/**
 * Trie roots in layout V0 or V1: of key/value entries, and of a block body (the extrinsics root).
 * @throws BundleInvalidError for a repeated key
 */
export { orderedTrieRoot, trieRoot } from './substrate/trieRoot.js'
export type {
  GrandpaAuthority,
  GrandpaAuthoritySet,
  GrandpaJustification,
  GrandpaSignedPrecommit,
  SubstrateDigestItem,
  SubstrateGrandpaBundle,
  SubstrateHeader,
  SubstrateRpcHeader,
  SubstrateStorageBundle,
  SubstrateStorageEntry,
  SubstrateTrustOptions,
  TrieProofEntry,
  TrieProofInput,
  TrieVersion,
  VerifyGrandpaJustificationOptions,
  VerifyGrandpaJustificationResult,
  VerifySubstrateBundleOptions,
  VerifySubstrateGrandpaBundleResult,
  VerifySubstrateStorageBundleResult,
} from './substrate/types.js'
/**
 * Verify a GRANDPA justification against an authority set (signatures, weight, ancestries).
 * @throws InvalidProofError SIGNATURE_INVALID, QUORUM_NOT_MET, UNKNOWN_AUTHORITY, DUPLICATE_VOTE,
 *   ANCESTRY_INVALID, HEADER_MISMATCH, MALFORMED_ENCODING; BundleInvalidError for a bad authority set
 */
export {
  grandpaPrecommitPayload,
  grandpaThreshold,
  verifyGrandpaJustification,
} from './substrate/verifyGrandpaJustification.js'
/**
 * Verify a `substrate-grandpa` bundle: the justification finalizes (blockHash, blockNumber).
 * @throws BundleInvalidError, InvalidProofError (reason per failed check, docs/proofs.md)
 */
export { verifySubstrateGrandpaBundle } from './substrate/verifySubstrateGrandpaBundle.js'
/**
 * Verify the chain-level part of a `substrate-storage` bundle and return the proven header,
 * entries and block body for the message-level check.
 * @throws BundleInvalidError, InvalidProofError (reason per failed check, docs/proofs.md)
 */
export { verifySubstrateStorageBundle } from './substrate/verifySubstrateStorageBundle.js'
/**
 * Verify a Substrate read proof (unordered node set) for some keys: each value or a proven absence.
 * @throws InvalidProofError ROOT_MISMATCH, NODE_MISSING, EXTRA_NODES, NON_CANONICAL, MALFORMED_ENCODING, TRAILING_DATA
 */
export { EMPTY_TRIE_ROOT, verifyTrieProof } from './substrate/verifyTrieProof.js'
export type { ProofBundle, ProofBundleKind, VerifyProofBundleOptions, VerifyProofBundleResult } from './types.js'
/**
 * Verify any proof bundle, dispatching on `kind`.
 * @throws BundleInvalidError (unknown kind, malformed document), InvalidProofError
 */
export { verifyProofBundle } from './verifyProofBundle.js'
