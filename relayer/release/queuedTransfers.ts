import type { Hex } from '../../types.js'
import type { MessageRecord } from '../aggregate/messageRecord.js'

/** A queued large transfer a releaser knows of (from the `isthmus-messages` records). */
export interface QueuedTransfer {
  id: Hex
  record: MessageRecord
  /** Release time, chain time (unix seconds); undefined until the record or the destination says. */
  releaseAt: bigint | undefined
  /** Local time before which it is not tried again (after a failed attempt). */
  notBeforeMs: number
  failures: number
}

/** The queued transfers of one destination, kept current from record changes. */
export interface QueuedTransfers {
  /** Apply a record change (undefined: deleted); returns whether the set changed. */
  apply(id: string, record: MessageRecord | undefined): boolean
  /** Queued transfers whose release time has come in chain time, not backing off, oldest first, at most `max`. */
  due(chainTimeSec: bigint, nowMs: number, max: number): QueuedTransfer[]
  get(id: Hex): QueuedTransfer | undefined
  delete(id: Hex): void
  readonly size: number
}

const releaseAtOf = (r: MessageRecord): bigint | undefined => {
  if (r.delivery?.releaseAt !== undefined) return r.delivery.releaseAt
  // Records written before `releaseAt` had its own field carry it in the detail.
  const m = /releaseAt=(\d+)/.exec(r.delivery?.detail ?? '')
  return m ? BigInt(m[1]!) : undefined
}

/**
 * The set a releaser works from: records of `destination` in status `queued`, bounded by
 * `maxTracked` (the oldest stay; a full set ignores new ones until it shrinks, they are picked up
 * again on the next watch restart). Pure bookkeeping, no I/O.
 */
export const createQueuedTransfers = (destination: number, maxTracked = 10_000): QueuedTransfers => {
  const m = new Map<Hex, QueuedTransfer>()
  return {
    apply: (key, record) => {
      const id = key.toLowerCase() as Hex
      if (!record || record.destination !== destination || record.status !== 'queued') return m.delete(id)
      const cur = m.get(id)
      const releaseAt = releaseAtOf(record) ?? cur?.releaseAt
      if (!cur && m.size >= maxTracked) return false
      m.set(id, { id, record, releaseAt, notBeforeMs: cur?.notBeforeMs ?? 0, failures: cur?.failures ?? 0 })
      return !cur
    },
    due: (chainTimeSec, nowMs, max) =>
      [...m.values()]
        .filter((q) => (q.releaseAt === undefined || q.releaseAt <= chainTimeSec) && q.notBeforeMs <= nowMs)
        .sort((a, b) =>
          (a.releaseAt ?? 0n) < (b.releaseAt ?? 0n) ? -1 : (a.releaseAt ?? 0n) > (b.releaseAt ?? 0n) ? 1 : 0,
        )
        .slice(0, max),
    get: (id) => m.get(id.toLowerCase() as Hex),
    delete: (id) => {
      m.delete(id.toLowerCase() as Hex)
    },
    get size() {
      return m.size
    },
  }
}
