import { BundleInvalidError, InvalidProofError, isRelayError } from '../../errors.js'
import { type VerifyProofBundleResult, verifyProofBundle } from '../../proofs/index.js'
import { bytesToHex, encodeMessage } from '../../protocol/index.js'
import type { ChainRef, Hex, Message } from '../../types.js'
import type { ChainTrust } from '../types.js'

/** What the audit concludes about one delivery (docs/audit.md). */
export const AUDIT_RESULTS = [
  'ok',
  /** No proof bundle on `isthmus.proof.<origin>.<id>`: delivered without a published source proof. */
  'bundle-missing',
  /** A bundle for this id does not verify with the configured trust anchors (or proves another id). */
  'bundle-invalid',
  /** The delivered message (from the delivery calldata) is not the one the bundle proves. */
  'message-mismatch',
  /** The proven block is not on the source chain's canonical chain (reorganised away). */
  'source-block-not-canonical',
  /** The origin domain is not a configured chain, or its block could not be read. */
  'source-unverifiable',
] as const
export type AuditResult = (typeof AUDIT_RESULTS)[number]

export interface AuditedDelivery {
  id: Hex
  origin: number
  nonce: bigint
  /** Destination chain, delivery transaction and block. */
  chain: ChainRef
  txHash: Hex
  blockNumber: bigint
  /** The canonical message the delivery transaction carried, when it could be decoded. */
  message?: Hex
  /**
   * Destinations whose delivery carries no message (Substrate): the call the delivery executed,
   * compared with the call the proven message must execute (`judgeDelivery`'s `expectedCall`).
   */
  callData?: Hex
}

/** The source side the audit trusts: anchors from the config, not from any relayer. */
export interface AuditSource {
  domain: number
  chain: ChainRef
  trust: ChainTrust
}

export interface AuditFinding {
  id: Hex
  origin: number
  destination: ChainRef
  nonce: string
  txHash: Hex
  result: AuditResult
  detail: string
  /** The proven source block, when a bundle verified. */
  sourceBlock?: { number: string; hash: Hex }
}

/** What a verified bundle proves about a message (bundle kinds that prove one). */
export interface ProvenMessage {
  kind: VerifyProofBundleResult['kind']
  id: Hex
  message: Message
  chain: ChainRef
  blockNumber: bigint
  blockHash: Hex
}

const provenMessageOf = (r: VerifyProofBundleResult): ProvenMessage | undefined =>
  'id' in r && 'message' in r
    ? { kind: r.kind, id: r.id, message: r.message, chain: r.chain, blockNumber: r.blockNumber, blockHash: r.blockHash }
    : undefined

/** Step 1: the bundles of a delivered id, checked against the source's trust anchors. */
export interface ProvenDelivery {
  proven?: ProvenMessage
  /** Why each other bundle was refused. */
  refused: string[]
}

const reasonOf = (e: unknown): string => {
  if (e instanceof InvalidProofError) return `${e.code} ${e.reason}`
  if (e instanceof BundleInvalidError) return `${e.code} ${String(e.meta['field'] ?? '')}`.trim()
  return isRelayError(e) ? e.code : 'unexpected error'
}

/**
 * Verify every bundle published for a delivered id with the origin's configured trust anchors;
 * a bundle proving another id is refused too.
 */
export const proveDelivery = (d: AuditedDelivery, bundles: readonly unknown[], source: AuditSource): ProvenDelivery => {
  const refused: string[] = []
  let proven: ProvenMessage | undefined
  for (const b of bundles) {
    try {
      const v = verifyProofBundle(b, source.trust)
      const r = provenMessageOf(v)
      if (!r) refused.push(`a ${v.kind} bundle proves no message`)
      else if (r.id !== d.id) refused.push(`bundle proves ${r.id}, not ${d.id}`)
      else if (r.message.origin !== source.domain) refused.push(`bundle message origin ${r.message.origin}`)
      else proven ??= r
    } catch (e) {
      refused.push(reasonOf(e))
    }
  }
  return { proven, refused }
}

/**
 * The audit decision for one delivery (pure): a bundle exists, every bundle verifies (relayers
 * publish only bundles they verified, so a bad one is a finding even next to a good one), the
 * delivered message is the proven one, and the proven block is the source's canonical block at
 * that height (`canonicalHash`, re-read from the source chain; undefined = could not be read).
 */
export const judgeDelivery = (
  d: AuditedDelivery,
  p: ProvenDelivery | undefined,
  bundleCount: number,
  canonicalHash: Hex | undefined,
  expectedCall?: Hex,
): AuditFinding => {
  const base = { id: d.id, origin: d.origin, destination: d.chain, nonce: d.nonce.toString(), txHash: d.txHash }
  const f = (result: AuditResult, detail: string): AuditFinding => ({
    ...base,
    result,
    detail,
    ...(p?.proven ? { sourceBlock: { number: p.proven.blockNumber.toString(), hash: p.proven.blockHash } } : {}),
  })
  if (!p) return f('source-unverifiable', `origin domain ${d.origin} is not a configured source chain`)
  if (bundleCount === 0) return f('bundle-missing', `no proof bundle published for ${d.id}`)
  if (!p.proven) return f('bundle-invalid', `no bundle verifies: ${p.refused.join('; ')}`)
  const provenHex = bytesToHex(encodeMessage(p.proven.message)).toLowerCase()
  if (d.message === undefined && d.callData !== undefined) {
    if (expectedCall === undefined)
      return f('message-mismatch', 'the proven message has no delivery call on this destination')
    if (d.callData.toLowerCase() !== expectedCall.toLowerCase())
      return f('message-mismatch', 'the executed call is not the delivery call of the proven message')
  } else if (d.message === undefined)
    return f('message-mismatch', 'the delivery transaction does not carry the message')
  else if (d.message.toLowerCase() !== provenHex)
    return f('message-mismatch', 'delivered bytes differ from the proven message')
  if (canonicalHash === undefined)
    return f('source-unverifiable', `block ${p.proven.blockNumber} of ${p.proven.chain} could not be read`)
  if (canonicalHash.toLowerCase() !== p.proven.blockHash.toLowerCase())
    return f(
      'source-block-not-canonical',
      `block ${p.proven.blockNumber} of ${p.proven.chain} is ${canonicalHash}, the bundle proves ${p.proven.blockHash}`,
    )
  if (p.refused.length > 0)
    return f('bundle-invalid', `${p.refused.length} other bundle(s) refused: ${p.refused.join('; ')}`)
  return f('ok', `proven by block ${p.proven.blockNumber} of ${p.proven.chain}`)
}
