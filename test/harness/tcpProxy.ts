import { createConnection, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  /** `127.0.0.1:<port>` to dial instead of the upstream. */
  readonly endpoint: string
  /** Destroy every open connection (the clients see a reset); new connections still pass. */
  cut(): void
  /** Connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

/** A loopback TCP relay to `upstream` (`host:port`) whose connections a test can cut. */
export const startTcpProxy = async (upstream: string): Promise<TcpProxy> => {
  const [host, port] = [
    upstream.slice(0, upstream.lastIndexOf(':')),
    Number(upstream.slice(upstream.lastIndexOf(':') + 1)),
  ]
  const open = new Set<Socket>()
  let accepted = 0
  const server = createServer((client) => {
    accepted++
    const up = createConnection({ host, port })
    open.add(client)
    open.add(up)
    const drop = () => {
      client.destroy()
      up.destroy()
      open.delete(client)
      open.delete(up)
    }
    client.on('error', drop).on('close', drop)
    up.on('error', drop).on('close', drop)
    client.pipe(up)
    up.pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const a = server.address()
  const p = typeof a === 'object' && a ? a.port : 0
  return {
    endpoint: `127.0.0.1:${p}`,
    cut: () => {
      for (const s of open) s.destroy()
      open.clear()
    },
    connections: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy()
        server.close(() => r())
      }),
  }
}
