import { BundleInvalidError } from '../errors.js'
import { verifyEvmReceiptBundle } from './evm/verifyEvmReceiptBundle.js'
import { verifyFabricBlockBundle } from './fabric/verifyFabricBlockBundle.js'
import { checkSubstrateMessage, verifyUnprovenStorageBundle } from './substrate/intent/verifySubstrateMessageBundle.js'
import { verifySubstrateGrandpaBundle } from './substrate/verifySubstrateGrandpaBundle.js'
import { verifySubstrateStorageBundle } from './substrate/verifySubstrateStorageBundle.js'
import type { VerifyProofBundleOptions, VerifyProofBundleResult } from './types.js'

/**
 * Verify any proof bundle document (parsed JSON), dispatching on its `kind`.
 * @throws BundleInvalidError for a malformed document or an unknown kind; InvalidProofError for a failed check
 */
export const verifyProofBundle = (doc: unknown, opts: VerifyProofBundleOptions = {}): VerifyProofBundleResult => {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new BundleInvalidError({ field: '(root)', expected: 'a JSON object' })
  }
  const kind = (doc as { kind?: unknown }).kind
  switch (kind) {
    case 'evm-receipt':
      return { kind, ...verifyEvmReceiptBundle(doc, opts) }
    case 'substrate-storage': {
      // `commitments: 'chopsticks'` comes only from the verifier's own config (chopsticks: no state root).
      const storage =
        opts.substrate?.commitments === 'chopsticks'
          ? verifyUnprovenStorageBundle(doc, opts)
          : verifySubstrateStorageBundle(doc, opts)
      // The message-level check: decode the outbound batch and its events, Qubit rules, derive the message.
      const d = doc as Record<string, unknown>
      if (d['message'] !== undefined) return { kind, ...storage, ...checkSubstrateMessage(d, storage, opts.substrate) }
      return { kind, ...storage }
    }
    case 'substrate-grandpa':
      return { kind, ...verifySubstrateGrandpaBundle(doc, opts) }
    case 'fabric-block':
      return {
        kind,
        ...verifyFabricBlockBundle(doc, {
          ...(opts.trustedBlockHash === undefined ? {} : { trustedBlockHash: opts.trustedBlockHash }),
          ...opts.fabric,
        }),
      }
    default:
      throw new BundleInvalidError({
        field: 'kind',
        expected: 'a supported bundle kind ("evm-receipt", "substrate-storage", "substrate-grandpa", "fabric-block")',
      })
  }
}
