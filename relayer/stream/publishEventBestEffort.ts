import type { JetStreamClient } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import { publishStatusEvent, type StatusEvent } from '../nats/events.js'

/**
 * Publish a status event (docs/events.md) for observers. Events never gate the pipeline: a failure
 * to publish is logged at warn and swallowed; the KV record and the chains stay the truth.
 */
export const publishEventBestEffort = async (js: JetStreamClient, log: Logger, e: StatusEvent): Promise<void> => {
  try {
    await publishStatusEvent(js, e)
  } catch (err) {
    log.warn({ err, msgId: e.id, status: e.status }, 'status event not published')
  }
}
