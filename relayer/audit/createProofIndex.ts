import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream'
import { NatsTimeoutError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { STREAMS, SUBJECTS } from '../nats/subjects.js'
import { toRelayError } from '../nats/toRelayError.js'

/** The proof bundles of the PROOFS stream by message id (each relayer publishes its own copy). */
export interface ProofIndex {
  /** Read what the stream stored since the last call (the whole stream the first time). */
  catchUp(): Promise<{ read: number; lastSeq: number }>
  /** The parsed bundle documents published for `id` (unparseable JSON is kept as its text). */
  bundlesOf(id: Hex): readonly unknown[]
  /** The origin domains the bundles of `id` were published under (`isthmus.proof.<origin>.<id>`). */
  originsOf(id: Hex): readonly number[]
  readonly size: number
}

const DEC = new TextDecoder()

/**
 * An in-memory index of `isthmus.proof.<origin>.<id>` bundles for `isthmus audit`, filled by an
 * ordered consumer from the stream's start and then incrementally.
 * @throws (from catchUp) NatsTimeoutError when the stream cannot be read to its end within `timeoutMs`
 */
export const createProofIndex = (js: JetStreamClient, o: { timeoutMs?: number } = {}): ProofIndex => {
  const byId = new Map<string, unknown[]>()
  const origins = new Map<string, number[]>()
  let nextSeq = 1
  const timeoutMs = o.timeoutMs ?? 60_000
  const add = (subject: string, data: Uint8Array) => {
    const id = subject.split('.')[3]?.toLowerCase()
    if (!id) return
    const origin = Number(subject.split('.')[2])
    const seen = origins.get(id) ?? []
    if (Number.isSafeInteger(origin) && !seen.includes(origin)) origins.set(id, [...seen, origin])
    const text = DEC.decode(data)
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      doc = text
    }
    const list = byId.get(id)
    if (list) list.push(doc)
    else byId.set(id, [doc])
  }
  const catchUp = async () => {
    let lastSeq: number
    try {
      const jsm = await js.jetstreamManager()
      lastSeq = (await jsm.streams.info(STREAMS.proofs)).state.last_seq
    } catch (e) {
      throw toRelayError(e, `stream info ${STREAMS.proofs}`)
    }
    if (lastSeq < nextSeq) return { read: 0, lastSeq }
    let read = 0
    try {
      const c = await js.consumers.get(STREAMS.proofs, {
        filter_subjects: [`${SUBJECTS.proofs}.>`],
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: nextSeq,
      })
      const msgs = await c.consume({ max_messages: 512 })
      const timer = setTimeout(() => void msgs.close(), timeoutMs)
      try {
        for await (const m of msgs) {
          add(m.subject, m.data)
          read++
          nextSeq = m.seq + 1
          if (m.seq >= lastSeq) break
        }
      } finally {
        clearTimeout(timer)
        await msgs.close()
      }
    } catch (e) {
      throw toRelayError(e, `read ${STREAMS.proofs}`)
    }
    if (nextSeq <= lastSeq)
      throw new NatsTimeoutError({ op: `read ${STREAMS.proofs} to sequence ${lastSeq}`, timeoutMs })
    return { read, lastSeq }
  }
  return {
    catchUp,
    bundlesOf: (id) => byId.get(id.toLowerCase()) ?? [],
    originsOf: (id) => origins.get(id.toLowerCase()) ?? [],
    get size() {
      return byId.size
    },
  }
}
