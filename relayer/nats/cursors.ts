import type { KV } from '@nats-io/kv'
import { z } from 'zod'
import { WireFormatError } from '../../errors.js'
import type { ChainRef } from '../../types.js'
import { updateWithCas } from './kvCas.js'
import { toRelayError } from './toRelayError.js'

const CursorRecord = z.object({
  v: z.literal(1),
  block: z.string().regex(/^(0|[1-9]\d*)$/),
  updatedAt: z.string(),
})
type CursorRecord = z.infer<typeof CursorRecord>

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
  let e: Awaited<ReturnType<KV['get']>>
  try {
    e = await kv.get(cursorKey(relayer, chain))
  } catch (err) {
    throw toRelayError(err, 'kv get cursor')
  }
  return e && e.operation === 'PUT' ? BigInt(decode(e.value).block) : undefined
}

/**
 * Move the cursor forward to `block`; a lower or equal block leaves it where it is, so
 * concurrent or replayed writers can never move it backwards (RELIABILITY.md I6).
 * @returns the stored block and whether this call moved it
 * @throws KvConflictError / NatsUnavailableError (retryable)
 */
export const advanceCursor = async (
  kv: KV,
  relayer: string,
  chain: ChainRef,
  block: bigint,
  now: () => Date = () => new Date(),
): Promise<{ block: bigint; advanced: boolean }> => {
  if (block < 0n) throw new WireFormatError({ kind: 'cursor', issues: [`block ${block} is negative`] })
  const r = await updateWithCas<CursorRecord>(
    kv,
    cursorKey(relayer, chain),
    (cur) =>
      cur && BigInt(cur.block) >= block ? undefined : { v: 1, block: block.toString(), updatedAt: now().toISOString() },
    { decode, bucket: 'isthmus-cursors' },
  )
  return { block: BigInt(r.value!.block), advanced: r.changed }
}
