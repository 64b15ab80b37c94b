import { RelayError } from '../errors.js'
import { commands } from './commands/index.js'
import type { CliContext } from './types.js'

const usage = (): string =>
  [
    'Usage: isthmus <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`),
    '',
    'Run `isthmus <command> --help` for the options of one command.',
  ].join('\n')

/** Entry point of the `isthmus` binary. Exit codes: 0 ok, 1 failure/invalid, 2 usage error. */
export const main = async (argv: string[]): Promise<number> => {
  const ctx = (rest: string[]): CliContext => ({
    argv: rest,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  })
  const [first, second, ...rest] = argv
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${usage()}\n`)
    return first ? 0 : 2
  }
  // Two-word commands ("proof verify") come first, then single words.
  const two = second ? commands.find((c) => c.name === `${first} ${second}`) : undefined
  const cmd = two ?? commands.find((c) => c.name === first)
  if (!cmd) {
    process.stderr.write(`Unknown command "${first}".\n\n${usage()}\n`)
    return 2
  }
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
      return e.code === 'USAGE' ? 2 : 1
    }
    throw e
  }
}
