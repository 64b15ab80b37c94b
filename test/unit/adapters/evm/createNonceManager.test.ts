import { createNonceManager } from '../../../../adapters/evm/createNonceManager.js'

describe('createNonceManager', () => {
  it('hands out consecutive nonces above the pending count to concurrent callers', async () => {
    const m = createNonceManager(async () => 5n)
    expect(await Promise.all([m.reserve(), m.reserve(), m.reserve()])).toEqual([5n, 6n, 7n])
  })

  it('reuses a released top nonce so no gap is left', async () => {
    const m = createNonceManager(async () => 0n)
    expect(await m.reserve()).toBe(0n)
    m.release(0n)
    expect(await m.reserve()).toBe(0n)
  })

  it('fills a released hole below the top before going higher', async () => {
    let pending = 0n
    const m = createNonceManager(async () => pending)
    await m.reserve()
    await m.reserve()
    await m.reserve()
    pending = 1n // nonce 0 mined; 1 failed to broadcast; 2 in flight
    m.release(1n)
    expect(await m.reserve()).toBe(1n)
    expect(await m.reserve()).toBe(3n)
  })

  it('collapses holes that end up at the top', async () => {
    const m = createNonceManager(async () => 0n)
    await Promise.all([m.reserve(), m.reserve(), m.reserve()])
    m.release(1n)
    m.release(2n)
    expect(await m.reserve()).toBe(1n)
    expect(await m.reserve()).toBe(2n)
  })

  it('follows the chain after a resync', async () => {
    let pending = 0n
    const m = createNonceManager(async () => pending)
    await m.reserve()
    await m.reserve()
    pending = 9n // another process used the key
    m.resync()
    expect(await m.reserve()).toBe(9n)
  })

  it('skips the journal when the chain is ahead of it', async () => {
    let pending = 0n
    const m = createNonceManager(async () => pending)
    await m.reserve()
    pending = 4n
    expect(await m.reserve()).toBe(4n)
  })
})
