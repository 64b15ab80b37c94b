import type { CliCommand } from '../types.js'
import { proofVerifyCommand } from './proofVerify.js'

/** Every `isthmus` subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [proofVerifyCommand]
