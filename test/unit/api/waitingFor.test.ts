import type { IndexedMessage } from '../../../api/indexedMessage.js'
import { type WaitingContext, waitingForOf } from '../../../api/waitingFor.js'

const NOW = new Date('2026-11-21T12:00:00.000Z')
const msg = (over: Partial<IndexedMessage>): IndexedMessage => ({
  id: `0x${'01'.repeat(32)}`,
  origin: 1,
  destination: 2,
  nonce: '0',
  status: 'observed',
  stages: {},
  seq: 1,
  ...over,
})
const ctx = (over: Partial<WaitingContext> = {}): WaitingContext => ({ now: NOW, ...over })
const failed = (reason: string, over: Partial<NonNullable<IndexedMessage['failure']>> = {}) =>
  msg({ status: 'failed', failure: { reason, retryable: true, at: NOW.toISOString(), ...over } })
const transfer = {
  assetId: `0x${'ab'.repeat(32)}`,
  amount: '1000',
  beneficiary: `0x${'00'.repeat(12)}${'22'.repeat(20)}`,
}

describe('waitingForOf', () => {
  it.each<[string, IndexedMessage, WaitingContext, unknown]>([
    ['nothing for a delivered message', msg({ status: 'delivered' }), ctx(), undefined],
    ['nothing for a retracted message', msg({ status: 'retracted' }), ctx(), undefined],
    [
      'finality progress for a dispatch not final yet',
      msg({ status: 'dispatched' }),
      ctx({ finality: { have: 12, need: 64 } }),
      { code: 'finality', detail: 'finality 12/64 blocks', progress: { have: 12, need: 64 } },
    ],
    [
      'quorum progress from the attestation events',
      msg({ status: 'attested', attestations: { count: 1, threshold: 2 } }),
      ctx(),
      { code: 'quorum', detail: 'quorum 1/2', progress: { have: 1, need: 2 } },
    ],
    [
      'quorum 0/threshold for an observed message, threshold read from the destination',
      msg({ status: 'observed' }),
      ctx({ threshold: 3 }),
      { code: 'quorum', detail: 'quorum 0/3', progress: { have: 0, need: 3 } },
    ],
    [
      'a paused destination for a certified message',
      msg({ status: 'certified' }),
      ctx({ destinationPaused: true }),
      { code: 'destination_paused', detail: 'destination paused' },
    ],
    [
      'rate-limited until the bucket refills enough',
      msg({ status: 'certified', transfer }),
      ctx({ rateLimit: { enabled: true, available: 400n, refillPerSecond: 10n } }),
      {
        code: 'rate_limited',
        detail: 'rate-limited until 2026-11-21T12:01:00.000Z',
        until: '2026-11-21T12:01:00.000Z',
      },
    ],
    [
      'delivery pending with the submitted transaction',
      msg({ status: 'submitted', submission: { chain: 'evm:2', txHash: `0x${'cd'.repeat(32)}` } }),
      ctx({ destinationPaused: false }),
      { code: 'delivery_pending', detail: `delivery transaction 0x${'cd'.repeat(32)} waiting for confirmation` },
    ],
    [
      'the recipient revert reason',
      failed('RECIPIENT_REVERTED', { detail: 'Nope()', retryable: false }),
      ctx(),
      { code: 'recipient_reverted', detail: 'recipient reverted: Nope()' },
    ],
    [
      'a paused destination from a failure',
      failed('DESTINATION_PAUSED'),
      ctx(),
      { code: 'destination_paused', detail: 'destination paused' },
    ],
    [
      'rate limited from a failure without live bucket data',
      failed('RATE_LIMITED'),
      ctx(),
      { code: 'rate_limited', detail: 'rate-limited, retried after the bucket refills' },
    ],
    [
      'the release time of a queued large transfer',
      msg({ status: 'queued', releaseAt: String(Date.parse('2026-11-22T00:00:00Z') / 1000) }),
      ctx(),
      {
        code: 'queued_large_transfer',
        detail: 'large transfer queued until 2026-11-22T00:00:00.000Z',
        until: '2026-11-22T00:00:00.000Z',
      },
    ],
    [
      'an operator for a non-retryable failure',
      failed('MAX_ATTEMPTS', { retryable: false }),
      ctx(),
      { code: 'delivery_pending', detail: 'delivery failed (MAX_ATTEMPTS), not retried: an operator must act' },
    ],
  ])('gives %s', (_name, m, c, want) => {
    expect(waitingForOf(m, c)).toEqual(want)
  })

  it('caps finality progress at the depth needed', () => {
    expect(waitingForOf(msg({ status: 'dispatched' }), ctx({ finality: { have: 9, need: 2 } }))?.progress).toEqual({
      have: 2,
      need: 2,
    })
  })

  it('is not rate-limited when the bucket holds the amount', () => {
    const w = waitingForOf(
      msg({ status: 'certified', transfer }),
      ctx({ rateLimit: { enabled: true, available: 1000n, refillPerSecond: 1n } }),
    )
    expect(w?.code).toBe('delivery_pending')
  })
})
