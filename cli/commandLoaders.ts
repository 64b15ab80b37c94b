import type { CliCommand } from './types.js'

/**
 * Every `isthmus` subcommand by name, loaded on use: a command imports only its own module, so
 * `isthmus status` does not load the relayer, the API server and every chain SDK (seconds of CPU
 * on a small machine). Same commands, same order as commands/index.ts (a unit test checks it).
 */
export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<CliCommand>>> = {
  init: async () => (await import('./commands/init.js')).initCommand,
  start: async () => (await import('./commands/start.js')).startCommand,
  dev: async () => (await import('./commands/dev.js')).devCommand,
  transfer: async () => (await import('./commands/transfer.js')).transferCommand,
  send: async () => (await import('./commands/send.js')).sendCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  watch: async () => (await import('./commands/watch.js')).watchCommand,
  'keys new': async () => (await import('./commands/keysNew.js')).keysNewCommand,
  'proof verify': async () => (await import('./commands/proofVerify.js')).proofVerifyCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  api: async () => (await import('./commands/api.js')).apiCommand,
  'substrate setup-asset': async () => (await import('./commands/substrateSetupAsset.js')).substrateSetupAssetCommand,
}
