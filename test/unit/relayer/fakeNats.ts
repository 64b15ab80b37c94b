import { Writable } from 'node:stream'
import type { JetStreamClient } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { createLogger } from '../../../cli/createLogger.js'

// In-memory stand-ins for the few NATS calls relayer steps make, for unit tests without a network
// (STYLE.md §7). Integration tests use a real nats-server.

/** A KV bucket in memory: get / create / update with revisions, as `updateWithCas` uses them. */
export const memoryKv = (): KV & { values: Map<string, Uint8Array> } => {
  const values = new Map<string, Uint8Array>()
  const revs = new Map<string, number>()
  let seq = 0
  const kv = {
    values,
    get: async (key: string) =>
      values.has(key) ? { key, value: values.get(key)!, revision: revs.get(key)!, operation: 'PUT' } : null,
    create: async (key: string, value: Uint8Array) => {
      values.set(key, value)
      revs.set(key, ++seq)
      return seq
    },
    update: async (key: string, value: Uint8Array) => {
      values.set(key, value)
      revs.set(key, ++seq)
      return seq
    },
  }
  return kv as unknown as KV & { values: Map<string, Uint8Array> }
}

export interface Published {
  subject: string
  data: Uint8Array
  msgID: string | undefined
}

/** A JetStream client whose `publish` records what was published and acks it. */
export const recordingJs = (): { js: JetStreamClient; published: Published[] } => {
  const published: Published[] = []
  const js = {
    publish: async (subject: string, data: Uint8Array, o?: { msgID?: string }) => {
      published.push({ subject, data, msgID: o?.msgID })
      return { stream: 'TEST', seq: published.length, duplicate: false }
    },
  }
  return { js: js as unknown as JetStreamClient, published }
}

export interface LogLine {
  level: string
  msg: string
  [k: string]: unknown
}

/** The project's pino logger writing into an array. */
export const captureLog = (): { log: Logger; lines: LogLine[] } => {
  const lines: LogLine[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine)
      done()
    },
  })
  return { log: createLogger({ level: 'debug' }, sink), lines }
}
