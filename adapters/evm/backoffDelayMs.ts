/**
 * Capped exponential backoff with "equal jitter": half the step fixed, half random, so
 * retries of many callers spread out but never collapse to zero delay.
 */
export const backoffDelayMs = (attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random) => {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (random() * step) / 2)
}
