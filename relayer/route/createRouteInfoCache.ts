import type { DestinationAdapter } from '../../adapters/index.js'
import type { Hex } from '../../types.js'
import type { RouteInfo } from '../aggregate/aggregateAttestations.js'

export interface RouteInfoCache {
  /** Committee and bridge identity of a destination domain; undefined when the node does not serve it. */
  routeFor(destination: number): Promise<RouteInfo | undefined>
  /** Forget what was read, so the next call asks the chain again. */
  invalidate(destination?: number): void
}

/**
 * Route info read from each destination's own bridge (`committee()`, `bridgeRef`), cached for
 * `ttlMs` so a committee rotation is picked up within that time. Concurrent callers share one
 * read; a failed read is not cached.
 * @example
 * const routes = createRouteInfoCache([adapterB], { ttlMs: 30_000 })
 * const info = await routes.routeFor(2) // { committee: { epoch, signers, threshold }, destinationBridge }
 */
export const createRouteInfoCache = (
  destinations: readonly DestinationAdapter[],
  o: { ttlMs: number; nowMs?: () => number },
): RouteInfoCache => {
  const nowMs = o.nowMs ?? Date.now
  const byDomain = new Map(destinations.map((d) => [d.domain, d]))
  const cache = new Map<number, { atMs: number; info: Promise<RouteInfo> }>()
  const read = async (d: DestinationAdapter): Promise<RouteInfo> => {
    const c = await d.committee()
    return {
      committee: { epoch: c.epoch, signers: c.signers.map((s) => s.toLowerCase() as Hex), threshold: c.threshold },
      destinationBridge: d.bridgeRef.toLowerCase() as Hex,
      ...(d.deliveryMode === 'every-member' ? { everyMember: true } : {}),
    }
  }
  return {
    routeFor: async (destination) => {
      const d = byDomain.get(destination)
      if (!d) return undefined
      const hit = cache.get(destination)
      if (hit && nowMs() - hit.atMs < o.ttlMs) return hit.info
      const entry = { atMs: nowMs(), info: read(d) }
      cache.set(destination, entry)
      try {
        return await entry.info
      } catch (e) {
        if (cache.get(destination) === entry) cache.delete(destination)
        throw e
      }
    },
    invalidate: (destination) => {
      if (destination === undefined) cache.clear()
      else cache.delete(destination)
    },
  }
}
