import { nanos } from '@nats-io/transport-node'
import { streamConfigs } from '../../../relayer/nats/ensureTopology.js'

describe('streamConfigs', () => {
  it('declares the six streams with file storage and the configured replicas', () => {
    const cfgs = streamConfigs({ replicas: 3 })
    expect(cfgs.map((c) => [c.name, c.subjects, c.retention])).toEqual([
      ['ATTESTATIONS', ['isthmus.att.>'], 'limits'],
      ['DELIVERIES', ['isthmus.dlv.>'], 'workqueue'],
      ['MEMBER_DELIVERIES', ['isthmus.dlvm.>'], 'limits'],
      ['EVENTS', ['isthmus.evt.>'], 'limits'],
      ['PROOFS', ['isthmus.proof.>'], 'limits'],
      ['DEAD_LETTERS', ['isthmus.dlq.>'], 'limits'],
    ])
    expect(cfgs.every((c) => c.storage === 'file' && c.num_replicas === 3)).toBe(true)
  })

  it('never sets a max age shorter than the duplicate window (JetStream refuses it)', () => {
    const cfgs = streamConfigs({ duplicateWindowMs: 600_000, maxAgeMs: { events: 60_000, proofs: 0 } })
    const events = cfgs.find((c) => c.name === 'EVENTS')!
    expect(events.max_age).toBe(nanos(600_000))
    expect(cfgs.find((c) => c.name === 'PROOFS')!.max_age).toBe(0)
    expect(cfgs.every((c) => c.duplicate_window === nanos(600_000))).toBe(true)
  })
})
