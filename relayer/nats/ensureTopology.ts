import {
  DiscardPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { nanos } from '@nats-io/transport-node'
import { NatsApiError, type RelayError } from '../../errors.js'
import { BUCKETS, STREAMS, SUBJECTS } from './subjects.js'
import { toRelayError } from './toRelayError.js'

const DAY_MS = 86_400_000

export interface TopologyOptions {
  /** 1 on one machine, 3 in a cluster (DESIGN.md). */
  replicas?: number
  /** How long JetStream remembers a `Nats-Msg-Id`: retries within it are stored once (F-15). */
  duplicateWindowMs?: number
  /** Retention of limits-based streams; 0 keeps messages until removed by hand. */
  maxAgeMs?: Partial<Record<'attestations' | 'memberDeliveries' | 'events' | 'proofs' | 'deadLetters', number>>
  /** Revisions kept per key in `isthmus-messages` (default 1) and `isthmus-cursors` (default 64, the KV maximum: the scanned-range history of oracle I6). */
  kvHistory?: Partial<Record<'messages' | 'cursors', number>>
}

export type TopologyChange = 'created' | 'updated' | 'unchanged'

export interface TopologyReport {
  streams: Record<string, TopologyChange>
  buckets: Record<string, TopologyChange>
}

type Desired = Pick<
  StreamConfig,
  | 'name'
  | 'subjects'
  | 'retention'
  | 'storage'
  | 'num_replicas'
  | 'duplicate_window'
  | 'max_age'
  | 'discard'
  | 'description'
  | 'max_msgs_per_subject'
>

/** The stream configs of DESIGN.md "NATS JetStream", plus the dead-letter stream (F-18). */
export const streamConfigs = (o: TopologyOptions = {}): Desired[] => {
  const replicas = o.replicas ?? 1
  const dupMs = o.duplicateWindowMs ?? 120_000
  const age = (k: keyof NonNullable<TopologyOptions['maxAgeMs']>, dflt: number) => {
    const ms = o.maxAgeMs?.[k] ?? dflt
    // JetStream refuses a duplicate window longer than max_age.
    return ms === 0 ? 0 : nanos(Math.max(ms, dupMs))
  }
  const base = {
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: nanos(dupMs),
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: -1,
  }
  return [
    {
      ...base,
      name: STREAMS.attestations,
      subjects: [`${SUBJECTS.attestations}.>`],
      retention: RetentionPolicy.Limits,
      max_age: age('attestations', 7 * DAY_MS),
      // One subject per (destination, id, relayer): even a republish after the duplicate window
      // leaves one signature per signer and id in the stream (F-19).
      max_msgs_per_subject: 1,
      description: 'Isthmus attestations: one signature per (relayer, message id)',
    },
    {
      ...base,
      name: STREAMS.deliveries,
      subjects: [`${SUBJECTS.deliveries}.>`],
      retention: RetentionPolicy.Workqueue,
      max_age: 0,
      description: 'Isthmus quorum certificates waiting for delivery (work queue)',
    },
    {
      ...base,
      name: STREAMS.memberDeliveries,
      subjects: [`${SUBJECTS.memberDeliveries}.>`],
      // Every member reads every certificate through its own durable consumer, so the stream
      // keeps them (a work queue would hand each to one member only).
      retention: RetentionPolicy.Limits,
      max_age: age('memberDeliveries', 7 * DAY_MS),
      description: 'Isthmus quorum certificates every committee member approves (multisig destinations)',
    },
    {
      ...base,
      name: STREAMS.events,
      subjects: [`${SUBJECTS.events}.>`],
      retention: RetentionPolicy.Limits,
      max_age: age('events', 30 * DAY_MS),
      description: 'Isthmus public status events (docs/events.md)',
    },
    {
      ...base,
      name: STREAMS.proofs,
      subjects: [`${SUBJECTS.proofs}.>`],
      retention: RetentionPolicy.Limits,
      max_age: age('proofs', 0),
      description: 'Isthmus verified source proof bundles, for audit',
    },
    {
      ...base,
      name: STREAMS.deadLetters,
      subjects: [`${SUBJECTS.deadLetters}.>`],
      retention: RetentionPolicy.Limits,
      max_age: age('deadLetters', 0),
      description: 'Isthmus dead letters: messages terminated after MaxDeliver or as unparseable',
    },
  ]
}

const isStreamNotFound = (e: RelayError): boolean =>
  e instanceof NatsApiError && e.apiCode === JetStreamApiCodes.StreamNotFound

const sameValue = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i])
    : (a ?? '') === (b ?? '')

