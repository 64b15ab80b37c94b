import type { ChainRef, Hex } from '../types.js'
import type { ApiChain, ApiSetup } from './apiChains.js'
import { recipientOn } from './buildTransfer.js'
import { fail, type HttpFailure } from './httpFailure.js'
import { assetOn, routeEnd } from './quoteTransfer.js'
import type { FabricTransferResponse, TransferRequest } from './schemas.js'

/**
 * The unsigned Fabric side of a transfer: the bridge chaincode proposal (`sendToken(destination,
 * assetId, amount, beneficiary)` or `dispatch(destination, recipient, payloadHex)` of contract
 * `isthmus`) for the user's own Fabric identity to endorse and submit through its gateway. Reads
 * nothing on Fabric: the chaincode itself refuses an unknown asset or a short balance at endorsement.
 */
export const buildFabricTransfer = async (
  setup: ApiSetup,
  from: ApiChain & { fabric: NonNullable<ApiChain['fabric']> },
  t: TransferRequest,
): Promise<FabricTransferResponse | HttpFailure> => {
  const dst = setup.chains.find((c) => c.ref === t.to)
  if (!dst) return fail(400, 'route_unknown', `Chain ${t.to} is not configured.`, 'to')
  if (!setup.routes.some((r) => r.from === from.ref && r.to === (t.to as ChainRef)))
    return fail(400, 'route_unknown', `There is no route ${from.ref} -> ${t.to}.`, 'to')
  const to = routeEnd(dst)
  if (!to) return fail(400, 'chain_unsupported', `The API cannot build transfers to ${dst.kind} chains yet.`, 'to')
  if (!/^0x[0-9a-fA-F]{64}$/.test(t.sender))
    return fail(
      400,
      'request_invalid',
      `Field "sender" must be a Fabric identity on ${from.ref}.`,
      'sender',
      'bytes32 sha256(mspId ‖ certificate PEM)',
    )
  const recipient = recipientOn(to, t.recipient)
  if (typeof recipient !== 'string') return recipient
  const base = {
    chain: from.ref,
    kind: 'fabric-proposal' as const,
    recipient,
    channel: from.fabric.channel,
    chaincode: from.fabric.chaincode,
    contract: 'isthmus',
  }
  if (t.kind === 'message')
    return {
      ...base,
      function: 'dispatch',
      args: [String(to.domain), recipient, t.payload!.toLowerCase()],
      description: `dispatch an app message to domain ${to.domain}`,
    }
  const assetId = t.assetId!.toLowerCase() as Hex
  if (!(await assetOn(to, assetId)))
    return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${to.ref}.`, 'assetId')
  return {
    ...base,
    function: 'sendToken',
    args: [String(to.domain), assetId, BigInt(t.amount!).toString(), recipient],
    description: `send ${t.amount} of asset ${assetId} (base units) to domain ${to.domain}`,
  }
}
