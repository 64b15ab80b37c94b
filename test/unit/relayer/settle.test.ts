import type { JetStreamClient, JsMsg } from '@nats-io/jetstream'
import { pino } from 'pino'
import { NatsTimeoutError } from '../../../errors.js'
import { settle, settleFailed } from '../../../relayer/nats/settle.js'

// A JsMsg stand-in that records how it was settled (the real-server paths are in test/integration/nats).
const fakeMsg = (deliveryCount: number) => {
  const calls: [string, unknown][] = []
  const m = {
    subject: 'isthmus.att.2.0xid.r',
    data: new Uint8Array(),
    info: { stream: 'ATTESTATIONS', streamSequence: 9, deliveryCount },
    nak: (ms?: number) => calls.push(['nak', ms]),
    term: (r?: string) => calls.push(['term', r]),
    ackAck: async () => {
      calls.push(['ackAck', undefined])
      return true
    },
  }
  return { m: m as unknown as JsMsg, calls }
}
const ctx = { js: {} as JetStreamClient, log: pino({ level: 'silent' }), maxDeliver: 5, retryDelaysMs: [10, 20] }

describe('settleFailed', () => {
  it.each([
    [1, 10],
    [2, 20],
    [4, 20],
  ])('naks delivery %i of a retryable failure after %i ms', async (n, delayMs) => {
    const { m, calls } = fakeMsg(n)
    const r = await settleFailed(m, new NatsTimeoutError({ op: 'x' }), ctx)
    expect(r).toMatchObject({ kind: 'nakked', delayMs })
    expect(calls).toEqual([['nak', delayMs]])
  })
})

describe('settle', () => {
  it('acks only after the effect resolved, and returns its value', async () => {
    const { m, calls } = fakeMsg(1)
    const order: string[] = []
    const r = await settle(
      m,
      async () => {
        order.push(`effect before ack: ${calls.length}`)
        return 42
      },
      ctx,
    )
    expect(order).toEqual(['effect before ack: 0'])
    expect(calls).toEqual([['ackAck', undefined]])
    expect(r).toEqual({ outcome: { kind: 'acked' }, value: 42 })
  })

  it('does not ack when the effect fails', async () => {
    const { m, calls } = fakeMsg(1)
    await settle(m, () => Promise.reject(new NatsTimeoutError({ op: 'x' })), ctx)
    expect(calls).toEqual([['nak', 10]])
  })
})
