import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream'
import { jserrors } from '@nats-io/jetstream/internal'
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node'
import { NatsApiError, NatsTimeoutError, NatsUnavailableError, RelayError } from '../../errors.js'

// JetStream API errors worth retrying: the cluster is electing or catching up, or the request timed out.
const RETRYABLE_API_STATUS = new Set([408, 503, 504])

/**
 * The one edge where NATS client errors become RelayErrors (STYLE.md §3): timeouts and
 * unreachable servers are retryable, JetStream API refusals carry their API code.
 */
export const toRelayError = (e: unknown, op: string): RelayError => {
  if (e instanceof RelayError) return e
  if (e instanceof TimeoutError || (e instanceof RequestError && e.cause instanceof TimeoutError)) {
    return new NatsTimeoutError({ op, cause: e })
  }
  if (
    e instanceof NoRespondersError ||
    (e instanceof RequestError && e.isNoResponders()) ||
    e instanceof jserrors.JetStreamNotEnabled ||
    e instanceof ClosedConnectionError ||
    e instanceof DrainingConnectionError ||
    e instanceof ConnectionError
  ) {
    return new NatsUnavailableError({ op, cause: e })
  }
  if (e instanceof JetStreamApiError) {
    return new NatsApiError({
      op,
      apiCode: e.code,
      description: e.apiError().description,
      retryable: RETRYABLE_API_STATUS.has(e.status),
      cause: e,
    })
  }
  // Client-side JetStream failures (heartbeats missed, consumer gone while reconnecting, invalid ack):
  // transient from the relay's point of view.
  if (e instanceof JetStreamError) return new NatsApiError({ op, description: e.message, retryable: true, cause: e })
  return new NatsApiError({ op, description: 'unexpected NATS client failure', retryable: true, cause: e })
}
