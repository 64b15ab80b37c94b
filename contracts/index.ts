/**
 * The Solidity bridge's TypeScript side: compiled artifacts and ethers deploy helpers.
 * Sources live in `contracts/src` (the bridge) and `contracts/test` (test-only helpers);
 * docs/bridge-evm.md describes the contract.
 */
export { type ContractArtifact, loadArtifact } from './artifacts.js'
export { type CompileOptions, type CompileResult, compileContracts, SOLC_SETTINGS } from './compile.js'
export {
  assetIdOf,
  type CommitteeOptions,
  type CommitteePolicy,
  DEFAULT_HANDLE_GAS_LIMIT,
  type DeployBridgeOptions,
  type DeployBridgeResult,
  deployBridge,
  deployTestToken,
  minThreshold,
  type RemoteAssetOptions,
  registerHomeAsset,
  registerRemoteAsset,
  setLargeTransfer,
  setRateLimit,
} from './deploy.js'
export { artifactsDir, contractsDir } from './paths.js'
