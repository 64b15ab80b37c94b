import { readFileSync } from 'node:fs'

// STYLE.md §3: each ErrorCode has an entry in docs/errors.md.
const source = readFileSync(new URL('../../errors.ts', import.meta.url), 'utf8')
const union = source.slice(source.indexOf('export type ErrorCode'), source.indexOf('export class RelayError'))
const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!)
const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

describe('docs/errors.md', () => {
  it('finds the error codes in errors.ts', () => expect(codes.length).toBeGreaterThan(20))
  it.each(codes)('documents %s', (code) => expect(docs).toContain(`\n## ${code.toLowerCase()}\n`))
})
