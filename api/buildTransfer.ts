import { buildTransferTxs } from '../adapters/index.js'
import { addressToBytes32 } from '../protocol/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { ApiSetup } from './apiChains.js'
import { fail, type HttpFailure } from './httpFailure.js'
import { routeChains } from './quoteTransfer.js'
import { assetIdOf } from './resolveAssets.js'
import type { TransferRequest, TransferResponse } from './schemas.js'

/**
 * The unsigned source transactions of a transfer for the user's wallet: an ERC-20 `approve` first when
 * the sender's allowance to the bridge is short, then `sendToken`; or one `dispatch`. Never signs.
 * @throws RpcError, RpcTimeoutError when the source chain does not answer
 */
export const buildTransfer = async (setup: ApiSetup, t: TransferRequest): Promise<TransferResponse | HttpFailure> => {
  const chains = routeChains(setup, t.from as ChainRef, t.to as ChainRef)
  if ('httpStatus' in chains) return chains
  const { from, to } = chains
  const recipient = (
    t.recipient.length === 42 ? addressToBytes32(t.recipient as Hex) : t.recipient
  ).toLowerCase() as Hex
  if (to.kind === 'evm' && !/^0x0{24}/.test(recipient))
    return fail(
      400,
      'request_invalid',
      `Field "recipient" must be an EVM address on ${to.ref}.`,
      'recipient',
      'a 20-byte address',
    )
  const base = { chainId: from.reader.chainId, bridge: from.reader.bridge, destination: to.domain, recipient }
  let txs: ReturnType<typeof buildTransferTxs>
  if (t.kind === 'token') {
    const assetId = t.assetId!.toLowerCase() as Hex
    const [onFrom, onTo] = await Promise.all([from.reader.assetOf(assetId), to.reader.assetOf(assetId)])
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
    txs: txs.map((x) => ({
      to: x.to.toLowerCase(),
      data: x.data.toLowerCase(),
      value: x.value.toString(),
      chainId: x.chainId.toString(),
      description: x.description,
    })),
  }
}
