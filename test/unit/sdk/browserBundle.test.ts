// The SDK must load in a browser: bundle sdk/index.ts for platform 'browser' and run it in a bare
// VM context that has only web globals (no require, process, Buffer or node: modules).
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { build } from 'esbuild'

const ROOT = join(import.meta.dirname, '..', '..', '..')

const bundle = async () => {
  const r = await build({
    entryPoints: [join(ROOT, 'sdk', 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'IsthmusSdk',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  return { code: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) }
}

describe('sdk browser bundle', () => {
  it('bundles for the browser without any Node built-in module', async () => {
    const { code, inputs } = await bundle()
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))
    expect(inputs.filter((i) => builtins.has(i) || i.startsWith('node:'))).toEqual([])
    expect(inputs).toContain('sdk/index.ts')
    expect(inputs.filter((i) => i.startsWith('api/') && i !== 'api/schemas.ts')).toEqual([])
    expect(inputs).not.toContain('api/schemas.ts') // types only
    expect(code).not.toMatch(/\brequire\(\s*["']/)
  }, 30_000)

  it('loads in a context with only web globals and creates a working client', async () => {
    const { code } = await bundle()
    const context: Record<string, unknown> = {
      fetch: async () => new Response(JSON.stringify({ chains: [] }), { status: 200 }),
      Response,
      Headers,
      URL,
      AbortController,
      AbortSignal,
      TextEncoder,
      TextDecoder,
      TextDecoderStream,
      ReadableStream,
      crypto: globalThis.crypto,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      queueMicrotask,
    }
    context['globalThis'] = context
    context['self'] = context
    context['window'] = context
    runInNewContext(code, context)
    const sdk = context['IsthmusSdk'] as typeof import('../../../sdk/index.js')
    expect(typeof sdk.createIsthmusClient).toBe('function')
    const client = sdk.createIsthmusClient({ apiUrl: 'http://127.0.0.1:1' })
    await expect(client.chains()).resolves.toEqual([])
    expect(sdk.createSseParser().push('id: 1\ndata: x\n\n')).toEqual([{ id: '1', event: 'message', data: 'x' }])
  }, 30_000)
})
