import { Writable } from 'node:stream'
import { type JetStreamClient, type JetStreamManager, jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { type Logger, pino } from 'pino'
import { type NatsServer, startNatsServer } from '../../../cli/devnet/startNatsServer.js'
import { connectNats } from '../../../relayer/nats/connectNats.js'
import { ensureTopology } from '../../../relayer/nats/ensureTopology.js'

/** A pino logger whose JSON lines the test can read back (alerts are part of the contract). */
export const captureLogger = (): { log: Logger; lines: () => Record<string, unknown>[] } => {
  const out: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) out.push(JSON.parse(line) as Record<string, unknown>)
      cb()
    },
  })
  return { log: pino({ level: 'debug' }, sink), lines: () => out }
}

export interface NatsFixture {
  server: NatsServer
  log: Logger
  lines: () => Record<string, unknown>[]
  connect(name: string): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }>
  close(): Promise<void>
}

/** A real nats-server -js on a free loopback port with a temp store, and clients that are all closed at the end. */
export const startNatsFixture = async (): Promise<NatsFixture> => {
  const server = await startNatsServer()
  const { log, lines } = captureLogger()
  const conns: NatsConnection[] = []
  return {
    server,
    log,
    lines,
    connect: async (name) => {
      const nc = await connectNats({ servers: [server.url], name, reconnectTimeWaitMs: 100 }, log)
      conns.push(nc)
      const js = jetstream(nc, { timeout: 5_000 })
      return { nc, js, jsm: await js.jetstreamManager() }
    },
    close: async () => {
      await Promise.all(conns.map((c) => (c.isClosed() ? undefined : c.close())))
      await server.dispose()
    },
  }
}

/** Poll `check` every 50 ms until it returns a value, or fail after `timeoutMs` (bounded). */
export const eventually = async <T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) {
      expect({ conditionMetWithinMs: timeoutMs }).toEqual({ conditionMetWithinMs: 'never' })
      return undefined as never
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * The hooks most NATS test blocks use: a real nats-server with the Isthmus topology for the
 * block, closed after it. `ready` receives the fixture once it is up.
 */
export const useNatsWithTopology = (ready: (f: NatsFixture) => void): void => {
  let fixture: NatsFixture | undefined
  beforeAll(async () => {
    fixture = await startNatsFixture()
    const { js } = await fixture.connect('setup')
    await ensureTopology(js)
    ready(fixture)
  })
  afterAll(() => fixture?.close())
}
