import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { ConfigInvalidError } from '../../errors.js'

/** How an injected failure answers the client. */
export type FaultReply =
  | { kind: 'http'; status: number }
  | { kind: 'rpc-error'; code: number; message: string }
  | { kind: 'reset' }

/**
 * What the proxy does with the requests it receives. `methods` limits a fault to those JSON-RPC
 * methods (others pass through).
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'hang'; methods?: string[] }
  | { kind: 'status'; status: number; methods?: string[] }
  | { kind: 'garble'; methods?: string[] }
  | { kind: 'truncate'; methods?: string[] }
  /**
   * Fail every `every`-th call of `method` (the every-th, 2·every-th, ...): `drop` answers with
   * `reply` without forwarding; `forward` forwards (the node executes it) and then answers with `reply`.
   */
  | { kind: 'fail-every'; method: string; every: number; variant: 'drop' | 'forward'; reply?: FaultReply }

export interface FaultProxy {
  readonly url: string
  setMode(mode: FaultMode): void
  /** Point the proxy at another loopback node (F-06: the wrong chain behind a known URL). */
  setUpstream(url: string): void
  /** Requests seen per JSON-RPC method. */
  calls(): Record<string, number>
  /** Faults injected so far. */
  faults(): number
  close(): Promise<void>
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/

const checkLoopback = (url: string): URL => {
  const u = URL.canParse(url) ? new URL(url) : undefined
  if (u?.protocol !== 'http:' || !LOOPBACK.test(u.hostname)) {
    throw new ConfigInvalidError({
      source: 'fault proxy',
      issues: [{ path: 'upstream', message: 'must be an http URL on loopback' }],
    })
  }
  return u
}

const methodOf = (body: string): string => {
  try {
    const j = JSON.parse(body) as { method?: unknown } | { method?: unknown }[]
    const first = Array.isArray(j) ? j[0] : j
    return typeof first?.method === 'string' ? first.method : '?'
  } catch {
    return '?'
  }
}

const idOf = (body: string): unknown => {
  try {
    return (JSON.parse(body) as { id?: unknown }).id ?? null
  } catch {
    return null
  }
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString()))
    req.on('error', reject)
  })

/**
 * A loopback HTTP JSON-RPC proxy with switchable faults, for the F-01..F-06 and F-22 tests.
 * It listens on an OS-chosen port of 127.0.0.1 and only ever forwards to the loopback upstream.
 */
export const startFaultProxy = async (o: { upstream: string }): Promise<FaultProxy> => {
  let upstream = checkLoopback(o.upstream)
  let mode: FaultMode = { kind: 'pass' }
  const perMethod: Record<string, number> = {}
  const everyCount: Record<string, number> = {}
  let injected = 0
  const sockets = new Set<Socket>()

  const forward = async (body: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(30_000),
    })
    return { status: res.status, text: await res.text() }
  }

  const send = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  const reply = (req: IncomingMessage, res: ServerResponse, r: FaultReply, body: string) => {
    injected++
    if (r.kind === 'reset') return void req.socket.destroy()
    if (r.kind === 'http') return send(res, r.status, JSON.stringify({ error: 'fault injected' }))
    send(res, 200, JSON.stringify({ jsonrpc: '2.0', id: idOf(body), error: { code: r.code, message: r.message } }))
  }

  const applies = (m: FaultMode, method: string) => !('methods' in m) || !m.methods || m.methods.includes(method)

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req)
    const method = methodOf(body)
    perMethod[method] = (perMethod[method] ?? 0) + 1
    const m = mode
    if (m.kind !== 'pass' && m.kind !== 'fail-every' && applies(m, method)) {
      if (m.kind === 'hang') return void injected++ // never answered; the socket is destroyed on close()
      if (m.kind === 'status') return reply(req, res, { kind: 'http', status: m.status }, body)
      const up = await forward(body)
      injected++
      // garble: valid UTF-8, invalid JSON; truncate: the first half of a valid answer.
      const text =
        m.kind === 'garble'
          ? `{"jsonrpc":"2.0","id":${up.text.slice(20, 40)}<<garbled>>`
          : up.text.slice(0, up.text.length >> 1)
      return send(res, up.status, text)
    }
    if (m.kind === 'fail-every' && m.method === method) {
      everyCount[method] = (everyCount[method] ?? 0) + 1
      if (everyCount[method] % m.every === 0) {
        const r = m.reply ?? { kind: 'http', status: 503 }
        if (m.variant === 'forward') await forward(body)
        return reply(req, res, r, body)
      }
    }
    const up = await forward(body)
    send(res, up.status, up.text)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 502, JSON.stringify({ error: 'upstream unreachable' }))
      else res.destroy()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    setMode: (next) => {
      mode = next
      for (const k of Object.keys(everyCount)) delete everyCount[k]
    },
    setUpstream: (url) => {
      upstream = checkLoopback(url)
    },
    calls: () => ({ ...perMethod }),
    faults: () => injected,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
