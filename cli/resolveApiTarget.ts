import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { UsageError } from '../errors.js'
import type { DevnetManifest } from './devnet/devnetManifest.js'
import type { CliContext } from './types.js'

/** The env var naming the API URL when `--api` is not given. */
export const API_URL_ENV = 'ISTHMUS_API_URL'

/** Usage lines shared by the API client commands. */
export const API_FLAGS_USAGE = `  --api URL          the Isthmus API (default: $${API_URL_ENV}, else the devnet's)
  --devnet FILE      a running devnet's manifest (<state>/devnet.json of \`isthmus dev\`)
  --json             machine-readable output on stdout (one JSON document or JSON lines)`

/** The flags of `API_FLAGS_USAGE`, for parseArgs. */
export const API_FLAGS = {
  api: { type: 'string' },
  devnet: { type: 'string' },
  json: { type: 'boolean' },
} as const

/**
 * Read a devnet manifest (`isthmus dev` writes it).
 * @throws UsageError when it cannot be read
 */
export const readDevnetManifest = (ctx: CliContext, path: string): DevnetManifest & { api?: { url?: string } } => {
  try {
    return JSON.parse(readFileSync(resolve(ctx.cwd, path), 'utf8')) as DevnetManifest & { api?: { url?: string } }
  } catch {
    throw new UsageError({ detail: `Cannot read the devnet manifest ${path} (is \`isthmus dev\` running?).` })
  }
}

/**
 * The API URL: `--api`, else $ISTHMUS_API_URL, else the devnet manifest's `api.url`.
 * @throws UsageError when none is given or it is not an http(s) URL
 */
export const resolveApiUrl = (
  ctx: CliContext,
  v: { api?: string | undefined; devnet?: string | undefined },
  usage: string,
): string => {
  const url = v.api ?? ctx.env[API_URL_ENV] ?? (v.devnet ? readDevnetManifest(ctx, v.devnet).api?.url : undefined)
  if (!url)
    throw new UsageError({ detail: `Give the API with --api URL, $${API_URL_ENV} or --devnet FILE.\n\n${usage}` })
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError({ detail: `--api must be an http(s) URL, got "${url}".` })
  return url.replace(/\/+$/, '')
}
