import { MessageInvalidError } from '../../errors.js'
import { encodeMessage, messageId } from '../../protocol/index.js'
import type { Hex, Message } from '../../types.js'
import type { DeliveryResult } from '../types.js'
import { bridgeInterface, MESSAGE_STATUS } from './bridgeAbi.js'
import {
  callBridge,
  type DeliverDeps,
  parseRevert,
  readStatus,
  resultsOfReceipt,
  revertToError,
  sendReporting,
} from './createDeliver.js'
import { isExecutionRevert } from './toRelayError.js'

/** What a status other than Queued means for a release. */
const resultOfStatus = (id: Hex, status: number): DeliveryResult | undefined => {
  if (status === MESSAGE_STATUS.delivered) return { id, status: 'already-delivered' }
  if (status === MESSAGE_STATUS.failed) return { id, status: 'failed', reason: 'failed earlier' }
  if (status === MESSAGE_STATUS.cancelled) return { id, status: 'failed', reason: 'cancelled' }
  if (status === MESSAGE_STATUS.none) return { id, status: 'deferred', reason: 'not queued on the destination' }
  return undefined
}

/**
 * The destination half's `release`: `releaseQueued(message)` for a queued large transfer (NT-17,
 * F-29). Reads the status first (anything but Queued is answered without a transaction), simulates
 * (a release before `releaseAt` in chain time reverts `ReleaseTooEarly`: answered `queued` with
 * `releaseAt`, nothing sent), then sends and waits for finality. Idempotent: a relayer that lost
 * the race gets `already-delivered`.
 * @throws DestinationPausedError, RateLimitedError (retryable), DeliveryRevertedError, MessageInvalidError, RpcError, TxNotConfirmedError
 */
export const createRelease =
  (d: DeliverDeps) =>
  async (message: Message): Promise<DeliveryResult> => {
    if (message.destination !== d.domain) {
      throw new MessageInvalidError({
        field: 'destination',
        expected: `domain ${d.domain}`,
        got: String(message.destination),
      })
    }
    const id = messageId(message)
    const before = resultOfStatus(id, await readStatus(d, id))
    if (before) return before
    const data = bridgeInterface.encodeFunctionData('releaseQueued', [encodeMessage(message)]) as Hex
    let gas: bigint
    try {
      await callBridge(d, data, d.from)
      gas = BigInt(await d.rpc.request<Hex>('eth_estimateGas', [{ from: d.from, to: d.bridge, data }]))
    } catch (e) {
      if (!isExecutionRevert(e)) throw e
      const desc = parseRevert(e)
      if (desc?.name === 'ReleaseTooEarly') {
        const releaseAt = BigInt(desc.args[1])
        return { id, status: 'queued', reason: `releaseAt=${releaseAt}`, releaseAt }
      }
      // Released (or cancelled) between our status read and the simulation.
      if (desc?.name === 'UnexpectedStatus') return resultOfStatus(id, Number(desc.args[1])) ?? { id, status: 'queued' }
      const mapped = revertToError(d, e, [id])
      if (mapped === 'already-delivered') return { id, status: 'already-delivered' }
      throw mapped
    }
    const gasLimit = (gas * BigInt(100 + d.gasMarginPercent)) / 100n
    const receipt = await sendReporting(d, { to: d.bridge, data, gasLimit, msgIds: [id] }, (b) =>
      d.log.info({ msgId: id, txHash: b.txHash, nonce: b.nonce }, 'release transaction broadcast'),
    )
    const r = BigInt(receipt.status ?? '0x1') === 0n ? undefined : resultsOfReceipt(d, receipt).get(id.toLowerCase())
    if (r) {
      d.log.info({ msgId: id, status: r.status, txHash: receipt.transactionHash }, 'queued transfer released')
      return { ...r, id }
    }
    // Reverted on chain or no event of ours: another relayer's release landed first, or it is still queued.
    const after = resultOfStatus(id, await readStatus(d, id))
    return after ?? { id, status: 'queued', reason: 'release transaction did not execute it' }
  }
