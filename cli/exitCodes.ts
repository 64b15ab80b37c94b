import { IsthmusApiError, isRelayError } from '../errors.js'

/** Exit codes of every `isthmus` command (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The operation failed, or its input is invalid (a message failed, a bundle is invalid…). */
  failure: 1,
  /** Wrong flags or arguments; nothing was done. */
  usage: 2,
  /** The thing asked about does not exist (a message id the API does not know). */
  notFound: 3,
  /** A bounded wait ran out (`--timeout-ms`). */
  timeout: 4,
  /** The API could not be reached. */
  unavailable: 5,
} as const

/** The exit code of a command that ended with `e`. */
export const exitCodeOf = (e: unknown): number => {
  if (!isRelayError(e)) return EXIT.failure
  if (e.code === 'USAGE') return EXIT.usage
  if (e.code === 'WAIT_TIMEOUT') return EXIT.timeout
  if (e.code === 'API_UNAVAILABLE') return EXIT.unavailable
  if (e instanceof IsthmusApiError && e.status === 404) return EXIT.notFound
  return EXIT.failure
}
