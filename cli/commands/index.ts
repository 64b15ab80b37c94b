import type { CliCommand } from '../types.js'
import { apiCommand } from './api.js'
import { auditCommand } from './audit.js'
import { devCommand } from './dev.js'
import { keysNewCommand } from './keysNew.js'
import { proofVerifyCommand } from './proofVerify.js'
import { startCommand } from './start.js'

/** Every `isthmus` subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [startCommand, devCommand, keysNewCommand, proofVerifyCommand, auditCommand]
