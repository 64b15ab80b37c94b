import { decodeBody, decodeMessage } from '../protocol/index.js'
import type { MessageRecord } from '../relayer/index.js'
import type { Hex } from '../types.js'
import type { IndexedMessage } from './indexedMessage.js'

/** sender / recipient / transfer of a KV record's canonical message. */
export const partiesOf = (rec: MessageRecord): Pick<IndexedMessage, 'sender' | 'recipient' | 'transfer'> =>
  partiesOfEncoded(rec.message as Hex)

/** sender / recipient / transfer of a canonical message encoding. */
export const partiesOfEncoded = (encoded: Hex): Pick<IndexedMessage, 'sender' | 'recipient' | 'transfer'> => {
  const m = decodeMessage(encoded)
  const body = decodeBody(m.body)
  return {
    sender: m.sender.toLowerCase(),
    recipient: m.recipient.toLowerCase(),
    ...(body.kind === 'tokenTransfer'
      ? {
          transfer: {
            assetId: body.asset.toLowerCase(),
            amount: body.amount.toString(),
            beneficiary: body.beneficiary.toLowerCase(),
          },
        }
      : {}),
  }
}

/**
 * A message the in-memory index no longer (or not yet) holds, rebuilt from its KV `isthmus-messages`
 * record: the relay's own record of attestations, certificate, submission, delivery and failure.
 */
export const fromRecord = (rec: MessageRecord): IndexedMessage => {
  const status =
    rec.status === 'queued'
      ? 'queued'
      : rec.status === 'failed'
        ? 'failed'
        : rec.status === 'retracted'
          ? 'retracted'
          : rec.status
  const count = Object.values(rec.attestations).filter((a) => a.epoch === rec.epoch).length
  let parties: ReturnType<typeof partiesOf> = {}
  try {
    parties = partiesOf(rec)
  } catch {
    parties = {}
  }
  const st = rec.stages
  return {
    id: rec.id.toLowerCase(),
    origin: rec.origin,
    destination: rec.destination,
    nonce: rec.nonce.toString(),
    status,
    seq: 0,
    stages: {
      ...(st.attested ? { attested: st.attested } : {}),
      ...(st.certified ? { certified: st.certified } : {}),
      ...(st.submitted ? { submitted: st.submitted } : {}),
      ...(st.delivered ? { delivered: st.delivered } : {}),
      ...(st.failed ? { failed: st.failed } : {}),
    },
    attestations: { count, threshold: rec.threshold },
    ...(rec.submission ? { submission: { chain: rec.submission.chain, txHash: rec.submission.txHash } } : {}),
    ...(rec.status === 'delivered' && rec.delivery?.txHash && rec.delivery.blockNumber !== undefined
      ? {
          delivery: {
            chain: rec.delivery.chain,
            txHash: rec.delivery.txHash,
            blockNumber: rec.delivery.blockNumber.toString(),
          },
        }
      : {}),
    ...(rec.failure ? { failure: { ...rec.failure } } : {}),
    ...(rec.delivery?.releaseAt === undefined ? {} : { releaseAt: rec.delivery.releaseAt.toString() }),
    ...parties,
  }
}
