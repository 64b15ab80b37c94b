import type { KV } from '@nats-io/kv'
import { z } from 'zod'
import { WireFormatError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { FinalitySetting } from '../types.js'
import { updateWithCas } from './kvCas.js'
import { toRelayError } from './toRelayError.js'

const decimal = z.string().regex(/^(0|[1-9]\d*)$/)
const Finality = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('finalized-tag') }),
  z.object({ mode: z.literal('confirmations'), confirmations: z.number().int().min(1) }),
])

// v1 records of older relayers carry only `block` and `updatedAt`; the rest is optional.
const CursorRecord = z.object({
  v: z.literal(1),
  /** The last block handed off (= `toBlock`). */
  block: decimal,
  updatedAt: z.string(),
  /** The range this write completed: [fromBlock, toBlock], toBlock's hash (oracle I6: no holes). */
  fromBlock: decimal.optional(),
  toBlock: decimal.optional(),
  toBlockHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/)
    .optional(),
  /** The finality setting the range was scanned with (F-36). */
  finality: Finality.optional(),
})

/** One `isthmus-cursors` value, as stored (block numbers as decimal strings). */
export type CursorRecord = z.infer<typeof CursorRecord>

/** What a cursor move records besides the block: the scanned range and its finality setting. */
export interface CursorRange {
  fromBlock: bigint
  toBlockHash: Hex
  finality?: FinalitySetting
}

const DEC = new TextDecoder()
const decode = (raw: Uint8Array): CursorRecord => {
  const r = CursorRecord.safeParse(safeJson(raw))
  if (!r.success)
    throw new WireFormatError({
      kind: 'cursor record',
      issues: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    })
  return r.data
}
const safeJson = (raw: Uint8Array): unknown => {
  try {
    return JSON.parse(DEC.decode(raw))
  } catch {
    return undefined
  }
}

// KV keys allow [-/_=.a-zA-Z0-9]; anything else (':' in a ChainRef, '.' would nest) is escaped as =XX.
const escapeToken = (s: string) =>
  s.replace(/[^-_a-zA-Z0-9]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`)

/** KV key of one relayer's cursor on one chain: `<relayer>.<chain>`, each part escaped (reversible). */
export const cursorKey = (relayer: string, chain: ChainRef): string => `${escapeToken(relayer)}.${escapeToken(chain)}`

/**
 * The last finalized block this relayer handed off on `chain`, or undefined on a first start.
 * @throws WireFormatError when the stored record is corrupt (rebuild from chain state, F-33)
 */
export const tryGetCursor = async (kv: KV, relayer: string, chain: ChainRef): Promise<bigint | undefined> => {
  const r = await tryGetCursorRecord(kv, relayer, chain)
  return r ? BigInt(r.block) : undefined
}

/**
 * The whole cursor record (range, finality setting), or undefined on a first start.
 * @throws WireFormatError when the stored record is corrupt
 */
export const tryGetCursorRecord = async (
  kv: KV,
  relayer: string,
  chain: ChainRef,
): Promise<CursorRecord | undefined> => {
  let e: Awaited<ReturnType<KV['get']>>
  try {
    e = await kv.get(cursorKey(relayer, chain))
  } catch (err) {
    throw toRelayError(err, 'kv get cursor')
  }
  return e && e.operation === 'PUT' ? decode(e.value) : undefined
}

/**
 * Move the cursor forward to `block`; a lower or equal block leaves it where it is, so
 * concurrent or replayed writers can never move it backwards (RELIABILITY.md I6). With `range`
 * the record also names the scanned range `[fromBlock, block]`, `block`'s hash and the finality
 * setting it was scanned with, so the bucket's history shows every scanned range (I6) and a
 * later start can refuse a weaker setting (F-36).
 * @returns the stored block and whether this call moved it
 * @throws KvConflictError / NatsUnavailableError (retryable)
 */
export const advanceCursor = async (
  kv: KV,
  relayer: string,
  chain: ChainRef,
  block: bigint,
  now: () => Date = () => new Date(),
  range?: CursorRange,
): Promise<{ block: bigint; advanced: boolean }> => {
  if (block < 0n) throw new WireFormatError({ kind: 'cursor', issues: [`block ${block} is negative`] })
  const next = (): CursorRecord => ({
    v: 1,
    block: block.toString(),
    updatedAt: now().toISOString(),
    ...(range
      ? {
          fromBlock: range.fromBlock.toString(),
          toBlock: block.toString(),
          toBlockHash: range.toBlockHash.toLowerCase(),
          ...(range.finality ? { finality: range.finality } : {}),
        }
      : {}),
  })
  const r = await updateWithCas<CursorRecord>(
    kv,
    cursorKey(relayer, chain),
    (cur) => (cur && BigInt(cur.block) >= block ? undefined : next()),
    { decode, bucket: 'isthmus-cursors' },
  )
  return { block: BigInt(r.value!.block), advanced: r.changed }
}
