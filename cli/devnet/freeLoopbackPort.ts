import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { ProcessFailedError } from '../../errors.js'

// Ports this process handed out: their user may not have bound them yet.
const handedOut = new Set<number>()
const FLOOR = 10_000

/** The low end of the kernel's ephemeral port range (Linux; 32768 elsewhere). */
const ephemeralLow = (): number => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > FLOOR ? low : 32_768
  } catch {
    return 32_768
  }
}

/** Bind 127.0.0.1:`port` (0: any) and release it; the port bound, or undefined if it was taken. */
const probe = (port: number): Promise<number | undefined> =>
  new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(undefined))
    srv.listen(port, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : undefined))
    })
  })

/**
 * A loopback port that is free now, for a process that binds it a moment later (Fabric peers,
 * nats-server). Picked below the kernel's ephemeral range: outgoing connections and `listen(0)`
 * take their ports from that range, so they cannot grab this one in between (a chaincode server
 * once failed with EADDRINUSE on a port an outgoing connection had taken). Falls back to an
 * OS-chosen port.
 * @throws ProcessFailedError when no port can be bound at all
 */
export const freeLoopbackPort = async (forWhat: string): Promise<number> => {
  const low = ephemeralLow()
  for (let i = 0; i < 64 && low - FLOOR > 1_000; i++) {
    const candidate = FLOOR + Math.floor(Math.random() * (low - FLOOR))
    if (handedOut.has(candidate)) continue
    if ((await probe(candidate)) === candidate) {
      handedOut.add(candidate)
      return candidate
    }
  }
  const port = await probe(0)
  if (port === undefined) throw new ProcessFailedError({ name: forWhat, detail: 'no free loopback port' })
  handedOut.add(port)
  return port
}
