import type { Logger } from 'pino'
import { type Observable, Subject } from 'rxjs'
import { type RelayError, RpcError, RpcTimeoutError } from '../../errors.js'
import type { ChainRef } from '../../types.js'
import type { RpcCallRecord } from '../types.js'
import { backoffDelayMs } from './backoffDelayMs.js'
import { redactUrl } from './redactUrl.js'
import { type JsonRpcFault, toRelayError } from './toRelayError.js'

/** One HTTP exchange: POST `body` to `url`, resolve with the status and the raw response text. */
export type RpcTransport = (url: string, body: string, signal: AbortSignal) => Promise<{ status: number; text: string }>

export interface RpcClientOptions {
  chain: ChainRef
  urls: readonly string[]
  requestTimeoutMs: number
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
  log: Logger
  /** Consecutive failures after which an endpoint is tried last for `breakerCooldownMs`. */
  breakerThreshold?: number
  breakerCooldownMs?: number
  transport?: RpcTransport
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

export interface RequestOptions {
  /** Only these endpoint indexes, in this order (default: all, healthiest first). */
  endpoints?: readonly number[]
  maxAttempts?: number
}

export interface EndpointStats {
  endpoint: string
  calls: number
  failures: number
  timeouts: number
}

/** A multi-endpoint JSON-RPC client: per-request timeout, retry with backoff, failover, circuit breaker. */
export interface RpcClient {
  readonly chain: ChainRef
  readonly endpointCount: number
  /** The credential-free label of endpoint `i`, safe for logs and errors. */
  endpointLabel(i: number): string
  /**
   * Call `method`; retryable failures move on to the next endpoint, with capped exponential
   * backoff and jitter once every endpoint was tried.
   * @throws RpcTimeoutError, RpcError (its `cause` is the JSON-RPC fault when the node answered one)
   */
  request<T>(method: string, params?: readonly unknown[], o?: RequestOptions): Promise<T>
  /** Whether endpoint `i`'s circuit breaker is open (it failed repeatedly and is cooling down). */
  isOpen(i: number): boolean
  stats(): EndpointStats[]
  /** Hot: one record per attempt (endpoint label, method, duration, error code) for metrics. */
  readonly calls$: Observable<RpcCallRecord>
}

const fetchTransport: RpcTransport = async (url, body, signal) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal })
  return { status: res.status, text: await res.text() }
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

interface Endpoint {
  url: string
  label: string
  consecutiveFailures: number
  openUntilMs: number
  stats: EndpointStats
}

/**
 * Create the RPC layer of the EVM adapter. Garbled or truncated JSON, a wrong response id,
 * HTTP errors and timeouts all count as failures of that endpoint (F-01..F-03).
 * @example
 * const rpc = createRpcClient({ chain: 'evm:1', urls, requestTimeoutMs: 5000, maxAttempts: 6, backoffBaseMs: 100, backoffMaxMs: 5000, log })
 * const head = await rpc.request<string>('eth_blockNumber')
 */
