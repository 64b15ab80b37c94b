import { InvalidProofError } from '../../errors.js'
import { decodeMessage, fabricIdentityOf, messageId } from '../../protocol/index.js'
import type { Hex, Message } from '../../types.js'
import { createMspTrust, type MspTrust } from './createMspTrust.js'
import type { EndorserTransaction } from './decodeEndorserTransaction.js'
import { parseFabricBlockBundle } from './parseFabricBlockBundle.js'
import type {
  FabricBlockBundle,
  FabricEndorsementPolicy,
  FabricMspTrust,
  FabricTrustOptions,
  VerifyFabricBlockBundleResult,
} from './types.js'
import { verifyFabricTransaction } from './verifyFabricTransaction.js'

/** The event name the bridge chaincode's `dispatch` and `sendToken` set (chaincode/README.md). */
export const DISPATCH_EVENT = 'Dispatch'

const reject = (reason: InvalidProofError['reason'], detail: string, cause?: unknown) =>
  new InvalidProofError({ reason, detail: `fabric-block: ${detail}`, cause })

const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`

interface Anchors {
  trust: MspTrust
  ordererMspIds: string[]
  policy: FabricEndorsementPolicy
  isSelfAnchored: boolean
}

const trustCache = new WeakMap<object, MspTrust>()

/** Parsed MSP anchors, reused while the caller passes the same `mspRoots` object (certificates parse once). */
const mspTrustOf = (roots: Record<string, FabricMspTrust | string[]>): MspTrust => {
  let t = trustCache.get(roots)
  if (t === undefined) {
    const normal = Object.fromEntries(
      Object.entries(roots).map(([k, v]) => [k, Array.isArray(v) ? { rootCerts: v } : v]),
    )
    t = createMspTrust(normal)
    trustCache.set(roots, t)
  }
  return t
}

const anchorsOf = (b: FabricBlockBundle, o: FabricTrustOptions): Anchors => {
  const fromBundle = o.trustBundleAnchors === true
  const missing = (what: string) =>
    reject(
      'UNKNOWN_AUTHORITY',
      `no trusted ${what}: pass them in the verifier options (isthmus proof verify --fabric-trust), or acknowledge the bundle's own with trustBundleAnchors (--trust-bundle-roots)`,
    )
  const roots = o.mspRoots ?? (fromBundle ? b.mspRoots : undefined)
  const ordererMspIds = o.ordererMspIds ?? (fromBundle ? b.ordererMspIds : undefined)
  const policy = o.endorsementPolicy ?? (fromBundle ? b.endorsementPolicy : undefined)
  if (roots === undefined) throw missing('MSP root certificates')
  if (ordererMspIds === undefined) throw missing('orderer MSP ids')
  if (policy === undefined) throw missing('endorsement policy')
  return {
    trust: mspTrustOf(roots),
    ordererMspIds,
    policy,
    isSelfAnchored: o.mspRoots === undefined || o.ordererMspIds === undefined || o.endorsementPolicy === undefined,
  }
}

const checkExpectations = (b: FabricBlockBundle, o: FabricTrustOptions): void => {
  if (o.channel !== undefined && b.channel !== o.channel) {
    throw reject(
      'CHAIN_MISMATCH',
      `bundle is for channel ${JSON.stringify(b.channel)}, expected ${JSON.stringify(o.channel)}`,
    )
  }
  if (o.chaincode !== undefined && b.chaincode !== o.chaincode) {
    throw reject(
      'EMITTER_NOT_BRIDGE',
      `bundle names chaincode ${JSON.stringify(b.chaincode)}, expected ${JSON.stringify(o.chaincode)}`,
    )
  }
}

/** The message bytes of a Dispatch event: the canonical encoding itself, or UTF-8 JSON `{"message":"0x…"}`. */
const eventMessage = (payload: Uint8Array): Uint8Array => {
  if (payload[0] !== 0x7b) return payload
  let doc: unknown
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  } catch (e) {
    throw reject('MESSAGE_MISMATCH', 'the Dispatch event payload is neither a message nor JSON', e)
  }
  const hex = (doc as { message?: unknown } | null)?.message
  if (typeof hex !== 'string' || !/^0x(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw reject('MESSAGE_MISMATCH', 'the Dispatch event JSON has no "message" hex field')
  }
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}

