import { Writable } from 'node:stream'
import type { Logger } from 'pino'
import { createLogger } from '../../cli/createLogger.js'

export interface CapturedLog {
  level: string
  msg: string
  alert?: string
  [k: string]: unknown
}

/** A real pino logger (the project's) whose JSON lines are kept for assertions. */
export const captureLogger = (level = 'debug'): { log: Logger; lines: CapturedLog[] } => {
  const lines: CapturedLog[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as CapturedLog)
      done()
    },
  })
  return { log: createLogger({ level: level as 'debug' }, sink), lines }
}
