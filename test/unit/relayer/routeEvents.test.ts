import { readFileSync } from 'node:fs'
import { WireFormatError } from '../../../errors.js'
import { parseRouteHaltedEvent, parseStatusEvent } from '../../../relayer/index.js'
import { thrown } from '../../harness/thrown.js'

const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8')
const example = [...doc.matchAll(/```jsonc\n([\s\S]*?)```/g)]
  .map((m) => m[1]!)
  .filter((x) => x.includes('"status": "halted"'))
const enc = new TextEncoder()

describe('route events (docs/events.md "Route events")', () => {
  it('parses the documented halted example', () => {
    expect(example).toHaveLength(1)
    expect(parseRouteHaltedEvent(enc.encode(example[0]!))).toMatchObject({
      status: 'halted',
      origin: 1,
      destination: 2,
      code: 'EQUIVOCATION',
    })
  })

  it('is not a message status event (readers of the message schema see it as opaque)', () => {
    expect(thrown(() => parseStatusEvent(enc.encode(example[0]!)))).toBeInstanceOf(WireFormatError)
  })

  it('refuses a halted event without the code that halted the route', () => {
    const { code: _, ...rest } = JSON.parse(example[0]!) as Record<string, unknown>
    expect(thrown(() => parseRouteHaltedEvent(enc.encode(JSON.stringify(rest))))).toBeInstanceOf(WireFormatError)
  })
})
