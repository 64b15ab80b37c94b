import type { Hex } from '../../types.js'
import type { CertificateDoc } from '../nats/wire.js'

/** One certificate to deliver and every queue message that carries it (redeliveries share an id). */
export interface DeliveryEntry<M> {
  id: Hex
  doc: CertificateDoc
  msgs: M[]
}

/** Certificates that go out in one transaction: one epoch (the bridge takes one per call). */
export interface DeliveryGroup<M> {
  epoch: bigint
  entries: DeliveryEntry<M>[]
}

/**
 * Turn a batch of received certificates into delivery transactions: one entry per id (duplicates
 * from redelivery ride along and are settled with it, F-27), grouped by committee epoch in order
 * of first arrival, each group at most `maxBatch` entries. Pure.
 */
export const planDeliveryGroups = <M>(
  received: { msg: M; doc: CertificateDoc }[],
  maxBatch: number,
): DeliveryGroup<M>[] => {
  const byId = new Map<string, DeliveryEntry<M>>()
  const byEpoch = new Map<bigint, DeliveryEntry<M>[]>()
  for (const { msg, doc } of received) {
    const known = byId.get(doc.id)
    if (known) {
      known.msgs.push(msg)
      continue
    }
    const entry: DeliveryEntry<M> = { id: doc.id, doc, msgs: [msg] }
    byId.set(doc.id, entry)
    const list = byEpoch.get(doc.epoch) ?? []
    list.push(entry)
    byEpoch.set(doc.epoch, list)
  }
  const size = Math.max(1, maxBatch)
  const groups: DeliveryGroup<M>[] = []
  for (const [epoch, entries] of byEpoch) {
    for (let k = 0; k < entries.length; k += size) groups.push({ epoch, entries: entries.slice(k, k + size) })
  }
  return groups
}
