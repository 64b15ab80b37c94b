import { type ErrorDescription, getBytes, toUtf8String } from 'ethers'
import type { Logger } from 'pino'
import { filter, lastValueFrom, map, Observable, tap } from 'rxjs'
import {
  DeliveryRevertedError,
  DestinationPausedError,
  MessageInvalidError,
  RateLimitedError,
  type RelayError,
  RpcError,
} from '../../errors.js'
import { encodeMessage, messageId } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import type { DeliveryItem, DeliveryProgress, DeliveryResult } from '../types.js'
import { bridgeInterface, MESSAGE_STATUS } from './bridgeAbi.js'
import { callView } from './callView.js'
import type { RpcClient } from './createRpcClient.js'
import type { TxProgress, TxRequest, TxSender } from './createTxSender.js'
import type { RpcReceipt } from './rpcTypes.js'
import { isExecutionRevert, revertDataOf } from './toRelayError.js'

export interface DeliverDeps {
  chain: ChainRef
  domain: number
  bridge: Hex
  from: Hex
  rpc: RpcClient
  log: Logger
  sender: TxSender
  gasMarginPercent: number
  /** Whole attempts (status check, simulate, send) when a race or nonce conflict makes one fail. */
  maxAttempts?: number
}

/** `DeliverySkipped` reasons (docs/bridge-evm.md). */
const SKIP_REASON = { alreadyHandled: 1, rateLimited: 2 } as const

/** eth_call of the bridge at `latest` (a simulation; reverts surface as JSON-RPC faults). */
export const callBridge = async (d: Pick<DeliverDeps, 'rpc' | 'bridge'>, data: string, from?: Hex): Promise<Hex> =>
  d.rpc.request<Hex>('eth_call', [{ to: d.bridge, data, ...(from ? { from } : {}) }, 'latest'])

/** `messageStatus(id)` of the destination bridge. */
export const readStatus = async (d: Pick<DeliverDeps, 'chain' | 'rpc' | 'bridge'>, id: Hex): Promise<number> =>
  Number((await callView(d, 'messageStatus', [id]))[0])

const resultOfStatus = (id: Hex, status: number): DeliveryResult | undefined => {
  if (status === MESSAGE_STATUS.none) return undefined
  if (status === MESSAGE_STATUS.delivered) return { id, status: 'already-delivered' }
  if (status === MESSAGE_STATUS.queued) return { id, status: 'queued', reason: 'queued earlier' }
  return { id, status: 'failed', reason: status === MESSAGE_STATUS.cancelled ? 'cancelled' : 'failed earlier' }
}

/** A `queued` result with the destination's `queuedReleaseAt` filled in (0 = no longer queued: left out). */
const withReleaseAt = async (d: DeliverDeps, r: DeliveryResult): Promise<DeliveryResult> => {
  const at = BigInt((await callView(d, 'queuedReleaseAt', [r.id]))[0])
  return at > 0n ? { ...r, releaseAt: at } : r
}

export const parseRevert = (e: unknown): ErrorDescription | null => {
  const data = revertDataOf(e)
  if (!data || data === '0x') return null
  try {
    return bridgeInterface.parseError(data)
  } catch {
    return null
  }
}

/** Map a revert of the simulated call to the relay's error classes (or `already-delivered`). */
export const revertToError = (d: DeliverDeps, e: unknown, ids: Hex[]): RelayError | 'already-delivered' => {
  const desc = parseRevert(e)
  const id = ids.length === 1 ? ids[0] : undefined
  const at = id ? { id } : {}
  if (desc?.name === 'AlreadyDelivered') return 'already-delivered'
  if (desc?.name === 'BridgePaused') return new DestinationPausedError({ chain: d.chain, ...at })
  if (desc?.name === 'RateLimited') return new RateLimitedError({ chain: d.chain, ...at, asset: String(desc.args[0]) })
  const reason = desc ? desc.name : (revertDataOf(e) ?? 'execution reverted')
  return new DeliveryRevertedError({ chain: d.chain, id: id ?? ids.join(','), reason, retryable: false, cause: e })
}

