import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigInvalidError, type ConfigIssue } from '../errors.js'
import { type Config, ConfigSchema } from './schema.js'

// A 32-byte hex string anywhere in the file is almost certainly a private key pasted in.
const SECRET_RE = /(^|[^0-9a-fA-F])(0x)?[0-9a-fA-F]{64}([^0-9a-fA-F]|$)/
const MNEMONIC_KEYS = /mnemonic|privatekey|private_key|secret|password$/i

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o)) deepFreeze(v)
  }
  return o
}

const toIssues = (e: z.ZodError): ConfigIssue[] =>
  e.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))

const findInlineSecrets = (value: unknown, path: string[], out: ConfigIssue[]): void => {
  // Hashes and asset ids (keccak256 digests) are public 32-byte values.
  if (typeof value === 'string' && SECRET_RE.test(value) && !path.some((p) => /hash$|^assetId$/i.test(p))) {
    out.push({
      path: path.join('.'),
      message:
        'looks like a private key; secrets never go in config files — name an env var ({ env: NAME }) or a keystore',
    })
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (MNEMONIC_KEYS.test(k) && typeof v === 'string') {
        out.push({
          path: [...path, k].join('.'),
          message: 'secrets never go in config files — name an env var ({ env: NAME }) or a keystore',
        })
      } else findInlineSecrets(v, [...path, k], out)
    }
  }
}

/**
 * Validate an already-parsed config object.
 * @throws ConfigInvalidError listing every issue with its path
 */
export const parseConfig = (raw: unknown, source = '(object)'): Config => {
  const secrets: ConfigIssue[] = []
  findInlineSecrets(raw, [], secrets)
  const r = ConfigSchema.safeParse(raw)
  const issues = [...secrets, ...(r.success ? [] : toIssues(r.error))]
  if (issues.length > 0 || !r.success) throw new ConfigInvalidError({ source, issues })
  return deepFreeze(r.data)
}

/**
 * Read, parse (YAML or JSON) and validate the config file once at startup. Relative paths in
 * the config (keystores, state dir) stay as written; callers resolve them against `configDir`.
 * @throws ConfigInvalidError on an unreadable file, a YAML syntax error or any schema issue
 */
export const loadConfig = (env: NodeJS.ProcessEnv, path: string): Config & { readonly configDir: string } => {
  const abs = isAbsolute(path) ? path : resolve(env['PWD'] ?? process.cwd(), path)
  let text: string
  try {
    text = readFileSync(abs, 'utf8')
  } catch (cause) {
    throw new ConfigInvalidError({
      source: path,
      issues: [{ path: '', message: `cannot read the file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }],
      cause,
    })
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigInvalidError({
      source: path,
      issues: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: e.message.split('\n')[0] ?? e.code,
      })),
    })
  }
  const cfg = parseConfig(doc.toJS(), path)
  return Object.freeze({ ...cfg, configDir: resolve(abs, '..') })
}
