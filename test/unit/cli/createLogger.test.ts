import { Writable } from 'node:stream'
import { createLogger } from '../../../cli/createLogger.js'
import { RpcTimeoutError } from '../../../errors.js'

const capture = () => {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  return { lines, stream }
}

describe('createLogger', () => {
  it('never prints private keys, mnemonics or passwords', () => {
    const { lines, stream } = capture()
    const log = createLogger({ level: 'info' }, stream)
    const key = `0x${'ab'.repeat(32)}`
    log.info(
      { signer: { privateKey: key }, privateKey: key, wallet: { mnemonic: 'test test' }, password: 'pw' },
      'keys',
    )
    expect(lines.join('')).not.toContain('abab')
    expect(lines.join('')).not.toContain('test test')
    expect(JSON.parse(lines[0]!).signer.privateKey).toBe('[redacted]')
  })

  it('writes bigint fields as decimal strings and keeps the message constant', () => {
    const { lines, stream } = capture()
    createLogger({ level: 'info' }, stream).info({ msgId: '0x01', blockNumber: 2n ** 70n }, 'message delivered')
    const line = JSON.parse(lines[0]!)
    expect(line.blockNumber).toBe((2n ** 70n).toString())
    expect(line.msg).toBe('message delivered')
    expect(line.level).toBe('info')
  })

  it('serialises typed errors under err with code and cause', () => {
    const { lines, stream } = capture()
    const err = new RpcTimeoutError({
      chain: 'evm:1',
      method: 'eth_getLogs',
      timeoutMs: 10,
      cause: new Error('socket hang up'),
    })
    createLogger({ level: 'info' }, stream).warn({ err, attempt: 2 }, 'rpc failed, will retry')
    const line = JSON.parse(lines[0]!)
    expect(line.err.code).toBe('RPC_TIMEOUT')
    expect(line.err.type).toBe('RpcTimeoutError')
    expect(line.err.cause.message).toBe('socket hang up')
  })
})
