import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { jest } from '@jest/globals'
import { findNatsServerBinary, startNatsServer } from '../../../cli/devnet/startNatsServer.js'
import { ToolNotFoundError } from '../../../errors.js'
import { thrown } from '../../harness/thrown.js'

jest.setTimeout(30_000)

describe('findNatsServerBinary', () => {
  it('throws ToolNotFoundError naming the install command when nothing is found', () => {
    const e = thrown(() => findNatsServerBinary({ PATH: '' }, ['/nonexistent/nats-server']))
    expect(e).toBeInstanceOf(ToolNotFoundError)
    expect((e as ToolNotFoundError).message).toContain('go install github.com/nats-io/nats-server/v2@latest')
  })

  it('prefers $NATS_SERVER_BIN when it exists', () => {
    const real = findNatsServerBinary()
    expect(findNatsServerBinary({ NATS_SERVER_BIN: real, PATH: '' }, [])).toBe(real)
    expect(existsSync(real)).toBe(true)
  })
})

describe('startNatsServer', () => {
  it('restarts on the same store dir on a new port when its old port was taken meanwhile', async () => {
    const s = await startNatsServer()
    try {
      expect(s.url).toBe(`nats://127.0.0.1:${s.port}`)
      const old = s.port
      await s.stop()
      const squatter = createServer()
      await new Promise<void>((r) => squatter.listen(old, '127.0.0.1', () => r()))
      try {
        await s.restart()
        expect(s.port).not.toBe(old)
        expect(s.process.output()).toContain(`Listening for client connections on 127.0.0.1:${s.port}`)
      } finally {
        await new Promise((r) => squatter.close(r))
      }
    } finally {
      await s.dispose()
    }
    expect(existsSync(s.storeDir)).toBe(false)
  })
})
