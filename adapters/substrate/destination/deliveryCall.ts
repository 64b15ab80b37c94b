import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import { decodeBody, hexToBytes } from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { txOf } from './runtimeCalls.js'
import type { SubstrateAssetRoute } from './types.js'

/** utf8 prefix of the delivered-id marker remark; the marker is this ‖ id (32 bytes). */
export const DELIVERED_MARKER_TAG = 'ISTHMUS/v1:delivered'

const U128_MAX = (1n << 128n) - 1n

/** The remark the multisig makes in the same batch as a delivery: utf8 "ISTHMUS/v1:delivered" ‖ id. */
export const deliveredMarker = (id: Hex): Uint8Array =>
  u8aConcat(new TextEncoder().encode(DELIVERED_MARKER_TAG), hexToBytes(id, 'id'))

/** What `system.Remarked` carries for the marker of `id`: blake2_256 of the remark bytes. */
export const deliveredMarkerHash = (id: Hex): Hex => blake2AsHex(deliveredMarker(id), 256) as Hex

/** The call the multisig executes for a message, or why the message cannot execute here at all. */
export type DeliveryCallPlan =
  | { kind: 'call'; call: SubmittableExtrinsic<'promise'>; callData: Hex; callHash: Hex }
  | { kind: 'unexecutable'; reason: string }

/**
 * `utility.batchAll([system.remarkWithEvent(marker), <mint | transfer>])` for a token transfer and
 * `utility.batchAll([system.remarkWithEvent(marker)])` for an app message (Substrate has no recipient
 * contract to call: a dApp reads the marker event and the payload from the executing extrinsic's
 * call data). The call data depends only on the message and the asset routes, so every relayer
 * computes the same call hash. A token transfer of an asset with no route, or of an amount beyond
 * u128, can never execute here: `unexecutable`.
 */
export const buildDeliveryCall = (
  api: ApiPromise,
  id: Hex,
  message: Message,
  assets: readonly SubstrateAssetRoute[],
): DeliveryCallPlan => {
  const remark = txOf(api, 'system', 'remarkWithEvent')(u8aToHex(deliveredMarker(id)))
  const body = decodeBody(message.body)
  const calls = [remark]
  if (body.kind === 'tokenTransfer') {
    const route = assets.find((a) => a.assetId.toLowerCase() === body.asset.toLowerCase())
    if (!route) return { kind: 'unexecutable', reason: `UnknownAsset(${body.asset})` }
    if (body.amount > U128_MAX) return { kind: 'unexecutable', reason: `AmountTooLarge(${body.amount})` }
    const who = { Id: body.beneficiary }
    if (route.kind === 'wrapped') calls.push(txOf(api, 'assets', 'mint')(route.assetHubId, who, body.amount))
    else if (route.kind === 'asset') calls.push(txOf(api, 'assets', 'transfer')(route.assetHubId, who, body.amount))
    else calls.push(txOf(api, 'balances', 'transferKeepAlive')(who, body.amount))
  }
  const call = txOf(api, 'utility', 'batchAll')(calls)
  const bytes = call.method.toU8a()
  return { kind: 'call', call, callData: u8aToHex(bytes) as Hex, callHash: blake2AsHex(bytes, 256) as Hex }
}
