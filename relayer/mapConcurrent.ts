import { from, lastValueFrom, map, mergeMap, toArray } from 'rxjs'

/**
 * `fn` over `items` with at most `limit` in flight, results in input order. For independent
 * per-message NATS work (KV updates, events, acks) that would otherwise pay one round trip after
 * another for every message of a delivery batch.
 */
export const mapConcurrent = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> => {
  if (items.length === 0) return []
  const pairs = await lastValueFrom(
    from(items).pipe(
      mergeMap((item, i) => from(fn(item)).pipe(map((r) => [i, r] as const)), limit),
      toArray(),
    ),
  )
  const out = new Array<R>(items.length)
  for (const [i, r] of pairs) out[i] = r
  return out
}
