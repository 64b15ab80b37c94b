import { JetStreamApiCodes } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import { KvConflictError, NatsApiError, type RelayError } from '../../errors.js'
import { toRelayError } from './toRelayError.js'

export interface UpdateWithCasOptions<T> {
  /** Parse a stored value (throw a RelayError such as WireFormatError when it is malformed). */
  decode: (raw: Uint8Array) => T
  encode?: (value: T) => Uint8Array
  /** Compare-and-set attempts before giving up with KvConflictError. */
  attempts?: number
  bucket?: string
}

export interface UpdateWithCasResult<T> {
  /** The value now stored (the new one, or the current one when `fn` made no change). */
  value: T | undefined
  revision: number
  changed: boolean
  /** How many races were lost before this result. */
  conflicts: number
}

const ENC = new TextEncoder()
const jsonEncode = (v: unknown) => ENC.encode(JSON.stringify(v))

const isCasConflict = (e: RelayError) =>
  e instanceof NatsApiError &&
  (e.apiCode === JetStreamApiCodes.StreamWrongLastSequence ||
    e.apiCode === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

/**
 * Read-modify-write a KV key with optimistic concurrency: `fn` gets the current value (undefined
 * when absent or deleted) and returns the next one, or `undefined` to leave it as is. The write
 * only succeeds if nobody wrote the key since the read; on a lost race `fn` runs again on the
 * fresh value. `fn` must be pure: it can run several times.
 * @throws KvConflictError after `attempts` lost races (retryable)
 * @throws NatsApiError / NatsUnavailableError / NatsTimeoutError from JetStream
 */
export const updateWithCas = async <T>(
  kv: KV,
  key: string,
  fn: (current: T | undefined) => T | undefined,
  o: UpdateWithCasOptions<T>,
): Promise<UpdateWithCasResult<T>> => {
  const attempts = o.attempts ?? 16
  const encode = o.encode ?? jsonEncode
  let last: RelayError | undefined
  for (let conflicts = 0; conflicts < attempts; conflicts++) {
    let entry: Awaited<ReturnType<KV['get']>>
    try {
      entry = await kv.get(key)
    } catch (e) {
      throw toRelayError(e, `kv get ${key}`)
    }
    const live = entry && entry.operation === 'PUT' ? entry : undefined
    const current = live ? o.decode(live.value) : undefined
    const next = fn(current)
    if (next === undefined) return { value: current, revision: live?.revision ?? 0, changed: false, conflicts }
    try {
      // create() also succeeds over a delete marker; update() demands the revision we read.
      const revision = live ? await kv.update(key, encode(next), live.revision) : await kv.create(key, encode(next))
      return { value: next, revision, changed: true, conflicts }
    } catch (e) {
      last = toRelayError(e, `kv write ${key}`)
      if (!isCasConflict(last)) throw last
    }
  }
  throw new KvConflictError({ bucket: o.bucket ?? 'kv', key, attempts, cause: last })
}
