import type { ObservedMessage, SourceBatch } from '../../adapters/index.js'
import { InvalidProofError, RouteUnknownError } from '../../errors.js'
import { verifyProofBundle } from '../../proofs/index.js'
import { bytesToHex, encodeMessage } from '../../protocol/index.js'
import type { Hex, Message } from '../../types.js'
import type { ChainTrust } from '../types.js'

export interface VerifyObservedContext {
  /** The source chain's domain: every message must originate here (BI-42). */
  domain: number
  /** Trust anchors from this relayer's config (EVM: chain id and bridge). */
  trust: ChainTrust
  /** Destination domains with a configured route from this source (NT-11). */
  destinations: ReadonlySet<number>
}

/** A message whose source proof this relayer checked itself. */
export interface VerifiedMessage {
  id: Hex
  message: Message
  encoded: Hex
  proofKind: string
  observed: ObservedMessage
}

const mismatch = (detail: string, meta: Record<string, unknown>) =>
  new InvalidProofError({ reason: 'MESSAGE_MISMATCH', detail, meta })

/**
 * Re-verify one observed message from its proof bundle alone, never trusting the adapter's other
 * fields: the bundle must prove the block the batch cross-checked (its hash is the batch's
 * `toBlockHash` at `toBlock`), name the configured chain id and bridge, and carry exactly the
 * message the adapter decoded; the message must come from this source domain and go to a
 * configured destination. Pure.
 * @throws InvalidProofError, BundleInvalidError (proof), RouteUnknownError (destination)
 */
export const verifyObserved = (m: ObservedMessage, batch: SourceBatch, ctx: VerifyObservedContext): VerifiedMessage => {
  const where = { id: m.id, blockNumber: m.source.blockNumber.toString() }
  if (m.source.blockNumber < batch.fromBlock || m.source.blockNumber > batch.toBlock) {
    throw mismatch('message block is outside its batch', where)
  }
  if (m.source.blockNumber === batch.toBlock && m.source.blockHash.toLowerCase() !== batch.toBlockHash.toLowerCase()) {
    throw new InvalidProofError({
      reason: 'HEADER_MISMATCH',
      detail: 'message block is not the batch block',
      meta: where,
    })
  }
  const proven = verifyProofBundle(m.bundle, { ...ctx.trust, trustedBlockHash: m.source.blockHash })
  // Some kinds prove a block or storage, not a message (substrate-grandpa; substrate-storage without one).
  if (!('message' in proven)) throw mismatch('the bundle proves no message', where)
  const encoded = bytesToHex(encodeMessage(m.message))
  if (proven.id !== m.id.toLowerCase()) throw mismatch('the bundle proves another id', where)
  if (bytesToHex(encodeMessage(proven.message)) !== encoded || encoded !== m.encoded.toLowerCase()) {
    throw mismatch('the bundle proves another message', where)
  }
  if (proven.blockNumber !== m.source.blockNumber) throw mismatch('the bundle proves another block', where)
  if (m.message.origin !== ctx.domain) {
    throw new InvalidProofError({
      reason: 'CHAIN_MISMATCH',
      detail: `message origin ${m.message.origin} is not the source domain ${ctx.domain}`,
      meta: where,
    })
  }
  if (!ctx.destinations.has(m.message.destination)) {
    throw new RouteUnknownError({
      origin: ctx.domain,
      destination: m.message.destination,
      detail: 'the destination has no configured route from this source',
    })
  }
  return { id: proven.id, message: proven.message, encoded, proofKind: proven.kind, observed: m }
}
