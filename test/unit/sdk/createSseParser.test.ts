import { createSseParser, type SseMessage } from '../../../sdk/index.js'

const STREAM =
  ': heartbeat\n\nid: 1\nevent: observed\ndata: {"a":1}\n\nid: 2\r\nevent: delivered\r\ndata: line1\r\ndata: line2\r\n\r\nid: 3\revent: failed\rdata: x\r\rretry: 250\ndata: y\n\n'

const parseIn = (chunks: string[]): SseMessage[] => {
  const p = createSseParser()
  return chunks.flatMap((c) => p.push(c))
}

const EXPECTED: SseMessage[] = [
  { id: '1', event: 'observed', data: '{"a":1}' },
  { id: '2', event: 'delivered', data: 'line1\nline2' },
  { id: '3', event: 'failed', data: 'x' },
  { id: '3', event: 'message', data: 'y', retryMs: 250 },
]

describe('createSseParser', () => {
  it('parses LF, CRLF and CR line ends, comments, multi-line data, id persistence and retry', () =>
    expect(parseIn([STREAM])).toEqual(EXPECTED))

  it('gives the same events when the stream is split at every position', () => {
    for (let i = 0; i <= STREAM.length; i++) expect(parseIn([STREAM.slice(0, i), STREAM.slice(i)])).toEqual(EXPECTED)
  })

  it('gives the same events when fed one character at a time', () => expect(parseIn([...STREAM])).toEqual(EXPECTED))

  it('never dispatches an event cut before its blank line, and keeps the last id', () => {
    const p = createSseParser()
    expect(p.push('id: 9\nevent: delivered\ndata: {"half":')).toEqual([])
    expect(p.lastEventId()).toBe('9')
  })

  it('strips a leading BOM and one space after the colon only', () =>
    expect(parseIn(['\uFEFFdata:  two spaces\n\n'])).toEqual([{ id: '', event: 'message', data: ' two spaces' }]))

  it('ignores events without data and unknown fields', () =>
    expect(parseIn(['event: x\nfoo: bar\n\nid: 4\n\n'])).toEqual([]))
})
