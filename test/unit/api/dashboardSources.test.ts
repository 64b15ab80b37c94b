// The dashboard's static files: no HTML parsing of data (every chain-provided string goes in as
// text), no code from strings, and nothing loaded from another origin (no CDN, closed networks).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultDashboardDir } from '../../../api/index.js'

const dir = defaultDashboardDir()
const files = readdirSync(dir)
const read = (f: string) => readFileSync(join(dir, f), 'utf8')

describe('dashboard sources', () => {
  it('has an index.html, ES modules and a stylesheet', () => {
    expect(files).toEqual(expect.arrayContaining(['index.html', 'app.js', 'api.js', 'render.js', 'style.css']))
    expect(read('index.html')).toContain('<script type="module" src="app.js"></script>')
  })

  it.each(files.filter((f) => f.endsWith('.js')))('%s never parses strings as HTML or code', (f) => {
    const src = read(f)
    for (const bad of [/innerHTML/, /outerHTML/, /insertAdjacentHTML/, /document\.write/, /\beval\(/, /new Function/])
      expect(src).not.toMatch(bad)
  })

  it.each(files)('%s loads nothing from another origin', (f) => {
    expect(read(f)).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
    expect(read(f)).not.toMatch(/import[^'"]*['"]https?:/)
    expect(read(f)).not.toMatch(/@import\s+url\(["']?https?:/)
  })

  it('declares a same-origin Content-Security-Policy', () => {
    expect(read('index.html')).toMatch(/Content-Security-Policy[^>]*default-src 'self'; script-src 'self'/)
  })
})
