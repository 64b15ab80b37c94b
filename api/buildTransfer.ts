import { buildTransferTxs, toAccountId } from '../adapters/index.js'
import { RelayError } from '../errors.js'
import { addressToBytes32, fabricIdentityOf } from '../protocol/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { ApiSetup } from './apiChains.js'
import { buildFabricTransfer } from './buildFabricTransfer.js'
import { buildSubstrateTransfer } from './buildSubstrateTransfer.js'
import { fail, type HttpFailure } from './httpFailure.js'
import { assetOn, type RouteEnd, routeChains } from './quoteTransfer.js'
import { assetIdOf } from './resolveAssets.js'
import type { AnyTransferResponse, TransferRequest } from './schemas.js'

/**
 * The unsigned source side of a transfer for the user's own wallet. EVM: an ERC-20 `approve` first when
 * the sender's allowance to the bridge is short, then `sendToken`; or one `dispatch`. Substrate: the
 * `utility.batchAll` call of the asset movement and the intent remark (buildSubstrateTransfer). Never signs.
 * @throws RpcError, RpcTimeoutError when the source chain does not answer
 */
export const buildTransfer = async (
  setup: ApiSetup,
  t: TransferRequest,
): Promise<AnyTransferResponse | HttpFailure> => {
  const source = setup.chains.find((c) => c.ref === t.from)
  if (source?.kind === 'fabric' && source.fabric)
    return buildFabricTransfer(setup, { ...source, fabric: source.fabric }, t)
  const chains = routeChains(setup, t.from as ChainRef, t.to as ChainRef)
  if ('httpStatus' in chains) return chains
  const { from, to } = chains
  if (from.kind === 'fabric') return fail(400, 'chain_unsupported', `${from.ref} has no Fabric bridge.`, 'from')
  const recipient = recipientOn(to, t.recipient)
  if (typeof recipient !== 'string') return recipient
  if (from.kind === 'substrate') {
    if (recipientBytes32(t.sender) === undefined || /^0x[0-9a-fA-F]{40}$/.test(t.sender))
      return fail(
        400,
        'request_invalid',
        `Field "sender" must be an AccountId32 or SS58 address on ${from.ref}.`,
        'sender',
        'an AccountId32',
      )
    return buildSubstrateTransfer(from, to, t, recipient)
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(t.sender))
    return fail(
      400,
      'request_invalid',
      `Field "sender" must be an EVM address on ${from.ref}.`,
      'sender',
      'a 20-byte address',
    )
  const base = { chainId: from.reader.chainId, bridge: from.reader.bridge, destination: to.domain, recipient }
  let txs: ReturnType<typeof buildTransferTxs>
  if (t.kind === 'token') {
    const assetId = t.assetId!.toLowerCase() as Hex
    const [onFrom, onTo] = await Promise.all([from.reader.assetOf(assetId), assetOn(to, assetId)])
    if (!onFrom) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${from.ref}.`, 'assetId')
    if (!onTo) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${to.ref}.`, 'assetId')
    const allowance = await from.reader.allowance(onFrom.token, t.sender as Hex, from.reader.bridge)
    const symbol =
      setup.assets.find((a) => {
        const home = setup.chains.find((c) => c.ref === a.home.chain)
        return home !== undefined && assetIdOf(home.domain, a.home.address) === assetId
      })?.symbol ?? 'tokens'
    txs = buildTransferTxs({
      ...base,
      kind: 'token',
      token: onFrom.token,
      amount: BigInt(t.amount!),
      allowance,
      symbol,
    })
  } else {
    txs = buildTransferTxs({ ...base, kind: 'message', payload: t.payload!.toLowerCase() as Hex })
  }
  return {
    chain: from.ref,
    kind: 'evm-tx',
    recipient,
    txs: txs.map((x) => ({
      to: x.to.toLowerCase(),
      data: x.data.toLowerCase(),
      value: x.value.toString(),
      chainId: x.chainId.toString(),
      description: x.description,
    })),
  }
}

/**
 * The request's recipient as the bytes32 that goes into the message, checked against the destination:
 * EVM a 20-byte address; Fabric a bytes32 identity or `{mspId, certificate}` (sha256(mspId ‖ PEM));
 * Substrate an AccountId32 or SS58 address.
 */
export const recipientOn = (to: RouteEnd, r: TransferRequest['recipient']): Hex | HttpFailure => {
  if (typeof r !== 'string') {
    if (to.kind !== 'fabric')
      return fail(400, 'request_invalid', `Field "recipient" must be an account on ${to.ref}.`, 'recipient', 'a string')
    return fabricIdentityOf(r.mspId, r.certificate).toLowerCase() as Hex
  }
  if (to.kind === 'fabric' && !/^0x[0-9a-fA-F]{64}$/.test(r))
    return fail(
      400,
      'request_invalid',
      `Field "recipient" must be a Fabric identity on ${to.ref}.`,
      'recipient',
      'bytes32 sha256(mspId ‖ certificate PEM), or {mspId, certificate}',
    )
  const recipient = recipientBytes32(r)
  if (!recipient)
    return fail(400, 'request_invalid', 'Field "recipient" is not a valid SS58 address.', 'recipient', 'an account')
  if (to.kind === 'evm' && !/^0x0{24}/.test(recipient))
    return fail(
      400,
      'request_invalid',
      `Field "recipient" must be an EVM address on ${to.ref}.`,
      'recipient',
      'a 20-byte address',
    )
  return recipient
}

/** A recipient as bytes32: an EVM address left-padded, a bytes32 account as is, an SS58 address as its AccountId32. */
export const recipientBytes32 = (r: string): Hex | undefined => {
  if (/^0x[0-9a-fA-F]{40}$/.test(r)) return addressToBytes32(r as Hex).toLowerCase() as Hex
  if (/^0x[0-9a-fA-F]{64}$/.test(r)) return r.toLowerCase() as Hex
  try {
    return toAccountId(r, 'recipient').toLowerCase() as Hex
  } catch (e) {
    if (e instanceof RelayError) return undefined
    throw e
  }
}
