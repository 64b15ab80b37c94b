import { BundleInvalidError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { EvmFinalityEvidence, EvmReceiptBundle } from './types.js'

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/
const DECIMAL_RE = /^(?:0|[1-9][0-9]*)$/
const CHAIN_RE = /^evm:[A-Za-z0-9._-]+$/

type Doc = Record<string, unknown>

const invalid = (field: string, expected: string) => new BundleInvalidError({ field, expected })

const object = (v: unknown, field: string): Doc => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, 'an object')
  return v as Doc
}

const hex = (v: unknown, field: string, bytes?: number): Hex => {
  if (typeof v !== 'string' || !HEX_RE.test(v) || (bytes !== undefined && v.length !== 2 + 2 * bytes)) {
    throw invalid(field, bytes === undefined ? '0x hex' : `0x hex of ${bytes} bytes`)
  }
  return v.toLowerCase() as Hex
}

const decimal = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || !DECIMAL_RE.test(v) || v.length > 78) throw invalid(field, 'a decimal integer string')
  return v
}

const index = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(field, 'a non-negative integer')
  return v
}

const finality = (v: unknown): EvmFinalityEvidence => {
  const f = object(v, 'finality')
  const common = {
    observedHeadNumber: decimal(f['observedHeadNumber'], 'finality.observedHeadNumber'),
    observedHeadHash: hex(f['observedHeadHash'], 'finality.observedHeadHash', 32),
  }
  if (f['mode'] === 'finalized-tag') return { mode: 'finalized-tag', ...common }
  if (f['mode'] !== 'confirmations') throw invalid('finality.mode', '"finalized-tag" or "confirmations"')
  const confirmations = f['confirmations']
  if (typeof confirmations !== 'number' || !Number.isSafeInteger(confirmations) || confirmations < 1) {
    throw invalid('finality.confirmations', 'a positive integer in "confirmations" mode')
  }
  return { mode: 'confirmations', confirmations, ...common }
}

/**
 * Check the shape of an `evm-receipt` bundle (version 1) and return it typed, hex lower-cased.
 * Unknown extra fields are ignored. No cryptographic check happens here.
 * @throws BundleInvalidError naming the first missing or malformed field
 */
export const parseEvmReceiptBundle = (doc: unknown): EvmReceiptBundle => {
  const d = object(doc, '(root)')
  if (d['kind'] !== 'evm-receipt') throw invalid('kind', '"evm-receipt"')
  if (d['version'] !== 1) throw invalid('version', '1')
  const chain = d['chain']
  if (typeof chain !== 'string' || !CHAIN_RE.test(chain)) throw invalid('chain', 'a chain ref "evm:<name>"')
  const proof = d['receiptProof']
  if (!Array.isArray(proof) || proof.length === 0) throw invalid('receiptProof', 'a non-empty array of 0x hex nodes')
  return {
    version: 1,
    kind: 'evm-receipt',
    chain: chain as ChainRef,
    chainId: decimal(d['chainId'], 'chainId'),
    bridge: hex(d['bridge'], 'bridge', 20),
    blockNumber: decimal(d['blockNumber'], 'blockNumber'),
    blockHash: hex(d['blockHash'], 'blockHash', 32),
    header: hex(d['header'], 'header'),
    txIndex: index(d['txIndex'], 'txIndex'),
    receiptProof: proof.map((n, i) => hex(n, `receiptProof[${i}]`)),
    logIndex: index(d['logIndex'], 'logIndex'),
    id: hex(d['id'], 'id', 32),
    message: hex(d['message'], 'message'),
    finality: finality(d['finality']),
  }
}
