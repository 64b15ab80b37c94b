import { map, of, timer } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { batchWhileBusy } from '../../../relayer/index.js'

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
const joined = (batch: string[]) => of(batch.join(''))

describe('batchWhileBusy', () => {
  it('sends what arrived within the linger time as one batch when idle', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a 9ms b 99ms c 9ms |')
      const out = src.pipe(batchWhileBusy(joined, { maxBatch: 10, lingerMs: 50 }))
      // a (0) opens the linger, b (10) joins it; c (110) opens another, and the end (120) sends it at once.
      expectObservable(out).toBe('50ms x 69ms (y|)', { x: 'ab', y: 'c' })
    })
  })

  it('sends a full batch at once without waiting for the linger time', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('abc 100ms |').pipe(batchWhileBusy(joined, { maxBatch: 2, lingerMs: 50 }))
      expectObservable(out).toBe('-x 50ms y 50ms |', { x: 'ab', y: 'c' })
    })
  })

  it('collects arrivals while a batch is in flight and sends them the moment it finishes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const slow = (batch: string[]) => timer(100).pipe(map(() => batch.join('')))
      const src = cold('a 19ms b 9ms c 9ms d 200ms |')
      const out = src.pipe(batchWhileBusy(slow, { maxBatch: 10, lingerMs: 10 }))
      // [a] leaves at 10 and finishes at 110; b, c, d waited meanwhile and leave at 110 (no second linger).
      expectObservable(out).toBe('110ms x 99ms y 30ms |', { x: 'a', y: 'bcd' })
    })
  })

  it('never sends more than maxBatch items in one batch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const slow = (batch: string[]) => timer(100).pipe(map(() => batch.join('')))
      const out = cold('a 19ms bcdef 200ms |').pipe(batchWhileBusy(slow, { maxBatch: 2, lingerMs: 10 }))
      expectObservable(out).toBe('110ms x 99ms y 99ms z 99ms (w|)', { x: 'a', y: 'bc', z: 'de', w: 'f' })
    })
  })

  it('hands queued items to onAbandon when the source ends, after the in-flight batch finishes', () => {
    const abandoned: string[][] = []
    scheduler().run(({ cold, expectObservable }) => {
      const slow = (batch: string[]) => timer(100).pipe(map(() => batch.join('')))
      const out = cold('a 19ms b 9ms |').pipe(
        batchWhileBusy(slow, { maxBatch: 10, lingerMs: 10, onAbandon: (rest) => abandoned.push(rest) }),
      )
      expectObservable(out).toBe('110ms (x|)', { x: 'a' })
    })
    expect(abandoned).toEqual([['b']])
  })

  it('completes at once when the source ends with nothing queued or in flight', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(batchWhileBusy(joined, { maxBatch: 5, lingerMs: 10 }))).toBe('|')
    })
  })
})