export const failureReason = (reason: Hex): string => {
  try {
    const desc = bridgeInterface.parseError(reason)
    if (desc) return desc.name
  } catch {}
  // Error(string) from the recipient.
  if (reason.startsWith('0x08c379a0')) {
    try {
      return toUtf8String(getBytes(`0x${reason.slice(10 + 128)}`)).replace(/\0+$/, '') || reason
    } catch {}
  }
  return reason
}

/** Outcomes per id from the bridge's events in the receipt. */
export const resultsOfReceipt = (d: Pick<DeliverDeps, 'bridge'>, receipt: RpcReceipt): Map<string, DeliveryResult> => {
  const out = new Map<string, DeliveryResult>()
  const base = {
    txHash: receipt.transactionHash,
    blockNumber: BigInt(receipt.blockNumber),
    gasUsed: BigInt(receipt.gasUsed),
  }
  for (const l of receipt.logs) {
    if (l.address.toLowerCase() !== d.bridge.toLowerCase()) continue
    const ev = bridgeInterface.parseLog({ topics: l.topics, data: l.data })
    if (!ev) continue
    const id = String(ev.args[0]).toLowerCase() as Hex
    if (ev.name === 'Delivered') out.set(id, { id, status: 'delivered', ...base })
    else if (ev.name === 'DeliveryFailed')
      out.set(id, { id, status: 'failed', reason: failureReason(ev.args[1] as Hex), ...base })
    else if (ev.name === 'DeliverySkipped')
      // reason 1: already handled (another relayer won); 2: rate limited, status stays None.
      out.set(
        id,
        Number(ev.args[1]) === SKIP_REASON.rateLimited
          ? { id, status: 'deferred', reason: 'rate-limited', ...base }
          : { id, status: 'already-delivered', ...base },
      )
    else if (ev.name === 'TransferQueued')
      out.set(id, { id, status: 'queued', reason: `releaseAt=${ev.args[1]}`, releaseAt: BigInt(ev.args[1]), ...base })
  }
  return out
}

type Emit = (p: DeliveryProgress) => void

/**
 * The destination half's `deliver` / `deliverProgress$`: skip ids the bridge already handled,
 * simulate, send one `deliver` or `deliverBatch` transaction (reporting every broadcast as
 * `submitted`), and map its events to results (in item order).
 * @throws DestinationPausedError, RateLimitedError (retryable), DeliveryRevertedError, MessageInvalidError, RpcError, TxNotConfirmedError
 */
