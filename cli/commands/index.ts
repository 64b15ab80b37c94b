import type { CliCommand } from '../types.js'

/** Every `isthmus` subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = []
