import type { JetStreamClient } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { ApiSetup } from './apiChains.js'
import type { ApiMetrics } from './apiMetrics.js'
import type { CommitteeView } from './committeeView.js'
import type { EventIndex } from './eventIndex.js'
import { invalidRequest } from './httpFailure.js'
import type { MessageStatusReader } from './messageStatus.js'
import type { SseLimits } from './serveEvents.js'

/** Request limits of the API (config `api:` section). */
export interface ApiLimits extends SseLimits {
  bodyLimitBytes: number
  rateLimitMax: number
  rateLimitWindowMs: number
  maxSseClients: number
  indexMaxMessages: number
  dispatchLookbackBlocks: number
}

export const DEFAULT_LIMITS: ApiLimits = {
  bodyLimitBytes: 65_536,
  rateLimitMax: 600,
  rateLimitWindowMs: 60_000,
  maxSseClients: 100,
  indexMaxMessages: 100_000,
  dispatchLookbackBlocks: 1_000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1_048_576,
  slowClientMs: 10_000,
}

/** What the route handlers share. */
export interface ApiContext {
  setup: ApiSetup
  nc: NatsConnection
  js: JetStreamClient
  log: Logger
  index: EventIndex
  status: MessageStatusReader
  metrics: ApiMetrics
  /** Committee health and recent alerts; absent when the setup has no committee. */
  committee?: CommitteeView
  limits: ApiLimits
  dashboardDir: string
  version: string
  now: () => Date
  /** Resolves when the server starts closing (ends SSE streams). */
  closing: Promise<void>
  sse: { open: number }
}

/** Parse `value` with `schema`, or answer 400 naming the field and return undefined. */
export const parseOr400 = <S extends z.ZodType>(
  reply: FastifyReply,
  schema: S,
  value: unknown,
  where: string,
): z.output<S> | undefined => {
  const r = schema.safeParse(value ?? {})
  if (r.success) return r.data
  const f = invalidRequest(r.error, where)
  void reply.code(f.httpStatus).send(f.body)
  return undefined
}

/** A domain from a filter that is a domain number or a configured chain ref; undefined if unknown. */
export const domainOf = (setup: ApiSetup, v: string): number | undefined =>
  /^\d+$/.test(v) ? Number(v) : setup.chains.find((c) => c.ref === v)?.domain
