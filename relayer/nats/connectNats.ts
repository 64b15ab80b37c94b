import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import { toRelayError } from './toRelayError.js'

export interface ConnectNatsOptions {
  servers: string[]
  /** Connection name shown by the server (`relayer-a/aggregator`). */
  name?: string
  /** Pause between reconnect attempts. */
  reconnectTimeWaitMs?: number
  /** Initial connect timeout per server. */
  connectTimeoutMs?: number
  /** Wait for a server that is not up yet instead of failing the first connect. */
  waitOnFirstConnect?: boolean
}

/**
 * Connect to NATS and keep reconnecting forever: a relayer never treats "NATS unavailable" as
 * "nothing to do" (F-13); its JetStream consumers and publishers pick up once the client is back.
 * Connection state changes are logged (warn on disconnect, info on reconnect).
 * @throws NatsUnavailableError when no server answers the first connect
 * @example
 * const nc = await connectNats({ servers: ['nats://127.0.0.1:4222'], name: 'relayer-a' }, log)
 * const js = jetstream(nc)
 */
export const connectNats = async (o: ConnectNatsOptions, log: Logger): Promise<NatsConnection> => {
  const l = log.child({ module: 'nats' })
  let nc: NatsConnection
  try {
    nc = await connect({
      servers: o.servers,
      ...(o.name ? { name: o.name } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: o.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 50,
      timeout: o.connectTimeoutMs ?? 5_000,
      waitOnFirstConnect: o.waitOnFirstConnect ?? false,
      pingInterval: 10_000,
      maxPingOut: 3,
    })
  } catch (e) {
    throw toRelayError(e, 'connect')
  }
  l.info({ server: nc.getServer(), name: o.name }, 'nats connected')
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') l.warn({ server: s.server }, 'nats disconnected, reconnecting')
      else if (s.type === 'reconnect') l.info({ server: s.server }, 'nats reconnected')
      else if (s.type === 'error' || s.type === 'slowConsumer') l.warn({ status: s.type }, 'nats client status')
    }
  })().catch((err: unknown) => l.debug({ err }, 'nats status stream ended'))
  return nc
}
