import { ApiUnavailableError, IsthmusApiError } from '../errors.js'

/** The `fetch` the client uses (the global one by default; tests and proxies may pass their own). */
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>

export interface RequestJsonOptions {
  apiUrl: string
  fetch: FetchFn
  timeoutMs: number
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string | number | undefined>
  body?: unknown
  signal?: AbortSignal
}

/** Append `query` (skipping undefined values) to `apiUrl` + `path`. */
export const apiUrlOf = (apiUrl: string, path: string, query: Record<string, string | number | undefined> = {}) => {
  // Relative to the base, so an API mounted under a path prefix keeps it.
  const u = new URL(path.replace(/^\/+/, ''), apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`)
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v))
  return u.toString()
}

/** JSON with bigints as decimal strings (the API's convention). */
export const toJsonBody = (v: unknown): string =>
  JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x))

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/**
 * One API call: JSON in, JSON out, bounded by `timeoutMs`.
 * @throws IsthmusApiError for an error document (4xx/5xx), ApiUnavailableError when the API
 *   cannot be reached or does not answer with JSON
 */
export const requestJson = async <T>(o: RequestJsonOptions): Promise<T> => {
  const url = apiUrlOf(o.apiUrl, o.path, o.query)
  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])]
  let res: Response
  try {
    res = await o.fetch(url, {
      method: o.method,
      headers: { accept: 'application/json', ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(o.body === undefined ? {} : { body: toJsonBody(o.body) }),
      signal: AbortSignal.any(signals),
    })
  } catch (cause) {
    const detail =
      isRecord(cause) && cause['name'] === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : 'connection failed'
    throw new ApiUnavailableError({ url: o.apiUrl, detail, cause })
  }
  let doc: unknown
  try {
    doc = await res.json()
  } catch (cause) {
    throw new ApiUnavailableError({ url: o.apiUrl, detail: `HTTP ${res.status} with a body that is not JSON`, cause })
  }
  if (res.ok) return doc as T
  const err = isRecord(doc) && isRecord(doc['error']) ? doc['error'] : undefined
  if (!err || typeof err['code'] !== 'string')
    throw new ApiUnavailableError({ url: o.apiUrl, detail: `HTTP ${res.status} without an error document` })
  throw new IsthmusApiError({
    status: res.status,
    apiCode: err['code'],
    message: typeof err['message'] === 'string' ? err['message'] : '',
    ...(typeof err['field'] === 'string' ? { field: err['field'] } : {}),
    ...(typeof err['expected'] === 'string' ? { expected: err['expected'] } : {}),
  })
}
