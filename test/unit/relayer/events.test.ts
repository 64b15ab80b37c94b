import { readFileSync } from 'node:fs'
import { WireFormatError } from '../../../errors.js'
import {
  EVENT_STATUSES,
  encodeStatusEvent,
  eventMsgId,
  parseStatusEvent,
  type StatusEvent,
} from '../../../relayer/nats/events.js'
import { eventSubject } from '../../../relayer/nats/subjects.js'
import { thrown } from '../../harness/thrown.js'

const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8')
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!)
const enc = new TextEncoder()

describe('docs/events.md', () => {
  it('has one example per status', () => {
    const statuses = examples.map((e) => (JSON.parse(e) as { status: string }).status)
    expect(statuses).toEqual([...EVENT_STATUSES])
  })

  it.each(examples.map((e) => [(JSON.parse(e) as { status: string }).status, e]))('parses the %s example', (_, e) => {
    const ev = parseStatusEvent(enc.encode(e))
    expect(typeof ev.nonce).toBe('bigint')
    // encode(parse(x)) gives back the same JSON document.
    expect(JSON.parse(new TextDecoder().decode(encodeStatusEvent(ev)))).toEqual(JSON.parse(e))
  })
})

describe('parseStatusEvent', () => {
  const base = JSON.parse(examples[2]!) as Record<string, unknown>
  const bad: [string, Record<string, unknown>][] = [
    ['an unknown status', { ...base, status: 'teleported' }],
    ['version 2', { ...base, v: 2 }],
    ['a numeric nonce', { ...base, nonce: 0 }],
    ['a nonce above uint64', { ...base, nonce: (2n ** 64n).toString() }],
    ['a short id', { ...base, id: '0x1234' }],
    ['a negative domain', { ...base, origin: -1 }],
    ['a count of zero', { ...base, count: 0 }],
    ['a missing field of its status', { ...base, signer: undefined }],
    ['a bad timestamp', { ...base, at: 'yesterday' }],
    ['a relayer name with a dot', { ...base, relayer: 'a.b' }],
    ['an unknown failure reason', { ...(JSON.parse(examples[6]!) as object), reason: 'BAD_LUCK' }],
  ]
  it.each(bad)('throws WireFormatError for %s', (_, e) => {
    expect(thrown(() => parseStatusEvent(enc.encode(JSON.stringify(e))))).toBeInstanceOf(WireFormatError)
  })

  it('throws WireFormatError naming the field for bytes that are not JSON', () => {
    const e = thrown(() => parseStatusEvent(enc.encode('{"v":')))
    expect(e).toBeInstanceOf(WireFormatError)
    expect((e as WireFormatError).meta.issues).toEqual(['not UTF-8 JSON'])
  })
})

describe('eventMsgId and eventSubject', () => {
  const parsed = examples.map((e) => parseStatusEvent(enc.encode(e)))
  const byStatus = (s: string) => parsed.find((p) => p.status === s) as StatusEvent
  it('keys attested events by count and failed events by time, others by status and id', () => {
    const id = byStatus('observed').id
    expect(eventMsgId(byStatus('observed'))).toBe(`evt:observed:${id}`)
    expect(eventMsgId(byStatus('attested'))).toBe(`evt:attested:${id}:1`)
    expect(eventMsgId(byStatus('failed'))).toBe(`evt:failed:${id}:2026-11-21T15:40:02.000Z`)
  })

  it('routes an event to isthmus.evt.<status>.<origin>.<dest>', () => {
    const e = byStatus('delivered')
    expect(eventSubject(e.status, e.origin, e.destination)).toBe('isthmus.evt.delivered.1.2')
  })
})
