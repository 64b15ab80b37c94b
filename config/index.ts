/**
 * Configuration: the schema, the loader (the only code that reads config files) and secret resolution.
 */
export { loadConfig, parseConfig } from './loadConfig.js'
export { resolvePrivateKey } from './resolveSecret.js'
export type {
  ChainConfig,
  Config,
  EvmChainConfig,
  FabricChainConfig,
  SecretRef,
  SubstrateChainConfig,
} from './schema.js'
export { ConfigSchema } from './schema.js'
