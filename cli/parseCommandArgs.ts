import { type ParseArgsConfig, parseArgs } from 'node:util'
import { UsageError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * `util.parseArgs` (strict) with the command's usage appended to every error.
 * @throws UsageError
 */
export const parseCommandArgs = <O extends Options>(argv: string[], options: O, usage: string) => {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (e) {
    throw new UsageError({ detail: `${(e as Error).message}\n\n${usage}` })
  }
}

/**
 * A non-negative integer flag, or `fallback` when absent.
 * @throws UsageError
 */
export const intFlag = (v: string | undefined, flag: string, fallback: number, usage: string): number => {
  if (v === undefined) return fallback
  if (!/^\d{1,10}$/.test(v)) throw new UsageError({ detail: `${flag} must be a non-negative integer.\n\n${usage}` })
  return Number(v)
}
