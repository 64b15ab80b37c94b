/**
 * One row of `npm run bench` / bench-results.json. `ratio` = value / baseline.value, so its
 * meaning (higher or lower is better) follows from `betterWhen`.
 */
export interface BenchEntry {
  name: string
  value: number
  unit: string
  betterWhen: 'higher' | 'lower'
  baseline: { name: string; value: number } | null
  ratio: number | null
  conditions: string
}

/** A bench module (test/bench/*.bench.ts) default-exports one of these. */
export type BenchModule = { title: string; run(): Promise<BenchEntry[]> }
