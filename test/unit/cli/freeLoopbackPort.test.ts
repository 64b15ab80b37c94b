import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { freeLoopbackPort } from '../../../cli/devnet/freeLoopbackPort.js'

const bind = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()))
  })

describe('freeLoopbackPort', () => {
  it('hands out distinct bindable ports below the kernel ephemeral range', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    const ports = []
    for (let i = 0; i < 20; i++) ports.push(await freeLoopbackPort('test'))
    expect(new Set(ports).size).toBe(ports.length)
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(10_000)
      expect(p).toBeLessThan(low)
      await bind(p)
    }
  })
})
