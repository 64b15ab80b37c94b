import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import { parse } from 'yaml'
import { ALERT_KINDS, AlertEventSchema, METRIC_DEFINITIONS, METRIC_NAMES } from '../../../relayer/index.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8')

interface Rule {
  alert: string
  expr: string
  labels?: Record<string, string>
}
const rules: Rule[] = (
  parse(read('deploy/prometheus/isthmus-rules.yml')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules)
const dashboard = JSON.parse(read('deploy/grafana/isthmus-dashboard.json')) as {
  panels: { title: string; targets: { expr: string }[] }[]
}
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/
/** Metric names an expression references, histogram series mapped to their metric. */
const namesIn = (expr: string): string[] =>
  [...expr.matchAll(/\bisthmus_[a-z0-9_]+/g)].map(([n]) => {
    const base = n.replace(HISTOGRAM_SUFFIX, '')
    const def = (METRIC_DEFINITIONS as Record<string, { type: string }>)[base]
    return def?.type === 'histogram' && base !== n ? base : n
  })

/** Syntax errors the PromQL grammar (Prometheus' own lezer grammar) finds in `expr`, with their offsets. */
const promqlErrors = (expr: string): string[] => {
  const out: string[] = []
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) out.push(`${n.from}: ${expr.slice(Math.max(0, n.from - 10), n.to + 10)}`)
    },
  })
  return out
}

describe('deploy/: Prometheus rules and Grafana dashboard match the metric definitions', () => {
  it('every rule and panel expression is valid PromQL', () => {
    const all = [...rules.map((r) => r.expr), ...dashboardExprs]
    expect(all.length).toBeGreaterThan(20)
    expect(all.flatMap((e) => promqlErrors(e).map((x) => `${e} @ ${x}`))).toEqual([])
    expect(promqlErrors('sum by (a (rate(x[5m]))')).not.toEqual([])
  })

  it('every metric a rule references is defined', () => {
    const used = rules.flatMap((r) => namesIn(r.expr))
    expect(used.length).toBeGreaterThan(10)
    expect(used.filter((n) => !(METRIC_NAMES as string[]).includes(n))).toEqual([])
  })

  it('every metric a dashboard panel queries is defined, and the dashboard shows every metric', () => {
    const used = dashboardExprs.flatMap(namesIn)
    expect(used.filter((n) => !(METRIC_NAMES as string[]).includes(n))).toEqual([])
    expect(METRIC_NAMES.filter((n) => !used.includes(n) && !rules.some((r) => namesIn(r.expr).includes(n)))).toEqual([])
  })

  it('every label a selector matches on is a label of that metric', () => {
    const wrong: string[] = []
    let checked = 0
    for (const e of [...dashboardExprs, ...rules.map((r) => r.expr)])
      for (const [, name, body] of e.matchAll(/\b(isthmus_[a-z0-9_]+)\{([^}]*)\}/g)) {
        const metricName = namesIn(name!)[0]!
        const labels: readonly string[] =
          (METRIC_DEFINITIONS as Record<string, { labels: readonly string[] }>)[metricName]?.labels ?? []
        for (const [, label] of body!.matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/g))
          if (labels.includes(label!)) checked++
          else wrong.push(`${name}{${label}}`)
      }
    expect(wrong).toEqual([])
    expect(checked).toBeGreaterThan(5)
  })

  it('a histogram is queried through its _bucket series, never by its bare name', () => {
    const histograms = METRIC_NAMES.filter((n) => METRIC_DEFINITIONS[n].type === 'histogram')
    for (const e of [...dashboardExprs, ...rules.map((r) => r.expr)])
      for (const h of histograms) expect(e.replaceAll(`${h}_bucket`, '')).not.toContain(h)
  })

  it('every alert kind has exactly one rule labelled with it, and no rule names an unknown kind', () => {
    const labelled = rules.flatMap((r) => (r.labels?.['alert'] ? [r.labels['alert']] : []))
    expect([...labelled].sort()).toEqual([...ALERT_KINDS].sort())
    for (const r of rules) expect(['critical', 'warning']).toContain(r.labels?.['severity'])
  })

  it('docs/events.md lists exactly the alert kinds, each with a rule', () => {
    const section = read('docs/events.md').split('## Alerts')[1]!.split('\n## ')[0]!
    const documented = [...section.matchAll(/^\| `([a-z-]+)` \| (critical|warning) \|/gm)].map((m) => m[1])
    expect([...documented].sort()).toEqual([...ALERT_KINDS].sort())
    const example = section.match(/```jsonc\n([\s\S]*?)```/)![1]!
    expect(AlertEventSchema.parse(JSON.parse(example))).toMatchObject({ status: 'alert', alert: 'message-stuck' })
  })

  it('docs/metrics.md lists exactly the defined metrics', () => {
    const documented = [...read('docs/metrics.md').matchAll(/^\| `(isthmus_[a-z0-9_]+)` \|/gm)].map((m) => m[1])
    expect([...documented].sort()).toEqual([...METRIC_NAMES].sort())
  })
})
