// `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line),
// prints one table, and writes bench-results.json (one entry per metric).
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BenchEntry, BenchModule } from './types.js'

const dir = new URL('.', import.meta.url).pathname
const only = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()

const fmt = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined ? '-' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits)

const main = async () => {
  const all: (BenchEntry & { module: string })[] = []
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: BenchModule }
    process.stderr.write(`bench: ${mod.default.title} (${f})\n`)
    const t0 = performance.now()
    const entries = await mod.default.run()
    process.stderr.write(`bench: ${f} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
    for (const e of entries) all.push({ ...e, module: f })
  }
  const rows = all.map((e) => [
    e.name,
    `${fmt(e.value)} ${e.unit}`,
    e.baseline ? `${fmt(e.baseline.value)} (${e.baseline.name})` : '-',
    e.ratio === null ? '-' : `${fmt(e.ratio, 3)}x (${e.betterWhen} is better)`,
  ])
  const head = ['metric', 'value', 'baseline', 'ratio']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')
  process.stdout.write(
    `${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map(line).join('\n')}\n\nconditions:\n`,
  )
  for (const c of [...new Set(all.map((e) => `  [${e.module}] ${e.conditions}`))]) process.stdout.write(`${c}\n`)
  const out = join(dir, '..', '..', 'bench-results.json')
  writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), entries: all }, null, 2)}\n`)
  process.stdout.write(`\nwrote ${out}\n`)
  process.exit(0)
}
main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
