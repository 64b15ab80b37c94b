import type { JetStreamClient } from '@nats-io/jetstream'
import { z } from 'zod'
import type { ChainRef } from '../../types.js'
import { type PublishDedupResult, publishDedup } from '../nats/publishDedup.js'
import { eventSubject } from '../nats/subjects.js'
import { domain, parseWire, relayerName } from '../nats/wire.js'

/**
 * A route-level status (docs/events.md "Route events"): a relayer stopped signing for a source
 * chain's routes (S5 fail-closed). Published on `isthmus.evt.halted.<origin>.<destination>`, one
 * per configured destination, so `isthmus.evt.*.<origin>.<dest>` watchers see it next to the
 * message events of that route.
 */
export const RouteHaltedEventSchema = z.object({
  v: z.literal(1),
  status: z.literal('halted'),
  origin: domain,
  destination: domain,
  chain: z.string().regex(/^(evm|substrate|fabric):\S+$/),
  at: z.iso.datetime(),
  relayer: relayerName,
  /** The RelayError code that halted it (docs/errors.md). */
  code: z.string().regex(/^[A-Z_]+$/),
  detail: z.string().max(1024),
})
export type RouteHaltedEvent = z.output<typeof RouteHaltedEventSchema>

/**
 * Parse a route event.
 * @throws WireFormatError
 */
export const parseRouteHaltedEvent = (data: Uint8Array): RouteHaltedEvent =>
  parseWire('route event', RouteHaltedEventSchema, data)

const ENC = new TextEncoder()

/**
 * Publish one `halted` route event.
 * @throws RelayError from `publishDedup`
 */
export const publishRouteHalted = (
  js: JetStreamClient,
  e: Omit<RouteHaltedEvent, 'v' | 'status' | 'chain'> & { chain: ChainRef },
): Promise<PublishDedupResult> => {
  const doc: RouteHaltedEvent = { v: 1, status: 'halted', ...e, detail: e.detail.slice(0, 1024) }
  return publishDedup(
    js,
    eventSubject('halted', e.origin, e.destination),
    ENC.encode(JSON.stringify(doc)),
    `evt:halted:${e.relayer}:${e.origin}:${e.destination}:${e.at}`,
    { attempts: 3 },
  )
}
