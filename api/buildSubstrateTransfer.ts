import { u8aToHex } from '@polkadot/util'
import { txOf } from '../adapters/substrate/destination/runtimeCalls.js'
import { encodeIntent } from '../proofs/substrate/intent/decodeIntent.js'
import { encodeAppBody, encodeTokenTransferBody } from '../protocol/index.js'
import type { Hex } from '../types.js'
import { fail, type HttpFailure } from './httpFailure.js'
import { assetOn, type RouteEnd, type SubstrateChain } from './quoteTransfer.js'
import type { SubstrateTransferResponse, TransferRequest } from './schemas.js'

const U128_MAX = (1n << 128n) - 1n

/** The inner calls of an outbound batch and what they do, before they are encoded. */
export interface SubstrateOutbound {
  movement?: { pallet: 'assets'; assetHubId: number } | { pallet: 'balances' }
  committee: Hex
  amount: bigint
  intent: Hex
  description: string
}

/**
 * What an Asset Hub source transfer consists of (the Substrate source adapter's rules,
 * proofs/substrate/intent/deriveSubstrateMessage.ts): for a token, one asset movement of exactly the
 * amount to the committee account (`assets.transferKeepAlive` for an `assets`-pallet asset,
 * `balances.transferKeepAlive` for the native balance) and the intent remark whose recipient is the
 * beneficiary; for an app message, the intent remark only.
 */
export const substrateOutbound = async (
  from: SubstrateChain,
  to: RouteEnd,
  t: Pick<TransferRequest, 'kind' | 'assetId' | 'amount' | 'payload'>,
  recipient: Hex,
): Promise<SubstrateOutbound | HttpFailure> => {
  const committee = from.substrate.multisig?.account
  if (!committee)
    return fail(400, 'chain_unsupported', `The committee has no accounts on ${from.ref}; it cannot receive assets.`)
  if (t.kind === 'message') {
    const body = encodeAppBody(t.payload!.toLowerCase() as Hex)
    return {
      committee,
      amount: 0n,
      intent: encodeIntent({ destination: to.domain, recipient, body }),
      description: `remark an app message intent for domain ${to.domain}`,
    }
  }
  const assetId = t.assetId!.toLowerCase() as Hex
  const amount = BigInt(t.amount!)
  const route = from.substrate.assets.find((a) => a.assetId === assetId)
  if (!route) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${from.ref}.`, 'assetId')
  if (!(await assetOn(to, assetId)))
    return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${to.ref}.`, 'assetId')
  if (amount > U128_MAX) return fail(400, 'request_invalid', 'Field "amount" exceeds u128.', 'amount', '≤ 2^128 - 1')
  const body = encodeTokenTransferBody({ asset: assetId, amount, beneficiary: recipient })
  return {
    movement: route.kind === 'native' ? { pallet: 'balances' } : { pallet: 'assets', assetHubId: route.assetHubId },
    committee,
    amount,
    intent: encodeIntent({ destination: to.domain, recipient, body }),
    description: `move ${amount} of ${route.kind === 'native' ? 'the native balance' : `asset ${route.assetHubId}`} to the committee account and remark the intent for domain ${to.domain}`,
  }
}

/**
 * The SCALE call data of `utility.batchAll([<movement>?, system.remarkWithEvent(intent)])`, encoded with
 * the chain's own metadata.
 * @throws RpcError, RpcTimeoutError, ConfigInvalidError (runtime lacks a stock pallet)
 */
export const encodeOutboundCall = async (from: SubstrateChain, o: SubstrateOutbound): Promise<Hex> => {
  const api = await from.substrate.reader.api()
  const remark = txOf(api, 'system', 'remarkWithEvent')(o.intent)
  const dest = { Id: o.committee }
  const calls =
    o.movement === undefined
      ? [remark]
      : [
          o.movement.pallet === 'assets'
            ? txOf(api, 'assets', 'transferKeepAlive')(o.movement.assetHubId, dest, o.amount)
            : txOf(api, 'balances', 'transferKeepAlive')(dest, o.amount),
          remark,
        ]
  return u8aToHex(txOf(api, 'utility', 'batchAll')(calls).method.toU8a()) as Hex
}

/**
 * The unsigned Asset Hub side of a transfer: the call the user's own account signs as an extrinsic,
 * with the genesis hash and runtime versions it must name. Never signs.
 * @throws RpcError, RpcTimeoutError when the chain does not answer
 */
export const buildSubstrateTransfer = async (
  from: SubstrateChain,
  to: RouteEnd,
  t: TransferRequest,
  recipient: Hex,
): Promise<SubstrateTransferResponse | HttpFailure> => {
  const out = await substrateOutbound(from, to, t, recipient)
  if ('httpStatus' in out) return out
  const [call, runtime] = await Promise.all([encodeOutboundCall(from, out), from.substrate.reader.runtime()])
  return {
    chain: from.ref,
    kind: 'substrate-extrinsic',
    recipient,
    genesisHash: runtime.genesisHash,
    specVersion: runtime.specVersion,
    transactionVersion: runtime.transactionVersion,
    call: call.toLowerCase(),
    description: out.description,
  }
}
