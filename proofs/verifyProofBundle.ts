import { BundleInvalidError } from '../errors.js'
import { verifyEvmReceiptBundle } from './evm/verifyEvmReceiptBundle.js'
import { verifyFabricBlockBundle } from './fabric/verifyFabricBlockBundle.js'
import {
  checkSubstrateMessage,
  verifyUnprovenStorageBundle,
} from './substrate/intent/verifySubstrateMessageBundle.js'
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
      const storage = verifySubstrateStorageBundle(doc, opts)
      // Extension point for the message-level check (decode the outbound batch and its events,
      // Qubit rules, derive the message: docs/proofs.md). Until it runs here, a bundle that
      // claims a message is refused rather than reported valid with the message unchecked.
      if ((doc as { message?: unknown }).message !== undefined) {
        throw new BundleInvalidError({
          field: 'message',
          expected: 'no message: the substrate-storage message-level check is not available in this build',
        })
      }
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
