import type { EvmReceiptBundle, VerifyEvmReceiptBundleOptions, VerifyEvmReceiptBundleResult } from './evm/types.js'
import type { FabricBlockBundle, FabricTrustOptions, VerifyFabricBlockBundleResult } from './fabric/types.js'
import type { SubstrateIntentTrustOptions } from './substrate/intent/types.js'
import type { SubstrateMessageCheck } from './substrate/intent/verifySubstrateMessageBundle.js'
import type {
  SubstrateGrandpaBundle,
  SubstrateStorageBundle,
  SubstrateTrustOptions,
  VerifySubstrateGrandpaBundleResult,
  VerifySubstrateStorageBundleResult,
} from './substrate/types.js'

/** Every proof bundle kind docs/proofs.md describes. */
export type ProofBundleKind = 'evm-receipt' | 'substrate-storage' | 'substrate-grandpa' | 'fabric-block'

/** A proof bundle document of an implemented kind. */
export type ProofBundle = EvmReceiptBundle | SubstrateStorageBundle | SubstrateGrandpaBundle | FabricBlockBundle

/** Caller expectations; each kind reads the ones that apply to it. */
export type VerifyProofBundleOptions = VerifyEvmReceiptBundleOptions & {
  /** Trust anchors for `substrate-storage` / `substrate-grandpa` bundles (`trustedBlockHash` applies too). */
  substrate?: SubstrateTrustOptions & SubstrateIntentTrustOptions
  /** Trust anchors for `fabric-block` bundles: channel, chaincode, MSP roots, orderer MSPs, endorsement policy (`trustedBlockHash` applies too). */
  fabric?: FabricTrustOptions
}

/** What a verified bundle proves, tagged with its kind. */
export type VerifyProofBundleResult =
  | ({ kind: 'evm-receipt' } & VerifyEvmReceiptBundleResult)
  | ({ kind: 'substrate-storage' } & VerifySubstrateStorageBundleResult & SubstrateMessageCheck)
  | ({ kind: 'substrate-storage' } & VerifySubstrateStorageBundleResult)
  | ({ kind: 'substrate-grandpa' } & VerifySubstrateGrandpaBundleResult)
  | ({ kind: 'fabric-block' } & VerifyFabricBlockBundleResult)
