import { connect, createServer, type Server, type Socket } from 'node:net'

export interface FaultProxy {
  readonly port: number
  /**
   * Arm a one-shot fault: the next client frame containing `needle` is forwarded to the server,
   * then the client's connection is reset before any reply (a PubAck lost after the PUB, F-15).
   */
  dropAfter(needle: string): void
  /** How many times the armed fault fired. */
  fired(): number
  close(): Promise<void>
}

/** A loopback TCP proxy in front of a real nats-server, able to cut a connection at a chosen frame. */
export const startFaultProxy = (targetPort: number): Promise<FaultProxy> =>
  new Promise((resolve) => {
    let armed: string | undefined
    let fired = 0
    const sockets = new Set<Socket>()
    const server: Server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      sockets.add(client).add(upstream)
      const cut = () => {
        client.destroy()
        // Give the server time to read the frame before it sees the connection close.
        setTimeout(() => upstream.destroy(), 100)
      }
      client.on('data', (d: Buffer) => {
        upstream.write(d)
        if (armed !== undefined && d.toString('latin1').includes(armed)) {
          armed = undefined
          fired++
          cut()
        }
      })
      upstream.on('data', (d: Buffer) => {
        if (!client.destroyed) client.write(d)
      })
      for (const s of [client, upstream]) {
        s.on('error', () => undefined)
        s.on('close', () => {
          sockets.delete(s)
          if (s === upstream) client.destroy()
          else if (!upstream.destroyed && armed === undefined && fired === 0) upstream.destroy()
        })
      }
    })
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address()
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : 0,
        dropAfter: (needle) => {
          armed = needle
        },
        fired: () => fired,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy()
            server.close(() => r())
          }),
      })
    })
  })
