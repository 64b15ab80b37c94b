import { lastValueFrom, Subject, toArray } from 'rxjs'
import { messageStatus$ } from '../../../sdk/messageStatus.js'
import type { Hex, MessageView, StatusEventJson, WatchEvent } from '../../../sdk/types.js'

const ID = `0x${'ab'.repeat(32)}` as Hex
const AT = '2026-11-21T00:00:00.000Z'

const event = (status: StatusEventJson['status'], extra: Partial<StatusEventJson> = {}): WatchEvent => ({
  seq: '1',
  event: { v: 1, status, id: ID, origin: 1, destination: 2, nonce: '7', at: AT, ...extra },
})

const view = (status: MessageView['status'], extra: Partial<MessageView> = {}): MessageView => ({
  id: ID,
  origin: 1,
  destination: 2,
  nonce: '7',
  status,
  stages: { [status]: AT },
  ...extra,
})

/** A getMessage whose answers the test releases one at a time (a GET that races the SSE stream). */
const heldAnswers = () => {
  const pending: Array<() => void> = []
  const answers: MessageView[] = []
  let onCall: () => void = () => {}
  return {
    answer: (m: MessageView) => answers.push(m),
    /** Resolves once a GET is in flight. */
    inFlight: () => (pending.length > 0 ? Promise.resolve() : new Promise<void>((r) => (onCall = r))),
    release: () => {
      const next = pending.shift()
      if (!next) throw new RangeError('no GET in flight')
      next()
    },
    getMessage: () =>
      new Promise<MessageView>((resolve, reject) => {
        const next = answers.shift()
        pending.push(() => (next ? resolve(next) : reject(new Error('no answer queued'))))
        onCall()
      }),
  }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('messageStatus$', () => {
  it('drops a poll answer older than events already emitted (a GET that raced the stream)', async () => {
    const events$ = new Subject<WatchEvent>()
    const api = heldAnswers()
    api.answer(view('dispatched'))
    const all = lastValueFrom(
      messageStatus$({ id: ID, events$, getMessage: api.getMessage, pollIntervalMs: 60_000 }).pipe(toArray()),
    )
    await api.inFlight() // the first poll is in flight
    events$.next(event('observed'))
    events$.next(event('verified'))
    api.release() // its answer, taken before `observed`, arrives now
    await tick()
    events$.next(event('delivered', { txHash: `0x${'cd'.repeat(32)}` as Hex }))
    expect((await all).map((u) => [u.status, u.via])).toEqual([
      ['observed', 'event'],
      ['verified', 'event'],
      ['delivered', 'event'],
    ])
  })

  it('carries the message on polls alone when the stream gives nothing, in order, and ends at delivered', async () => {
    const events$ = new Subject<WatchEvent>()
    const answers = [view('dispatched'), view('verified'), view('verified'), view('delivered')]
    const updates = await lastValueFrom(
      messageStatus$({
        id: ID,
        events$,
        getMessage: async () => answers.shift() ?? view('delivered'),
        pollIntervalMs: 5,
      }).pipe(toArray()),
    )
    expect(updates.map((u) => [u.status, u.via])).toEqual([
      ['dispatched', 'poll'],
      ['verified', 'poll'],
      ['delivered', 'poll'],
    ])
  })

  it('lets an off-pipeline poll status (queued, failed) through after later pipeline events', async () => {
    const events$ = new Subject<WatchEvent>()
    const api = heldAnswers()
    api.answer(
      view('failed', { waitingFor: undefined, failure: { reason: 'RECIPIENT_REVERTED', retryable: false, at: AT } }),
    )
    const all = lastValueFrom(
      messageStatus$({ id: ID, events$, getMessage: api.getMessage, pollIntervalMs: 60_000 }).pipe(toArray()),
    )
    await api.inFlight()
    events$.next(event('certified'))
    api.release()
    const updates = await all
    expect(updates.map((u) => u.status)).toEqual(['certified', 'failed'])
  })

  it('ignores other messages on the stream and repeats of one change', async () => {
    const events$ = new Subject<WatchEvent>()
    const all = lastValueFrom(
      messageStatus$({
        id: ID,
        events$,
        getMessage: () => new Promise<MessageView>(() => {}),
        pollIntervalMs: 60_000,
      }).pipe(toArray()),
    )
    events$.next({ seq: '1', event: { ...event('observed').event, id: `0x${'11'.repeat(32)}` as Hex } })
    events$.next(event('observed'))
    events$.next(event('observed'))
    events$.next(event('attested', { count: 1, threshold: 2 }))
    events$.next(event('attested', { count: 2, threshold: 2 }))
    events$.next(event('delivered'))
    expect((await all).map((u) => `${u.status}${u.event?.count ?? ''}`)).toEqual([
      'observed',
      'attested1',
      'attested2',
      'delivered',
    ])
  })
})
