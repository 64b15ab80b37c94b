import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import type { Logger } from 'pino'
import {
  BUCKETS,
  decodeMessageRecord,
  type MessageRecord,
  natsToRelayError,
  parseStatusEvent,
  STREAMS,
  SUBJECTS,
} from '../relayer/index.js'
import { fromRecord, partiesOf } from './fromRecord.js'
import type { IndexedMessage } from './indexedMessage.js'
import { createMessageStore, type MessageFilter } from './messageStore.js'

/** One EVENTS message as the index consumed it (what `onIndexEvent` receives). */
export interface IndexedStreamMessage {
  seq: number
  subject: string
  data: Uint8Array
  storedAt: Date
}

export interface EventIndexOptions {
  js: JetStreamClient
  log: Logger
  /** Messages kept in memory; the oldest (by first event) are dropped first. */
  maxMessages: number
  /** Called for every EVENTS message consumed, in stream order (metrics hooks). */
  onEvent?: (m: IndexedStreamMessage, record: IndexedMessage | undefined) => void
  /** Concurrent KV reads that fill in sender / recipient / transfer (default 4). */
  kvConcurrency?: number
}

export interface EventIndexStats {
  messages: number
  lastSeq: number
  /** True once the consumer reached the end of the stream at least once. */
  caughtUp: boolean
  running: boolean
  invalid: number
  evicted: number
}

/** The API's bounded in-memory view of message statuses, built from the EVENTS stream. */
export interface EventIndex {
  start(): Promise<void>
  stop(): Promise<void>
  /** From memory, else from KV `isthmus-messages`; undefined when neither knows the id. */
  get(id: string): Promise<IndexedMessage | undefined>
  /** Newest first, `limit` records with seq < `beforeSeq` that match `f`. */
  list(f: MessageFilter, limit: number, beforeSeq?: number): { items: IndexedMessage[]; more: boolean }
  stats(): EventIndexStats
  /** Resolves once the index has consumed up to `seq` (bounded by `timeoutMs`); false on timeout. */
  waitForSeq(seq: number, timeoutMs: number): Promise<boolean>
}

const MAX_PENDING_LOOKUPS = 10_000
const RETRY_BASE_MS = 250
const RETRY_MAX_MS = 10_000
const ENRICH_FROM_RANK = new Set(['attested', 'certified', 'submitted', 'delivered', 'failed', 'queued'])

/**
 * Create the event index: a JetStream ordered consumer over EVENTS from the first message, folding each
 * status event into a per-id record (`applyStatusEvent`), bounded to `maxMessages`. Records that reach
 * `attested` get sender / recipient / transfer from KV `isthmus-messages` (few reads at a time).
 * @example
 * const index = createEventIndex({ js, log, maxMessages: 100_000 }); await index.start()
 */
