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
export {
  type MonitorAlertsOptions,
  monitorAlerts$,
  publishAlerts,
  type RaisedAlert,
} from './alerts/monitorAlerts.js'
export { type AttestContext, type AttestResult, attestMessage } from './attest/attestMessage.js'
export { openSignerRecords, type RecordSigningInput, recordSigning } from './attest/recordSigning.js'
export {
  claimNonce,
  decodeSignerRecord,
  encodeSignerRecord,
  SIGNER_RECORDS_BUCKET,
  type SignerRecord,
  signerRecordKey,
  signingVerdict,
} from './attest/signerRecord.js'
// Monitoring: event subscription, metrics (docs/metrics.md), alerts, audit.
export {
  type AuditDestination,
  type Auditor,
  type AuditorOptions,
  type AuditReport,
  type AuditSourceChain,
  audit$,
  createAuditor,
} from './audit/createAuditor.js'
export { createProofIndex, type ProofIndex } from './audit/createProofIndex.js'
export {
  AUDIT_RESULTS,
  type AuditedDelivery,
  type AuditFinding,
  type AuditResult,
  type AuditSource,
  judgeDelivery,
  type ProvenDelivery,
  type ProvenMessage,
  proveDelivery,
} from './audit/judgeDelivery.js'
export { createRelayerNode, type RelayerNode } from './createRelayerNode.js'
// The pipeline (relayer node): observe → verify → attest → aggregate → deliver → confirm.
export { applyDeliveryRecord, type DeliveryRecordChange } from './deliver/applyDeliveryRecord.js'
export { type BatchWhileBusyOptions, batchWhileBusy } from './deliver/batchWhileBusy.js'
export {
  classifyDelivery,
  type DeliveryDecision,
  type DeliveryOutcome,
  type FailureReason,
  failureReasonOf,
} from './deliver/classifyDelivery.js'
export { type DeliverDestinationOptions, deliverDestination$ } from './deliver/deliverDestination.js'
export { type DeliveryEntry, type DeliveryGroup, planDeliveryGroups } from './deliver/planDeliveryGroups.js'
export { recordSubmitted, type SettleDeliveryContext, settleDelivery } from './deliver/settleDelivery.js'
export {
  createFailpoints,
  FAILPOINT_NAMES,
  type FailpointName,
  type Failpoints,
  type FailpointsOptions,
  NO_FAILPOINTS,
  parseFailpoints,
} from './failpoints.js'
export {
  type ClockSkewOptions,
  clockSkew$,
  createClockSkewCheck,
  type HeadSource,
} from './health/clockSkew.js'
export { type BlockHashSource, type WatchReorgsOptions, watchReorgs$ } from './health/watchReorgs.js'
export {
  createRelayTracker,
  LATENCY_STAGES,
  type RelayTracker,
  type RelayTrackerOptions,
  type TrackedMessage,
} from './metrics/createRelayTracker.js'
export {
  METRIC_DEFINITIONS,
  METRIC_NAMES,
  type MetricName,
  metric,
} from './metrics/metricDefinitions.js'
export {
  type NodeMetricsOptions,
  nodeMetrics$,
  type RateLimitSource,
  recordActivity,
} from './metrics/registerNodeMetrics.js'
export {
  createRelayMetricsFeed,
  DEFAULT_SILENT_WINDOW_MS,
  DEFAULT_SLA_SECONDS,
  type RawStreamMessage,
  type RelayMetrics,
  type RelayMetricsFeed,
  type RelayMetricsOptions,
  registerRelayMetrics,
} from './metrics/registerRelayMetrics.js'
export {
  ALERT_KINDS,
  ALERT_SEVERITY,
  type AlertEvent,
  AlertEventSchema,
  type AlertKind,
  alertSubject,
  createAlert,
  parseAlertEvent,
  publishAlert,
} from './nats/alertEvents.js'
export { type ConnectNatsOptions, connectNats } from './nats/connectNats.js'
export {
  advanceCursor,
  type CursorRange,
  type CursorRecord,
  cursorKey,
  tryGetCursor,
  tryGetCursorRecord,
} from './nats/cursors.js'
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
export { type KvChange, watchKv$ } from './nats/watchKv.js'
export {
  type AttestationDoc,
  type AttestationFinality,
  type AttestationInput,
  type CertificateDoc,
  type CertificateInput,
  encodeAttestation,
  encodeCertificate,
  finalityOfBundle,
  parseAttestation,
  parseCertificate,
} from './nats/wire.js'
export { type AttestBatchContext, type AttestBatchResult, attestBatch } from './observe/attestBatch.js'
export {
  type CheckFinalityOptions,
  checkFinalitySettings,
  compareFinality,
  describeFinality,
  type FinalityCheck,
  type FinalityVerdict,
} from './observe/checkFinality.js'
export { type ObserveSourceOptions, observeSource$ } from './observe/observeSource.js'
export {
  checkCommittee,
  type ExpectedCommittee,
  type PreflightRelayerOptions,
  type PreflightRelayerResult,
  preflightRelayer,
} from './preflightRelayer.js'
export { createQueuedTransfers, type QueuedTransfer, type QueuedTransfers } from './release/queuedTransfers.js'
export { type ReleaseQueuedOptions, releaseQueued$ } from './release/releaseQueued.js'
export { DEFAULT_TUNING, resolveTuning } from './resolveTuning.js'
export { createRouteInfoCache, type RouteInfoCache } from './route/createRouteInfoCache.js'
export { backoffMs } from './stream/backoffMs.js'
export { publishEventBestEffort } from './stream/publishEventBestEffort.js'
export { type ResilientConsumerOptions, resilientConsumer$ } from './stream/resilientConsumer.js'
export {
  parseRouteHaltedEvent,
  publishRouteHalted,
  type RouteHaltedEvent,
  RouteHaltedEventSchema,
} from './stream/routeEvents.js'
export {
  type EventFilter,
  type EventStart,
  eventSubjectsOf,
  parseStreamedEvent,
  type StreamedEvent,
  type SubscribeEventsOptions,
  subscribeEvents$,
} from './stream/subscribeEvents.js'
export type {
  ChainTrust,
  Clock,
  DeliveryActionKind,
  FinalitySetting,
  NodeActivity,
  RelayerChain,
  RelayerNodeOptions,
  RelayerTuning,
  RelayRoute,
  ReleaseActionKind,
} from './types.js'
export { type VerifiedMessage, type VerifyObservedContext, verifyObserved } from './verify/verifyObserved.js'
