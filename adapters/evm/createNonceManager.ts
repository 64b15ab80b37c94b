/**
 * Nonces for one sender (F-22): the chain's pending count plus our own journal of nonces handed
 * out. A broadcast the node never accepted gives its nonce back, so no gap is left behind; a
 * "nonce too low/high" from the node drops the journal and re-reads the chain.
 */
export interface NonceManager {
  /** The next nonce to use; serialised, so concurrent callers never get the same one. */
  reserve(): Promise<bigint>
  /** Give back a nonce whose transaction the node did not accept. */
  release(nonce: bigint): void
  /** Forget the journal; the next reservation starts from the chain's pending count. */
  resync(): void
}

export const createNonceManager = (pendingCount: () => Promise<bigint>): NonceManager => {
  let next: bigint | undefined
  let holes: bigint[] = []
  let queue: Promise<unknown> = Promise.resolve()

  const reserveNow = async (): Promise<bigint> => {
    const pending = await pendingCount()
    // Nonces below the chain's pending count were used by someone (another process with this key).
    holes = holes.filter((h) => h >= pending)
    const hole = holes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).shift()
    if (hole !== undefined) return hole
    const n = next === undefined || next < pending ? pending : next
    next = n + 1n
    return n
  }

  return {
    reserve: () => {
      const r = queue.then(reserveNow)
      queue = r.catch(() => undefined)
      return r
    },
    release: (nonce) => {
      if (next === undefined || nonce >= next) return
      if (nonce === next - 1n) {
        next = nonce
        // Collapse holes that now sit at the top of the journal.
        while (holes.includes(next - 1n)) {
          holes = holes.filter((h) => h !== next! - 1n)
          next -= 1n
        }
      } else if (!holes.includes(nonce)) holes.push(nonce)
    },
    resync: () => {
      next = undefined
      holes = []
    },
  }
}
