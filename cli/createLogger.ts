import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'

/** Paths pino removes from every log line: keys and credentials never reach a log. */
export const REDACT_PATHS = [
  'privateKey',
  '*.privateKey',
  '*.*.privateKey',
  'signerKey',
  '*.signerKey',
  'mnemonic',
  '*.mnemonic',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
]

export interface CreateLoggerOptions {
  level: LoggerOptions['level']
  name?: string
  base?: Record<string, unknown>
}

/**
 * The one root logger of a process (STYLE.md §6): JSON lines, bigint-safe, secrets redacted.
 * Parts derive `log.child({ module })` from it.
 */
export const createLogger = (o: CreateLoggerOptions, destination?: DestinationStream): Logger =>
  pino(
    {
      level: o.level ?? 'info',
      name: o.name ?? 'isthmus',
      base: { pid: process.pid, ...o.base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.errWithCause },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // bigint block numbers and amounts are everywhere; JSON.stringify refuses them.
        logMethod(args, method) {
          const [first, ...rest] = args
          if (first && typeof first === 'object' && !(first instanceof Error)) {
            method.apply(this, [bigintSafe(first) as object, ...(rest as [string])])
          } else method.apply(this, args)
        },
      },
    },
    destination,
  )

const bigintSafe = (v: unknown, depth = 0): unknown => {
  if (typeof v === 'bigint') return v.toString()
  if (depth > 6 || v === null || typeof v !== 'object' || v instanceof Error) return v
  if (Array.isArray(v)) return v.map((x) => bigintSafe(x, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = bigintSafe(x, depth + 1)
  return out
}