const ensureStream = async (jsm: JetStreamManager, want: Desired): Promise<TopologyChange> => {
  let have: StreamConfig
  try {
    have = (await jsm.streams.info(want.name)).config
  } catch (e) {
    const err = toRelayError(e, `stream info ${want.name}`)
    if (!isStreamNotFound(err)) throw err
    try {
      await jsm.streams.add(want)
    } catch (e2) {
      throw toRelayError(e2, `stream add ${want.name}`)
    }
    return 'created'
  }
  const diff = (Object.keys(want) as (keyof Desired)[]).filter((k) => !sameValue(have[k], want[k]))
  if (diff.length === 0) return 'unchanged'
  try {
    // retention and storage cannot change in place: JetStream refuses, and the error names the field.
    await jsm.streams.update(want.name, { ...have, ...want })
  } catch (e) {
    throw toRelayError(e, `stream update ${want.name} (${diff.join(', ')})`)
  }
  return 'updated'
}

const ensureBucket = async (
  js: JetStreamClient,
  jsm: JetStreamManager,
  name: string,
  o: { history: number; replicas: number; description: string },
): Promise<TopologyChange> => {
  const streamName = `KV_${name}`
  let existed = true
  try {
    await jsm.streams.info(streamName)
  } catch (e) {
    const err = toRelayError(e, `stream info ${streamName}`)
    if (!isStreamNotFound(err)) throw err
    existed = false
  }
  try {
    // Kvm.create opens an existing bucket as it is; changed limits are applied below.
    await new Kvm(js).create(name, { ...o, storage: StorageType.File })
  } catch (e) {
    throw toRelayError(e, `kv create ${name}`)
  }
  if (!existed) return 'created'
  const have = (await jsm.streams.info(streamName)).config
  const patch: Partial<StreamConfig> = {}
  if (have.max_msgs_per_subject !== o.history) patch.max_msgs_per_subject = o.history
  if (have.num_replicas !== o.replicas) patch.num_replicas = o.replicas
  if ((have.description ?? '') !== o.description) patch.description = o.description
  if (Object.keys(patch).length === 0) return 'unchanged'
  try {
    await jsm.streams.update(streamName, { ...have, ...patch })
  } catch (e) {
    throw toRelayError(e, `kv update ${name}`)
  }
  return 'updated'
}

/**
 * Create the streams and KV buckets of DESIGN.md "NATS JetStream" (file storage, configurable
 * replicas, a duplicate window), or bring existing ones to this config. Idempotent: a second call
 * with the same options changes nothing and reports every part `unchanged`.
 * @throws NatsApiError when JetStream refuses a change (e.g. retention of an existing stream)
 * @throws NatsUnavailableError / NatsTimeoutError when JetStream does not answer
 * @example
 * const report = await ensureTopology(jetstream(nc), { replicas: 1, duplicateWindowMs: 120_000 })
 */
export const ensureTopology = async (js: JetStreamClient, o: TopologyOptions = {}): Promise<TopologyReport> => {
  let jsm: JetStreamManager
  try {
    jsm = await js.jetstreamManager()
  } catch (e) {
    throw toRelayError(e, 'jetstream manager')
  }
  const report: TopologyReport = { streams: {}, buckets: {} }
  for (const cfg of streamConfigs(o)) report.streams[cfg.name] = await ensureStream(jsm, cfg)
  const replicas = o.replicas ?? 1
  report.buckets[BUCKETS.messages] = await ensureBucket(js, jsm, BUCKETS.messages, {
    history: o.kvHistory?.messages ?? 1,
    replicas,
    description: 'Isthmus per-message status records (the API reads these)',
  })
  report.buckets[BUCKETS.cursors] = await ensureBucket(js, jsm, BUCKETS.cursors, {
    history: o.kvHistory?.cursors ?? 64,
    replicas,
    description: 'Isthmus per-relayer, per-chain cursors: last finalized block handed off',
  })
  return report
}
