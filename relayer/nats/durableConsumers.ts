import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  ReplayPolicy,
} from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import { NatsApiError } from '../../errors.js'
import { deliverySubject, memberDeliverySubject, STREAMS, SUBJECTS } from './subjects.js'
import { toRelayError } from './toRelayError.js'

/** A durable pull consumer: every instance that binds the same name shares its work (DESIGN.md). */
export interface DurableConsumerSpec {
  stream: string
  durable: string
  filterSubjects: string[]
  /** Time a delivered message may stay unacked before JetStream redelivers it (F-16, F-17). */
  ackWaitMs: number
  /** Deliveries before JetStream gives up; our `settle` dead-letters the last one (F-18). */
  maxDeliver: number
  /** Bound on unacked messages in flight across all instances: back-pressure (F-14, F-35). */
  maxAckPending: number
  /**
   * Redelivery delays after ack timeouts; needs fewer entries than `maxDeliver`. When set,
   * JetStream uses its first entry as the AckWait (and ignores `ackWaitMs`).
   */
  backoffMs?: number[]
  description?: string
}

export interface ConsumerTuning {
  ackWaitMs?: number
  maxDeliver?: number
  maxAckPending?: number
  backoffMs?: number[]
}

/** The aggregator's durable consumer over every attestation. */
export const aggregatorConsumer = (t: ConsumerTuning = {}): DurableConsumerSpec => ({
  stream: STREAMS.attestations,
  durable: 'aggregator',
  filterSubjects: [`${SUBJECTS.attestations}.>`],
  ackWaitMs: t.ackWaitMs ?? 30_000,
  maxDeliver: t.maxDeliver ?? 5,
  maxAckPending: t.maxAckPending ?? 1_000,
  ...(t.backoffMs ? { backoffMs: t.backoffMs } : {}),
  description: 'Isthmus aggregator: attestations -> quorum certificates',
})

/** The deliverers' durable consumer for one destination domain (work queue: one consumer per filter). */
export const delivererConsumer = (destination: number, t: ConsumerTuning = {}): DurableConsumerSpec => ({
  stream: STREAMS.deliveries,
  durable: `deliver-${destination}`,
  filterSubjects: [deliverySubject(destination)],
  ackWaitMs: t.ackWaitMs ?? 120_000,
  maxDeliver: t.maxDeliver ?? 20,
  maxAckPending: t.maxAckPending ?? 64,
  ...(t.backoffMs ? { backoffMs: t.backoffMs } : {}),
  description: `Isthmus deliverers for domain ${destination}`,
})

/**
 * One member's deliverer consumer for a destination where every member must act (multisig): the
 * member's instances share it; other members have their own over the same certificates.
 */
export const memberDelivererConsumer = (
  destination: number,
  memberId: string,
  t: ConsumerTuning = {},
): DurableConsumerSpec => ({
  ...delivererConsumer(destination, t),
  stream: STREAMS.memberDeliveries,
  durable: `deliver-${destination}-${memberId}`,
  filterSubjects: [memberDeliverySubject(destination)],
  description: `Isthmus deliverers of member ${memberId} for domain ${destination}`,
})

const toConfig = (s: DurableConsumerSpec): Partial<ConsumerConfig> => ({
  durable_name: s.durable,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  replay_policy: ReplayPolicy.Instant,
  ack_wait: nanos(s.backoffMs?.[0] ?? s.ackWaitMs),
  max_deliver: s.maxDeliver,
  max_ack_pending: s.maxAckPending,
  backoff: (s.backoffMs ?? []).map(nanos),
  ...(s.filterSubjects.length === 1 ? { filter_subject: s.filterSubjects[0] } : { filter_subjects: s.filterSubjects }),
  ...(s.description ? { description: s.description } : {}),
})

const UPDATABLE = [
  'ack_wait',
  'max_deliver',
  'max_ack_pending',
  'backoff',
  'description',
  'filter_subject',
  'filter_subjects',
] as const

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/**
 * Create the durable consumer, or update its tunables (ack wait, max deliver, max ack pending,
 * backoff, filter) when they differ, and return a handle to consume from.
 * @throws NatsApiError when JetStream refuses the config
 */
export const ensureDurableConsumer = async (
  js: JetStreamClient,
  spec: DurableConsumerSpec,
): Promise<{ consumer: Consumer; change: 'created' | 'updated' | 'unchanged' }> => {
  const op = `consumer ${spec.stream}/${spec.durable}`
  const want = toConfig(spec)
  let change: 'created' | 'updated' | 'unchanged' = 'unchanged'
  try {
    const jsm = await js.jetstreamManager()
    try {
      const have = (await jsm.consumers.info(spec.stream, spec.durable)).config
      const wantBackoff = want.backoff?.length ? want.backoff : undefined
      const diff = UPDATABLE.filter(
        (k) => !same(k === 'backoff' ? have.backoff : have[k], k === 'backoff' ? wantBackoff : want[k]),
      )
      if (diff.length > 0) {
        const { durable_name: _d, ack_policy: _a, deliver_policy: _p, replay_policy: _r, ...updatable } = want
        await jsm.consumers.update(spec.stream, spec.durable, updatable)
        change = 'updated'
      }
    } catch (e) {
      const err = toRelayError(e, op)
      if (!(err instanceof NatsApiError && err.apiCode === JetStreamApiCodes.ConsumerNotFound)) throw err
      await jsm.consumers.add(spec.stream, want)
      change = 'created'
    }
    return { consumer: await js.consumers.get(spec.stream, spec.durable), change }
  } catch (e) {
    throw toRelayError(e, op)
  }
}
