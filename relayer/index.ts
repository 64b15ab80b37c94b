/**
 * The relay pipeline and its NATS JetStream transport (DESIGN.md "Pipeline", "NATS JetStream").
 * TSDoc, `@throws` and examples live on each definition.
 */
export {
  type AggregateOptions,
  type AggregateOutcome,
  aggregateAttestations,
  type RouteInfo,
} from './aggregate/aggregateAttestations.js'
export {
  addAttestation,
  attestationCount,
  decodeMessageRecord,
  encodeMessageRecord,
  type MessageRecord,
  markDispatched,
  RECORD_STATUSES,
  type RecordStatus,
  type VerifiedAttestation,
} from './aggregate/messageRecord.js'
export { type ConnectNatsOptions, connectNats } from './nats/connectNats.js'
export { advanceCursor, cursorKey, tryGetCursor } from './nats/cursors.js'
export {
  aggregatorConsumer,
  type ConsumerTuning,
  type DurableConsumerSpec,
  delivererConsumer,
  ensureDurableConsumer,
} from './nats/durableConsumers.js'
export {
  ensureTopology,
  streamConfigs,
  type TopologyChange,
  type TopologyOptions,
  type TopologyReport,
} from './nats/ensureTopology.js'
export {
  EVENT_STATUSES,
  type EventStatus,
  encodeStatusEvent,
  eventMsgId,
  FAILURE_REASONS,
  parseStatusEvent,
  publishStatusEvent,
  RETRACTION_REASONS,
  type StatusEvent,
  StatusEventSchema,
} from './nats/events.js'
export { fromConsumer$ } from './nats/fromConsumer.js'
export { type UpdateWithCasOptions, type UpdateWithCasResult, updateWithCas } from './nats/kvCas.js'
export { type PublishDedupOptions, type PublishDedupResult, publishDedup } from './nats/publishDedup.js'
export {
  DEAD_LETTER_HEADERS,
  publishDeadLetter,
  type SettleContext,
  type SettleOutcome,
  settle,
  settleFailed,
} from './nats/settle.js'
export {
  attestationSubject,
  BUCKETS,
  deadLetterSubject,
  deliverySubject,
  eventSubject,
  proofSubject,
  STREAMS,
  SUBJECTS,
} from './nats/subjects.js'
export { toRelayError as natsToRelayError } from './nats/toRelayError.js'
export {
  type AttestationDoc,
  type AttestationInput,
  type CertificateDoc,
  type CertificateInput,
  encodeAttestation,
  encodeCertificate,
  parseAttestation,
  parseCertificate,
} from './nats/wire.js'