export const createRpcClient = (o: RpcClientOptions): RpcClient => {
  const transport = o.transport ?? fetchTransport
  const sleep = o.sleep ?? realSleep
  const now = o.now ?? Date.now
  const breakerThreshold = o.breakerThreshold ?? 3
  const breakerCooldownMs = o.breakerCooldownMs ?? Math.max(o.backoffMaxMs, 5 * o.requestTimeoutMs)
  const log = o.log.child({ component: 'rpc' })
  const endpoints: Endpoint[] = o.urls.map((url) => {
    const label = redactUrl(url)
    return {
      url,
      label,
      consecutiveFailures: 0,
      openUntilMs: 0,
      stats: { endpoint: label, calls: 0, failures: 0, timeouts: 0 },
    }
  })
  let preferred = 0
  let seq = 0
  const calls = new Subject<RpcCallRecord>()

  const order = (only?: readonly number[]): number[] => {
    if (only) return [...only]
    const all = endpoints.map((_, k) => (preferred + k) % endpoints.length)
    const t = now()
    return [...all.filter((i) => endpoints[i]!.openUntilMs <= t), ...all.filter((i) => endpoints[i]!.openUntilMs > t)]
  }

  const once = async <T>(i: number, method: string, params: readonly unknown[]): Promise<T> => {
    const ep = endpoints[i]!
    const startMs = now()
    try {
      const r = await attempt<T>(i, method, params)
      if (calls.observed) calls.next({ chain: o.chain, endpoint: ep.label, method, durationMs: now() - startMs })
      return r
    } catch (e) {
      if (calls.observed) {
        const code = toRelayError(e, { chain: o.chain, method, endpoint: ep.label }).code
        calls.next({ chain: o.chain, endpoint: ep.label, method, durationMs: now() - startMs, errorCode: code })
      }
      throw e
    }
  }

  const attempt = async <T>(i: number, method: string, params: readonly unknown[]): Promise<T> => {
    const ep = endpoints[i]!
    ep.stats.calls++
    const id = ++seq
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
    const ctrl = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctrl.abort()
        reject(new RpcTimeoutError({ chain: o.chain, method, timeoutMs: o.requestTimeoutMs }))
      }, o.requestTimeoutMs)
    })
    try {
      const res = await Promise.race([transport(ep.url, body, ctrl.signal), timedOut])
      if (res.status < 200 || res.status >= 300) {
        throw new RpcError({
          chain: o.chain,
          method,
          endpoint: ep.label,
          retryable: true,
          cause: { httpStatus: res.status },
        })
      }
      return parseResponse<T>(res.text, id, method, ep.label)
    } catch (e) {
      throw toRelayError(e, { chain: o.chain, method, endpoint: ep.label, timeoutMs: o.requestTimeoutMs })
    } finally {
      clearTimeout(timer)
    }
  }

  const parseResponse = <T>(text: string, id: number, method: string, endpoint: string): T => {
    let j: unknown
    try {
      j = JSON.parse(text)
    } catch (e) {
      throw new RpcError({ chain: o.chain, method, endpoint, retryable: true, cause: e })
    }
    const r = j as {
      jsonrpc?: unknown
      id?: unknown
      result?: unknown
      error?: { code?: unknown; message?: unknown; data?: unknown }
    }
    const bad = (why: string) =>
      new RpcError({ chain: o.chain, method, endpoint, retryable: true, cause: { malformedResponse: why } })
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw bad('not a JSON-RPC object')
    if (r.id !== id) throw bad('response id does not match the request')
    if (r.error !== undefined) {
      if (typeof r.error?.code !== 'number' || typeof r.error.message !== 'string') throw bad('malformed error object')
      const fault: JsonRpcFault = {
        kind: 'json-rpc-fault',
        code: r.error.code,
        message: r.error.message,
        data: r.error.data,
      }
      throw toRelayError(fault, { chain: o.chain, method, endpoint })
    }
    if (!('result' in r)) throw bad('neither result nor error')
    return r.result as T
  }

  const onSuccess = (i: number) => {
    const ep = endpoints[i]!
    ep.consecutiveFailures = 0
    ep.openUntilMs = 0
    preferred = i
  }

  const onFailure = (i: number, err: RelayError) => {
    const ep = endpoints[i]!
    ep.stats.failures++
    if (err instanceof RpcTimeoutError) ep.stats.timeouts++
    ep.consecutiveFailures++
    if (ep.consecutiveFailures >= breakerThreshold) ep.openUntilMs = now() + breakerCooldownMs
    if (preferred === i && endpoints.length > 1) preferred = (i + 1) % endpoints.length
  }

  const request = async <T>(method: string, params: readonly unknown[] = [], ro: RequestOptions = {}): Promise<T> => {
    const seqOrder = order(ro.endpoints)
    const maxAttempts = ro.maxAttempts ?? o.maxAttempts
    let last: RelayError | undefined
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const i = seqOrder[(attempt - 1) % seqOrder.length]!
      try {
        const r = await once<T>(i, method, params)
        onSuccess(i)
        return r
      } catch (e) {
        const err = toRelayError(e, { chain: o.chain, method, endpoint: endpoints[i]!.label })
        if (!err.retryable) throw err
        onFailure(i, err)
        last = err
        log.warn({ err, method, endpoint: endpoints[i]!.label, attempt, maxAttempts }, 'rpc request failed')
        // Fail over at once while untried endpoints remain; back off once per full round.
        if (attempt < maxAttempts && attempt % seqOrder.length === 0) {
          await sleep(backoffDelayMs(attempt / seqOrder.length, o.backoffBaseMs, o.backoffMaxMs))
        }
      }
    }
    throw last ?? new RpcError({ chain: o.chain, method, retryable: true })
  }

  return {
    chain: o.chain,
    endpointCount: endpoints.length,
    endpointLabel: (i) => endpoints[i]?.label ?? `#${i}`,
    request,
    isOpen: (i) => (endpoints[i]?.openUntilMs ?? 0) > now(),
    stats: () => endpoints.map((e) => ({ ...e.stats })),
    calls$: calls.asObservable(),
  }
}