export const createDeliver = (d: DeliverDeps) => {
  const attempt = async (items: DeliveryItem[], ids: Hex[], emit: Emit): Promise<DeliveryResult[] | undefined> => {
    const known = new Map<string, DeliveryResult>()
    const statuses = await Promise.all(ids.map((id) => readStatus(d, id)))
    statuses.forEach((s, k) => {
      const r = resultOfStatus(ids[k]!, s)
      if (r) known.set(ids[k]!, r)
    })
    for (const [id, r] of known) if (r.status === 'queued') known.set(id, await withReleaseAt(d, r))
    const pending = items.filter((_, k) => !known.has(ids[k]!))
    const pendingIds = ids.filter((id) => !known.has(id))
    if (pending.length === 0) return ids.map((id) => known.get(id)!)
    const epoch = pending[0]!.certificate.epoch
    const sigs = pending.map((it) => `0x${it.certificate.signatures.map((s) => s.slice(2)).join('')}`)
    const encoded = pending.map((it) => encodeMessage(it.message))
    const data =
      pending.length === 1
        ? bridgeInterface.encodeFunctionData('deliver', [encoded[0], epoch, sigs[0]])
        : bridgeInterface.encodeFunctionData('deliverBatch', [encoded, epoch, sigs])
    // Simulate first: a relayer that lost the race, or a paused bridge, burns no gas.
    let gas: bigint
    try {
      await callBridge(d, data, d.from)
      gas = BigInt(await d.rpc.request<Hex>('eth_estimateGas', [{ from: d.from, to: d.bridge, data }]))
    } catch (e) {
      if (!isExecutionRevert(e)) throw e
      const mapped = revertToError(d, e, pendingIds)
      if (mapped === 'already-delivered') return undefined // re-read the statuses
      throw mapped
    }
    const gasLimit = (gas * BigInt(100 + d.gasMarginPercent)) / 100n
    const receipt = await sendReporting(d, { to: d.bridge, data: data as Hex, gasLimit, msgIds: pendingIds }, (b) =>
      emit({ kind: 'submitted', txHash: b.txHash, ids: pendingIds, nonce: b.nonce }),
    )
    if (BigInt(receipt.status ?? '0x1') === 0n) {
      d.log.warn(
        { txHash: receipt.transactionHash, msgIds: pendingIds },
        'delivery transaction reverted on chain; re-checking',
      )
      return undefined
    }
    const fromReceipt = resultsOfReceipt(d, receipt)
    for (const id of pendingIds) {
      const r = fromReceipt.get(id.toLowerCase())
      if (r) known.set(id, { ...r, id })
      else {
        const status = await readStatus(d, id)
        known.set(
          id,
          resultOfStatus(id, status) ?? {
            id,
            status: 'deferred',
            reason: 'not executed by the transaction',
            txHash: receipt.transactionHash,
          },
        )
      }
    }
    for (const id of pendingIds)
      d.log.info({ msgId: id, status: known.get(id)!.status, txHash: receipt.transactionHash }, 'delivery settled')
    return ids.map((id) => known.get(id)!)
  }

  const checkItems = (items: DeliveryItem[]) => {
    for (const it of items) {
      if (it.message.destination !== d.domain) {
        throw new MessageInvalidError({
          field: 'destination',
          expected: `domain ${d.domain}`,
          got: String(it.message.destination),
        })
      }
      if (it.certificate.epoch !== items[0]!.certificate.epoch) {
        throw new MessageInvalidError({
          field: 'certificate.epoch',
          expected: 'one epoch per batch',
          got: String(it.certificate.epoch),
        })
      }
    }
  }

  const run = async (items: DeliveryItem[], emit: Emit): Promise<DeliveryResult[]> => {
    if (items.length === 0) return []
    checkItems(items)
    const ids = items.map((it) => messageId(it.message))
    const maxAttempts = d.maxAttempts ?? 3
    let lastErr: unknown
    for (let k = 1; k <= maxAttempts; k++) {
      try {
        const r = await attempt(items, ids, emit)
        if (r) return r
      } catch (e) {
        // Only conflicts worth a fresh look at the destination are retried here; others go to the caller.
        if (!(e instanceof RpcError && e.retryable)) throw e
        lastErr = e
        d.log.warn({ err: e, msgIds: ids, attempt: k }, 'delivery attempt failed, re-checking the destination')
      }
    }
    if (lastErr) throw lastErr
    throw new DeliveryRevertedError({
      chain: d.chain,
      id: ids.join(','),
      reason: 'reverted on chain without a recorded outcome',
      retryable: true,
    })
  }

  const deliverProgress$ = (items: DeliveryItem[]): Observable<DeliveryProgress> =>
    new Observable<DeliveryProgress>((sub) => {
      let closed = false
      run(items, (p) => {
        if (!closed) sub.next(p)
      }).then(
        (results) => {
          sub.next({ kind: 'settled', results })
          sub.complete()
        },
        (err: unknown) => sub.error(err),
      )
      return () => {
        closed = true
      }
    })

  const deliver = async (items: DeliveryItem[]): Promise<DeliveryResult[]> => {
    const last = await lastValueFrom(deliverProgress$(items))
    return last.kind === 'settled' ? last.results : []
  }

  return { deliver, deliverProgress$ }
}

/** `sendAndConfirm$` to the receipt, calling `onBroadcast` for each broadcast on the way. */
export const sendReporting = (
  d: Pick<DeliverDeps, 'sender'>,
  req: TxRequest,
  onBroadcast: (b: Extract<TxProgress, { kind: 'broadcast' }>) => void,
): Promise<RpcReceipt> =>
  lastValueFrom(
    d.sender.sendAndConfirm$(req).pipe(
      tap((p) => {
        if (p.kind === 'broadcast') onBroadcast(p)
      }),
      filter((p): p is Extract<TxProgress, { kind: 'confirmed' }> => p.kind === 'confirmed'),
      map((p) => p.receipt),
    ),
  )
