import type { CliCommand } from '../types.js'
import { apiCommand } from './api.js'
import { auditCommand } from './audit.js'
import { devCommand } from './dev.js'
import { initCommand } from './init.js'
import { keysNewCommand } from './keysNew.js'
import { proofVerifyCommand } from './proofVerify.js'
import { sendCommand } from './send.js'
import { startCommand } from './start.js'
import { statusCommand } from './status.js'
import { substrateSetupAssetCommand } from './substrateSetupAsset.js'
import { transferCommand } from './transfer.js'
import { watchCommand } from './watch.js'

/** Every `isthmus` subcommand, in the order `--help` lists them (the binary loads them one by one through cli/commandLoaders.ts). */
export const commands: CliCommand[] = [
  initCommand,
  startCommand,
  devCommand,
  transferCommand,
  sendCommand,
  statusCommand,
  watchCommand,
  keysNewCommand,
  proofVerifyCommand,
  auditCommand,
  apiCommand,
  substrateSetupAssetCommand,
]
