import type { Hex } from '../../../types.js'

/**
 * How an Isthmus asset id (bytes32) is represented on the Substrate destination, and so what a token
 * transfer to it executes from the committee multisig:
 * - `wrapped`: an `assets`-pallet asset the multisig owns and issues (created by `setupWrappedAsset`):
 *   `assets.mint(assetHubId, beneficiary, amount)`;
 * - `asset`: an `assets`-pallet asset whose home is this chain, locked in the multisig on the way out:
 *   `assets.transfer(assetHubId, beneficiary, amount)` (unlock);
 * - `native`: the chain's native balance, locked in the multisig: `balances.transferKeepAlive` (unlock).
 */
export type SubstrateAssetRoute =
  | { assetId: Hex; kind: 'wrapped' | 'asset'; assetHubId: number }
  | { assetId: Hex; kind: 'native' }

/** Where a multisig execution or a delivered-id marker was found on chain. */
export interface ChainPosition {
  blockNumber: bigint
  blockHash: Hex
  extrinsicIndex: number
}

/** A `MultisigExecuted` of the committee multisig: the call ran, successfully or not (its `error`). */
export interface ExecutionRecord extends ChainPosition {
  callHash: Hex
  isOk: boolean
  /** `pallet.Error` (or the dispatch error kind) when the call failed. */
  error?: string
}
