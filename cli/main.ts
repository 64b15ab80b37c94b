import { IsthmusApiError, RelayError } from '../errors.js'
import { COMMAND_LOADERS } from './commandLoaders.js'
import { exitCodeOf } from './exitCodes.js'
import type { CliCommand, CliContext } from './types.js'

const allCommands = (): Promise<CliCommand[]> => Promise.all(Object.values(COMMAND_LOADERS).map((load) => load()))

const usage = (commands: CliCommand[]): string =>
  [
    'Usage: isthmus <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`),
    '',
    'Run `isthmus <command> --help` for the options of one command.',
  ].join('\n')

/**
 * Entry point of the `isthmus` binary. Exit codes (docs/cli.md): 0 ok, 1 failure/invalid, 2 usage
 * error, 3 not found, 4 timeout, 5 API unreachable.
 */
export const main = async (argv: string[]): Promise<number> => {
  const ctx = (rest: string[]): CliContext => ({
    argv: rest,
    stdout: process.stdout,
    stderr: process.stderr,
    // Lazy: only interactive commands (init) open stdin.
    get stdin() {
      return process.stdin
    },
    env: process.env,
    cwd: process.cwd(),
  })
  const [first, second, ...rest] = argv
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${usage(await allCommands())}\n`)
    return first ? 0 : 2
  }
  // Two-word commands ("proof verify") come first, then single words.
  const twoWords = second ? `${first} ${second}` : undefined
  const name = twoWords && Object.hasOwn(COMMAND_LOADERS, twoWords) ? twoWords : first
  if (!Object.hasOwn(COMMAND_LOADERS, name)) {
    process.stderr.write(`Unknown command "${first}".\n\n${usage(await allCommands())}\n`)
    return 2
  }
  const cmd = await COMMAND_LOADERS[name]!()
  const two = name === twoWords
  const args = two ? rest : argv.slice(1)
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${cmd.usage}\n`)
    return 0
  }
  try {
    return await cmd.run(ctx(args))
  } catch (e) {
    if (e instanceof RelayError) {
      process.stderr.write(`error ${e.code}: ${e.message}\n`)
      // Scripts that asked for JSON get the error as JSON on stdout too.
      if (args.includes('--json') && e.code !== 'USAGE')
        process.stdout.write(`${JSON.stringify({ error: errorJson(e) })}\n`)
      return exitCodeOf(e)
    }
    throw e
  }
}

const errorJson = (e: RelayError) => ({
  code: e.code,
  message: e.message.split('\n')[0],
  ...(e instanceof IsthmusApiError
    ? { apiCode: e.apiCode, status: e.status, ...(e.field ? { field: e.field } : {}) }
    : {}),
  retryable: e.retryable,
})