export const createEventIndex = (o: EventIndexOptions): EventIndex => {
  const log = o.log.child({ module: 'api-index' })
  const store = createMessageStore(o.maxMessages)
  let lastSeq = 0
  let caughtUp = false
  let running = false
  let invalid = 0
  let stopRequested = false
  let loop: Promise<void> | undefined
  let closeIter: (() => void) | undefined
  let kv: KV | undefined
  const seqWaiters = new Set<{ seq: number; done: (ok: boolean) => void }>()
  const lookups: string[] = []
  const requested = new Set<string>()
  let lookupsRunning = 0

  const openKv = async (): Promise<KV> => {
    kv ??= await new Kvm(o.js).open(BUCKETS.messages)
    return kv
  }
  const readRecord = async (id: string): Promise<MessageRecord | undefined> => {
    try {
      const e = await (await openKv()).get(id)
      if (e?.operation !== 'PUT' || e.value.length === 0) return undefined
      return decodeMessageRecord(e.value)
    } catch (err) {
      log.debug({ err, id }, 'kv record unavailable')
      return undefined
    }
  }
  const pump = () => {
    while (lookupsRunning < (o.kvConcurrency ?? 4) && lookups.length > 0) {
      const id = lookups.shift()!
      lookupsRunning += 1
      void readRecord(id)
        .then((rec) => {
          const cur = store.get(id)
          if (rec && cur) {
            try {
              Object.assign(
                cur,
                partiesOf(rec),
                rec.delivery?.releaseAt ? { releaseAt: rec.delivery.releaseAt.toString() } : {},
              )
            } catch (err) {
              log.warn({ err, id }, 'kv record message undecodable')
            }
          }
        })
        .finally(() => {
          lookupsRunning -= 1
          pump()
        })
    }
  }
  // Once when a record reaches `attested` (parties), once more when it is `queued` (release time).
  const enrich = (r: IndexedMessage) => {
    const key = r.status === 'queued' ? `${r.id}:queued` : r.id
    if (requested.has(key) || !ENRICH_FROM_RANK.has(r.status)) return
    if (r.status !== 'queued' && r.sender !== undefined) return
    if (lookups.length >= MAX_PENDING_LOOKUPS) return
    if (requested.size > 4 * o.maxMessages) requested.clear()
    requested.add(key)
    lookups.push(r.id)
    pump()
  }
  const handle = (m: JsMsg) => {
    const seq = m.seq
    lastSeq = seq
    const status = m.subject.split('.')[2]
    let rec: IndexedMessage | undefined
    if (status !== 'halted' && status !== 'alert') {
      try {
        rec = store.apply(parseStatusEvent(m.data), seq).record
        enrich(rec)
      } catch (err) {
        invalid += 1
        log.warn({ err, seq, subject: m.subject }, 'skipping an invalid event')
      }
    }
    o.onEvent?.(
      { seq, subject: m.subject, data: m.data, storedAt: new Date(Number(BigInt(m.info.timestampNanos) / 1_000_000n)) },
      rec,
    )
    if (m.info.pending === 0) caughtUp = true
    for (const w of seqWaiters) if (lastSeq >= w.seq) w.done(true)
  }
  // One consumer session: from the first message, or after the last one handled (a restart).
  const session = async () => {
    const c = await o.js.consumers.get(STREAMS.events, {
      filter_subjects: [`${SUBJECTS.events}.>`],
      ...(lastSeq === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }),
    })
    // Empty stream: nothing to catch up with.
    const info = await c.info(true).catch(() => undefined)
    if (info && info.num_pending === 0) caughtUp = true
    const iter = await c.consume({ max_messages: 256 })
    closeIter = () => void iter.close()
    if (stopRequested) return void iter.close()
    running = true
    for await (const m of iter) handle(m)
  }
  let wake: (() => void) | undefined
  // Until stopped: the stream may not exist yet (relayers create it) or NATS may be away; retry with backoff.
  const run = async () => {
    for (let attempt = 0; !stopRequested; attempt++) {
      try {
        await session()
        attempt = 0
      } catch (err) {
        running = false
        if (stopRequested) return
        const level = attempt === 0 ? 'warn' : 'debug'
        log[level]({ err: natsToRelayError(err, 'consume'), attempt }, 'event index waiting for EVENTS, retrying')
      }
      running = false
      if (stopRequested) return
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 6)))
        wake = () => {
          clearTimeout(t)
          r()
        }
      })
    }
  }
  return {
    start: async () => {
      if (loop) return
      loop = run().finally(() => {
        running = false
      })
    },
    stop: async () => {
      stopRequested = true
      closeIter?.()
      wake?.()
      for (const w of seqWaiters) w.done(false)
      await loop
    },
    get: async (id) => {
      const key = id.toLowerCase()
      const hit = store.get(key)
      if (hit) return hit
      const rec = await readRecord(key)
      return rec ? fromRecord(rec) : undefined
    },
    list: (f, limit, beforeSeq) => store.list(f, limit, beforeSeq),
    stats: () => ({ messages: store.size, lastSeq, caughtUp, running, invalid, evicted: store.evicted }),
    waitForSeq: (seq, timeoutMs) =>
      lastSeq >= seq
        ? Promise.resolve(true)
        : new Promise((res) => {
            const w = {
              seq,
              done: (ok: boolean) => {
                clearTimeout(t)
                seqWaiters.delete(w)
                res(ok)
              },
            }
            const t = setTimeout(() => w.done(false), timeoutMs)
            seqWaiters.add(w)
          }),
  }
}
