import type { EvmReceiptBundle, VerifyEvmReceiptBundleOptions, VerifyEvmReceiptBundleResult } from './evm/types.js'

/** Every proof bundle kind docs/proofs.md describes; only `evm-receipt` is implemented so far. */
export type ProofBundleKind = 'evm-receipt' | 'substrate-storage' | 'substrate-grandpa' | 'fabric-block'

/** A proof bundle document of an implemented kind. */
export type ProofBundle = EvmReceiptBundle

/** Caller expectations; each kind reads the ones that apply to it. */
export type VerifyProofBundleOptions = VerifyEvmReceiptBundleOptions

/** What a verified bundle proves, tagged with its kind. */
export type VerifyProofBundleResult = { kind: 'evm-receipt' } & VerifyEvmReceiptBundleResult
