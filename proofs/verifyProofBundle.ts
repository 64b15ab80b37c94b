import { BundleInvalidError } from '../errors.js'
import { verifyEvmReceiptBundle } from './evm/verifyEvmReceiptBundle.js'
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
    default:
      throw new BundleInvalidError({ field: 'kind', expected: 'a supported bundle kind ("evm-receipt")' })
  }
}