const checkEvent = (b: FabricBlockBundle, tx: EndorserTransaction): { message: Message; id: Hex } => {
  const ev = tx.event
  if (ev === undefined) throw reject('LOG_NOT_FOUND', `transaction ${b.txIndex} emitted no chaincode event`)
  if ((b.eventIndex ?? 0) !== 0) throw reject('LOG_NOT_FOUND', 'a Fabric transaction has one chaincode event, index 0')
  if (ev.name !== DISPATCH_EVENT)
    throw reject('LOG_NOT_FOUND', `the chaincode event is ${JSON.stringify(ev.name)}, not Dispatch`)
  if (ev.chaincodeId !== b.chaincode) {
    throw reject('EMITTER_NOT_BRIDGE', `the event was set by chaincode ${JSON.stringify(ev.chaincodeId)}`)
  }
  if (ev.txId !== tx.txId) throw reject('LOG_NOT_FOUND', 'the chaincode event names another transaction')
  const encoded = eventMessage(ev.payload)
  if (toHex(encoded) !== b.message) throw reject('MESSAGE_MISMATCH', 'the bundle message is not the one in the event')
  let message: Message
  try {
    message = decodeMessage(encoded)
  } catch (e) {
    throw reject('MESSAGE_MISMATCH', 'the event message is not a canonical message', e)
  }
  const id = messageId(message)
  if (b.id !== undefined && b.id !== id) throw reject('MESSAGE_MISMATCH', 'the bundle id is not keccak256(message)')
  if (message.sender.toLowerCase() !== fabricIdentityOf(tx.creator.mspId, tx.creator.idBytes)) {
    throw reject('MESSAGE_MISMATCH', 'the message sender is not sha256(mspId ‖ certPEM) of the transaction creator')
  }
  return { message, id }
}

/**
 * Verify a `fabric-block` proof bundle offline: the block (strict protobuf, data hash, orderer
 * signatures by an orderer MSP), the transaction (VALID code, tx id, creator signature, proposal
 * binding, endorsements satisfying the policy, all certificates chaining to trusted MSP roots) and
 * the Dispatch chaincode event carrying the message. Checks and reasons: docs/proofs.md.
 * @throws BundleInvalidError for a malformed document; InvalidProofError (with `reason`) for a failed check
 */
export const verifyFabricBlockBundle = (doc: unknown, o: FabricTrustOptions = {}): VerifyFabricBlockBundleResult => {
  const b = parseFabricBlockBundle(doc)
  checkExpectations(b, o)
  const anchors = anchorsOf(b, o)
  const { block, blockHash, tx, endorsingMspIds, ordererSigners } = verifyFabricTransaction({
    block: b.block,
    txIndex: b.txIndex,
    channel: b.channel,
    chaincode: b.chaincode,
    blockNumber: BigInt(b.blockNumber),
    ...(o.trustedBlockHash === undefined ? {} : { trustedBlockHash: o.trustedBlockHash }),
    trust: anchors.trust,
    ordererMspIds: anchors.ordererMspIds,
    endorsementPolicy: anchors.policy,
    ...(o.minOrdererSignatures === undefined ? {} : { minOrdererSignatures: o.minOrdererSignatures }),
  })
  const { message, id } = checkEvent(b, tx)
  return {
    id,
    message,
    chain: b.chain,
    channel: b.channel,
    chaincode: b.chaincode,
    blockNumber: block.number,
    blockHash,
    previousHash: toHex(block.previousHash),
    txIndex: b.txIndex,
    txId: tx.txId,
    creatorMspId: tx.creator.mspId,
    endorsingMspIds,
    ordererSigners,
    isSelfAnchored: anchors.isSelfAnchored,
  }
}
