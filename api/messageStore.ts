import type { StatusEvent } from '../relayer/index.js'
import { applyStatusEvent, type IndexedMessage } from './indexedMessage.js'

export interface MessageFilter {
  /** bytes32, lower-case. */
  sender?: string
  status?: string
  origin?: number
  destination?: number
}

/** The index's bounded map of messages in first-seen order (no I/O). */
export interface MessageStore {
  /** Fold an event in; returns the record and whether it is new. */
  apply(e: StatusEvent, seq: number): { record: IndexedMessage; isNew: boolean }
  get(id: string): IndexedMessage | undefined
  /** Newest first: up to `limit` records with seq < `beforeSeq` matching `f`; `more` if others follow. */
  list(f: MessageFilter, limit: number, beforeSeq?: number): { items: IndexedMessage[]; more: boolean }
  readonly size: number
  readonly evicted: number
}

/**
 * A store holding at most `maxMessages` records; beyond it the oldest (by first event) are dropped
 * (the KV record still answers for them). Listing walks newest to oldest, so a page costs at most
 * one pass over the store.
 * @example const store = createMessageStore(100_000); store.apply(event, seq)
 */
export const createMessageStore = (maxMessages: number): MessageStore => {
  const byId = new Map<string, IndexedMessage>()
  // ids in first-seen order; `head` skips evicted ones (compacted now and then)
  let order: string[] = []
  let head = 0
  let evicted = 0
  const evict = () => {
    while (byId.size > maxMessages && head < order.length) {
      byId.delete(order[head]!)
      head += 1
      evicted += 1
    }
    if (head > 4096 && head * 2 > order.length) {
      order = order.slice(head)
      head = 0
    }
  }
  return {
    apply: (e, seq) => {
      const cur = byId.get(e.id)
      const record = applyStatusEvent(cur, e, seq)
      byId.set(e.id, record)
      if (!cur) {
        order.push(e.id)
        evict()
      }
      return { record, isNew: !cur }
    },
    get: (id) => byId.get(id),
    list: (f, limit, beforeSeq) => {
      const items: IndexedMessage[] = []
      for (let i = order.length - 1; i >= head; i--) {
        const r = byId.get(order[i]!)
        if (!r) continue
        if (beforeSeq !== undefined && r.seq >= beforeSeq) continue
        if (f.status !== undefined && r.status !== f.status) continue
        if (f.origin !== undefined && r.origin !== f.origin) continue
        if (f.destination !== undefined && r.destination !== f.destination) continue
        if (f.sender !== undefined && r.sender !== f.sender) continue
        if (items.length === limit) return { items, more: true }
        items.push(r)
      }
      return { items, more: false }
    },
    get size() {
      return byId.size
    },
    get evicted() {
      return evicted
    },
  }
}
