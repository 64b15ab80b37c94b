import { pino } from 'pino'
import { firstValueFrom, from, Subject, take, timeout, toArray } from 'rxjs'
import {
  ALERT_KINDS,
  AlertEventSchema,
  alertSubject,
  eventSubjectsOf,
  monitorAlerts$,
  parseStreamedEvent,
  type StatusEvent,
  type StreamedEvent,
  watchReorgs$,
} from '../../../../relayer/index.js'
import type { Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'

const log = pino({ level: 'silent' })
const T0 = Date.parse('2026-11-21T15:40:00.000Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const SIGNERS = [1, 2, 3].map((n) => `0x${String(n).repeat(40)}` as Hex)
const base = (n: number) => ({ v: 1 as const, id: id(n), origin: 1, destination: 2, nonce: BigInt(n) })
const wrap = (event: StatusEvent, storedS = 1_000): StreamedEvent => ({
  seq: 1,
  subject: `isthmus.evt.${event.status}.1.2`,
  storedAt: new Date(T0 + storedS * 1000),
  kind: 'status',
  event,
})
const observedEvent = (n: number, s: number, blockHash: Hex = id(99)) =>
  ({
    ...base(n),
    status: 'observed',
    at: at(s),
    source: { chain: 'evm:31337', blockNumber: 5n, blockHash, txHash: id(98), logIndex: 0 },
  }) as const

const collect = <T>(o: import('rxjs').Observable<T>, n: number) =>
  firstValueFrom(o.pipe(take(n), toArray(), timeout(5_000)))

describe('alert events', () => {
  it('puts route-scoped alerts on isthmus.evt.alert.<origin>.<dest> and others on _', () => {
    expect(alertSubject({ origin: 1, destination: 2 })).toBe('isthmus.evt.alert.1.2')
    expect(alertSubject({})).toBe('isthmus.evt.alert._._')
    expect(ALERT_KINDS).toContain('quorum-at-risk')
  })

  it('parses a stream message by its subject status; anything else is kind invalid, never a throw', () => {
    const enc = new TextEncoder()
    const ok = parseStreamedEvent(
      3,
      'isthmus.evt.observed.1.2',
      enc.encode(
        JSON.stringify({
          ...observedEvent(1, 0),
          nonce: '1',
          source: { ...observedEvent(1, 0).source, blockNumber: '5' },
        }),
      ),
      new Date(T0),
    )
    expect(ok).toMatchObject({ seq: 3, kind: 'status', event: { status: 'observed', nonce: 1n } })
    const mislabelled = parseStreamedEvent(
      4,
      'isthmus.evt.delivered.1.2',
      enc.encode(
        JSON.stringify({
          ...observedEvent(1, 0),
          nonce: '1',
          source: { ...observedEvent(1, 0).source, blockNumber: '5' },
        }),
      ),
      new Date(T0),
    )
    expect(mislabelled).toMatchObject({ kind: 'invalid', error: { code: 'WIRE_INVALID' } })
    expect(parseStreamedEvent(5, 'isthmus.evt.alert._._', enc.encode('{'), new Date(T0)).kind).toBe('invalid')
  })

  it('turns filters into subject filters, one per status', () => {
    expect(eventSubjectsOf()).toEqual(['isthmus.evt.*.*.*'])
    expect(eventSubjectsOf({ statuses: ['delivered', 'failed'], origin: 1 })).toEqual([
      'isthmus.evt.delivered.1.*',
      'isthmus.evt.failed.1.*',
    ])
    expect(eventSubjectsOf({ destination: 2 })).toEqual(['isthmus.evt.*.*.2'])
    expect(thrown(() => eventSubjectsOf({ statuses: ['a.b'] }))).toMatchObject({ code: 'WIRE_INVALID' })
  })
})

describe('monitorAlerts$', () => {
  const opts = {
    since: new Date(T0 + 500_000),
    checkEveryMs: 20,
    slaSeconds: () => 60,
    silentWindowMs: 100_000,
    committee: { members: SIGNERS, threshold: 2 },
    raisedBy: 'relayer-1',
  }

  it('raises verification-failure, equivocation, reorg and rpc-disagreement from new events only', async () => {
    const enc = new TextEncoder()
    const halted = parseStreamedEvent(
      9,
      'isthmus.evt.halted.1.2',
      enc.encode(
        JSON.stringify({
          v: 1,
          status: 'halted',
          origin: 1,
          destination: 2,
          chain: 'evm:31337',
          at: at(3),
          relayer: 'relayer-2',
          code: 'ENDPOINT_DISAGREEMENT',
          detail: 'finalized block differs',
        }),
      ),
      new Date(T0 + 600_000),
    )
    const events = [
      wrap({ ...base(1), status: 'failed', at: at(1), reason: 'PROOF_INVALID', retryable: false }, 10), // history
      wrap({ ...base(2), status: 'failed', at: at(1), reason: 'PROOF_INVALID', retryable: false }),
      wrap({ ...base(3), status: 'failed', at: at(1), reason: 'RATE_LIMITED', retryable: true }),
      wrap({ ...base(4), status: 'retracted', at: at(1), reason: 'EQUIVOCATION' }),
      wrap({ ...base(5), status: 'retracted', at: at(1), reason: 'REORG' }),
      halted,
    ]
    const got = await collect(
      monitorAlerts$({ ...opts, checkEveryMs: 60_000, now: () => new Date(T0 + 1_000_000), events$: from(events) }),
      4,
    )
    expect(got.map((r) => [r.alert.alert, r.key])).toEqual([
      ['verification-failure', `${id(2)}:PROOF_INVALID`],
      ['equivocation', id(4)],
      ['reorg', id(5)],
      ['rpc-disagreement', 'evm:31337:relayer-2:1.2'],
    ])
    for (const r of got) expect(AlertEventSchema.parse(r.alert)).toBeDefined()
    expect(got[0]!.alert).toMatchObject({
      severity: 'critical',
      origin: 1,
      destination: 2,
      id: id(2),
      relayer: 'relayer-1',
    })
  })

  it('raises message-stuck once per message past its SLA, member-silent and quorum-at-risk once per window', async () => {
    const events = new Subject<StreamedEvent>()
    const got$ = collect(monitorAlerts$({ ...opts, now: () => new Date(T0 + 200_000), events$: events }), 3)
    events.next(wrap({ ...observedEvent(1, 100) }))
    events.next(wrap({ ...observedEvent(2, 190) })) // within the SLA
    events.next(
      wrap({ ...base(3), status: 'attested', at: at(150), epoch: 1n, count: 1, threshold: 2, signer: SIGNERS[0]! }),
    )
    events.next(
      wrap({ ...base(3), status: 'attested', at: at(151), epoch: 1n, count: 2, threshold: 2, signer: SIGNERS[1]! }),
    )
    const got = await got$
    const kinds = got.map((r) => r.alert.alert).sort()
    expect(kinds).toEqual(['member-silent', 'message-stuck', 'quorum-at-risk'])
    const stuck = got.find((r) => r.alert.alert === 'message-stuck')!
    expect(stuck.alert).toMatchObject({ id: id(1), value: '100', threshold: '60', origin: 1, destination: 2 })
    expect(got.find((r) => r.alert.alert === 'member-silent')!.alert.signer).toBe(SIGNERS[2])
    // Nothing more within this window (the checks run every 20 ms).
    await new Promise((r) => setTimeout(r, 100))
    events.complete()
  })
})

describe('watchReorgs$', () => {
  it('retracts (REORG) a message whose source block hash changed, once; unreadable heights wait', async () => {
    let canonical: Hex | undefined = id(99)
    const chain = { chain: 'evm:31337' as const, blockHashAt: async () => canonical }
    const observed$ = new Subject<ReturnType<typeof observedEvent>>()
    const got$ = collect(
      watchReorgs$({
        observed$,
        chains: [chain],
        everyMs: 20,
        keepMs: 60_000,
        now: () => new Date(T0),
        log,
        relayer: 'relayer-1',
      }),
      1,
    )
    observed$.next(observedEvent(1, 0))
    await new Promise((r) => setTimeout(r, 60))
    canonical = undefined
    await new Promise((r) => setTimeout(r, 60))
    canonical = id(77)
    const [e] = await got$
    expect(e).toMatchObject({
      status: 'retracted',
      reason: 'REORG',
      id: id(1),
      origin: 1,
      destination: 2,
      relayer: 'relayer-1',
    })
    expect(e!.detail).toContain(id(77))
  })

  it('ignores chains that cannot read block hashes', async () => {
    const got = await firstValueFrom(
      watchReorgs$({
        observed$: from([observedEvent(1, 0)]),
        chains: [{ chain: 'evm:31337' }],
        everyMs: 10,
        keepMs: 1_000,
        now: () => new Date(T0),
        log,
        relayer: 'r',
      }).pipe(timeout({ first: 100, with: () => from(['none' as const]) })),
    )
    expect(got).toBe('none')
  })
})
