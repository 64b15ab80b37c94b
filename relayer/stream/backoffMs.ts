/**
 * Delay before retry `attempt` (1-based): exponential from `baseMs`, capped at `maxMs`, with
 * "equal jitter" (between half and all of it) so instances that failed together do not retry
 * together.
 */
export const backoffMs = (
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number => {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}
