import type { KV } from '@nats-io/kv'
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs'
import type { ObservedMessage, SourceBatch } from '../../adapters/index.js'
import { EquivocationError, isRelayError, RouteUnknownError } from '../../errors.js'
import type { Hex } from '../../types.js'
import { type AttestContext, attestMessage } from '../attest/attestMessage.js'
import { advanceCursor } from '../nats/cursors.js'
import { publishEventBestEffort } from '../stream/publishEventBestEffort.js'
import type { FinalitySetting } from '../types.js'
import { type VerifyObservedContext, verifyObserved } from '../verify/verifyObserved.js'

export interface AttestBatchContext extends AttestContext {
  verify: VerifyObservedContext
  /** The `isthmus-cursors` bucket. */
  cursors: KV
  concurrency: number
  /** The source's finality setting, recorded with the cursor (F-36). */
  finality?: FinalitySetting
}

export interface AttestBatchResult {
  attested: Hex[]
  dropped: Hex[]
}

const firstLine = (e: unknown) => (e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e)).slice(0, 1024)

type One = { kind: 'attested'; id: Hex } | { kind: 'dropped'; id: Hex }

const one = async (m: ObservedMessage, batch: SourceBatch, c: AttestBatchContext): Promise<One> => {
  const base = {
    v: 1 as const,
    id: m.id,
    origin: m.message.origin,
    destination: m.message.destination,
    nonce: m.message.nonce,
    relayer: c.memberId,
  }
  await publishEventBestEffort(c.js, c.log, {
    ...base,
    status: 'observed',
    at: c.now().toISOString(),
    source: m.source,
  })
  let verified: ReturnType<typeof verifyObserved>
  try {
    verified = verifyObserved(m, batch, c.verify)
  } catch (err) {
    // Drop, alert, never attest (DESIGN.md "Pipeline"); the cursor still moves past it.
    c.log.error(
      { alert: 'proof-invalid', err, msgId: m.id, blockNumber: m.source.blockNumber, txHash: m.source.txHash },
      'ALERT message failed verification, not attested',
    )
    const isRoute = err instanceof RouteUnknownError
    await publishEventBestEffort(c.js, c.log, {
      ...base,
      status: 'failed',
      at: c.now().toISOString(),
      reason: isRoute ? 'UNKNOWN' : 'PROOF_INVALID',
      ...(isRelayError(err) ? { code: err.code } : {}),
      detail: firstLine(err),
      retryable: false,
    })
    return { kind: 'dropped', id: m.id }
  }
  try {
    await attestMessage(verified, c)
  } catch (err) {
    if (err instanceof EquivocationError) {
      c.log.error(
        { alert: 'equivocation', err, msgId: m.id, origin: base.origin, nonce: base.nonce },
        'ALERT equivocation: refusing to sign',
      )
      await publishEventBestEffort(c.js, c.log, {
        ...base,
        status: 'retracted',
        at: c.now().toISOString(),
        reason: 'EQUIVOCATION',
        detail: firstLine(err),
      })
    }
    throw err
  }
  return { kind: 'attested', id: m.id }
}

/**
 * Verify and attest every message of one source batch (at most `concurrency` at once), then move
 * this member's cursor to `batch.toBlock` — only after every attestation's PubAck, so a crash
 * anywhere before re-observes the batch and nothing is lost (RELIABILITY.md L2).
 * @throws the first attest failure (the cursor is not moved)
 */
export const attestBatch = async (batch: SourceBatch, c: AttestBatchContext): Promise<AttestBatchResult> => {
  const results = await lastValueFrom(
    from(batch.messages).pipe(
      mergeMap((m) => from(one(m, batch, c)), c.concurrency),
      toArray(),
    ),
  )
  await advanceCursor(c.cursors, c.memberId, batch.chain, batch.toBlock, c.now, {
    fromBlock: batch.fromBlock,
    toBlockHash: batch.toBlockHash,
    ...(c.finality ? { finality: c.finality } : {}),
  })
  return {
    attested: results.filter((r) => r.kind === 'attested').map((r) => r.id),
    dropped: results.filter((r) => r.kind === 'dropped').map((r) => r.id),
  }
}
