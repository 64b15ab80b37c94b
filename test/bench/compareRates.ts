// Shared timing helpers for the bench modules: every figure next to a reference measured in the same run.

/** Rounds of `round()` for `ms` milliseconds in total; returns items per second (each round handles `perRound` items). */
export const rate = async (perRound: number, round: () => unknown, ms: number): Promise<number> => {
  await round() // warm-up
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < ms) {
    await round()
    n += perRound
  }
  return (n * 1000) / (performance.now() - t0)
}

/**
 * Ours and the baseline in alternating 250 ms slices, `ms` each in total, so that load from other
 * processes on a shared machine affects both alike. Returns [ours, baseline] items per second.
 */
export const compare = async (
  perRound: number,
  ours: () => unknown,
  baseline: () => unknown,
  ms: number,
): Promise<[number, number]> => {
  const slice = async (round: () => unknown): Promise<[number, number]> => {
    let n = 0
    const t0 = performance.now()
    while (performance.now() - t0 < 250) {
      await round()
      n += perRound
    }
    return [n, performance.now() - t0]
  }
  await ours()
  await baseline()
  const total = { ours: [0, 0], baseline: [0, 0] }
  for (let spent = 0; spent < 2 * ms; ) {
    for (const [key, fn] of [
      ['ours', ours],
      ['baseline', baseline],
    ] as const) {
      const [n, t] = await slice(fn)
      total[key][0]! += n
      total[key][1]! += t
      spent += t
    }
  }
  return [(total.ours[0]! * 1000) / total.ours[1]!, (total.baseline[0]! * 1000) / total.baseline[1]!]
}
