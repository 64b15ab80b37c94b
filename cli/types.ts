/** What a CLI command gets: its own arguments and the streams to write to. */
export interface CliContext {
  argv: string[]
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Where interactive commands (`isthmus init`) read answers; absent = not interactive. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
}

/** A subcommand: resolves to the process exit code. */
export interface CliCommand {
  name: string
  summary: string
  usage: string
  run(ctx: CliContext): Promise<number>
}
