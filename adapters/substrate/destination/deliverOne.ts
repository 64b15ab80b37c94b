import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { Logger } from 'pino'
import { DeliveryRevertedError, RpcError, SignerFundsLowError } from '../../../errors.js'
import type { ChainRef, Hex } from '../../../types.js'
import type { DeliveryResult } from '../../types.js'
import { classifyMultisigError } from './classifyMultisigError.js'
import { type CommitteeMultisig, otherSignatories } from './committeeMultisig.js'
import type { DeliveredIndex } from './createDeliveredIndex.js'
import type { ExtrinsicOutcome, ExtrinsicSubmitter } from './createExtrinsicSubmitter.js'
import { deliveredMarkerHash } from './deliveryCall.js'
import { queryOf, txOf } from './runtimeCalls.js'
import type { ExecutionRecord } from './types.js'

export interface DeliverOneDeps {
  api: ApiPromise
  chain: ChainRef
  multisig: CommitteeMultisig
  /** This relayer's AccountId32 (a signatory). */
  me: Hex
  index: DeliveredIndex
  submitter: ExtrinsicSubmitter
  log: Logger
  /** After this relayer approved: how long to wait for the other approvals before `deferred`. */
  approvalWaitMs: number
  pollIntervalMs: number
  /** Extrinsics one delivery may send (approvals and retries after a classified race). */
  maxExtrinsics: number
  weightMarginPercent: number
  now: () => number
}

export interface DeliverOneInput {
  id: Hex
  call: SubmittableExtrinsic<'promise'>
  callHash: Hex
  onSubmitted: (b: { txHash: Hex; nonce: bigint }) => void
}

/** A pending operation of the multisig (`multisig.multisigs(account, callHash)`). */
interface PendingOp {
  when: { height: number; index: number }
  approvals: Hex[]
}

const same = (a: { blockHash: Hex; extrinsicIndex: number }, b?: ExtrinsicOutcome) =>
  b !== undefined && a.blockHash === b.blockHash && a.extrinsicIndex === b.extrinsicIndex

const executionResult = (id: Hex, ex: ExecutionRecord, ours?: ExtrinsicOutcome): DeliveryResult => {
  const pos = same(ex, ours) ? { txHash: ours!.txHash, blockNumber: ours!.blockNumber } : {}
  return { id, status: 'failed', reason: ex.error ?? 'execution failed', ...pos }
}

/**
 * One message through the committee multisig (NT-18, NT-19): before every approval, the delivered-id
 * index (chain events up to the finalized head) and the pending operation at that same finalized
 * block decide what to do — nothing (delivered, or already approved by us: wait for the others),
 * open the operation (`approveAsMulti` without a timepoint), add an approval (`approveAsMulti` with
 * the operation's timepoint) or execute it (`asMulti` with the call and `max_weight`, the last
 * approval). Races (NoTimepoint, WrongTimepoint, UnexpectedTimepoint, AlreadyApproved) re-read the
 * chain and go again, so three relayers converge on exactly one execution.
 */
export const createDeliverOne = (d: DeliverOneDeps) => {
  const others = otherSignatories(d.multisig, d.me)
  const { threshold, account } = d.multisig
  const weightArg = () => {
    const args = txOf(d.api, 'multisig', 'asMulti').meta.args
    return args[args.length - 1]!.type.toString()
  }
  const hasStoreCall = () => txOf(d.api, 'multisig', 'asMulti').meta.args.length === 6

  const maxWeight = async (call: SubmittableExtrinsic<'promise'>, boost: number) => {
    const info = await call.paymentInfo(d.me)
    const w = info.weight as unknown as { refTime?: { toBigInt(): bigint }; proofSize?: { toBigInt(): bigint } }
    const scale = (v: bigint) => (v * BigInt(100 + d.weightMarginPercent) * BigInt(boost)) / 100n
    if (w.refTime && w.proofSize) {
      const v2 = { refTime: scale(w.refTime.toBigInt()), proofSize: scale(w.proofSize.toBigInt()) }
      return weightArg() === 'u64' ? v2.refTime : v2
    }
    const v1 = scale((info.weight as unknown as { toBigInt(): bigint }).toBigInt())
    return weightArg() === 'u64' ? v1 : { refTime: v1, proofSize: 1n << 20n }
  }

  const pendingAt = async (blockNumber: bigint, callHash: Hex): Promise<PendingOp | undefined> => {
    const at = await d.api.at(await d.api.rpc.chain.getBlockHash(blockNumber))
    const opt = (await queryOf(at, 'multisig', 'multisigs')(account, callHash)) as unknown as {
      isSome: boolean
      unwrap(): {
        when: { height: { toNumber(): number }; index: { toNumber(): number } }
        approvals: { toHex(): string }[]
      }
    }
    if (!opt.isSome) return undefined
    const m = opt.unwrap()
    return {
      when: { height: m.when.height.toNumber(), index: m.when.index.toNumber() },
      approvals: m.approvals.map((a) => a.toHex() as Hex),
    }
  }

  /** Resolve once the finalized head is above `after` (or `maxMs` passed). */
  const nextFinalized = (after: bigint, maxMs: number) =>
    new Promise<void>((resolve) => {
      const t0 = d.now()
      const tick = () =>
        d.api.rpc.chain
          .getFinalizedHead()
          .then((h) => d.api.rpc.chain.getHeader(h))
          .then(
            (h) => h.number.toBigInt() > after,
            () => false,
          )
          .then((moved) => (moved || d.now() - t0 >= maxMs ? resolve() : void setTimeout(tick, d.pollIntervalMs)))
      tick()
    })

  const decide = async (x: DeliverOneInput, op: PendingOp | undefined, boost: number) => {
    if (threshold === 1) return txOf(d.api, 'multisig', 'asMultiThreshold1')(others, x.call)
    const weight = await maxWeight(x.call, boost)
    if (!op) return txOf(d.api, 'multisig', 'approveAsMulti')(threshold, others, null, x.callHash, weight)
    if (op.approvals.length + 1 >= threshold) {
      return hasStoreCall()
        ? txOf(d.api, 'multisig', 'asMulti')(threshold, others, op.when, x.call.method, false, weight)
        : txOf(d.api, 'multisig', 'asMulti')(threshold, others, op.when, x.call.method, weight)
    }
    return txOf(d.api, 'multisig', 'approveAsMulti')(threshold, others, op.when, x.callHash, weight)
  }

  return async (x: DeliverOneInput): Promise<DeliveryResult> => {
    const log = d.log.child({ msgId: x.id, callHash: x.callHash })
    const markerHash = deliveredMarkerHash(x.id)
    let ours: ExtrinsicOutcome | undefined
    let waitingSince: number | undefined
    let approvedHere = false
    let boost = 1
    let sent = 0
    for (;;) {
      const fin = await d.index.sync()
      const marker = d.index.marker(markerHash)
      if (marker) {
        if (same(marker, ours))
          return { id: x.id, status: 'delivered', txHash: ours!.txHash, blockNumber: ours!.blockNumber }
        return { id: x.id, status: 'already-delivered', blockNumber: marker.blockNumber }
      }
      const ex = d.index.execution(x.callHash)
      if (ex && !ex.isOk) return executionResult(x.id, ex, ours)
      const op = await pendingAt(fin, x.callHash)
      const pendingMarker = !op && (await d.index.unfinalizedMarkers()).has(markerHash)
      if (!pendingMarker && op?.approvals.includes(d.me) && !approvedHere) {
        // Approved by an earlier attempt and still short of the threshold: with one shared delivery
        // queue the other members may never have seen this certificate, so hand it back at once.
        return { id: x.id, status: 'deferred', reason: `awaiting approvals (${op.approvals.length} of ${threshold})` }
      }
      if (pendingMarker || op?.approvals.includes(d.me)) {
        // Delivered in a block not final yet, or approved by us just now: the others (or finality) move it on.
        waitingSince ??= d.now()
        const waited = d.now() - waitingSince
        if (waited >= d.approvalWaitMs) {
          return {
            id: x.id,
            status: 'deferred',
            reason: `awaiting approvals (${op?.approvals.length ?? 0} of ${threshold})`,
          }
        }
        await nextFinalized(fin, d.approvalWaitMs - waited)
        continue
      }
      if (sent >= d.maxExtrinsics)
        return { id: x.id, status: 'deferred', reason: `no convergence after ${sent} multisig extrinsics` }
      const tx = await decide(x, op, boost)
      sent++
      try {
        ours = await d.submitter.submit(tx, x.onSubmitted)
      } catch (e) {
        // Dropped, invalid (a nonce race) or a lost connection: the chain state decides the next step.
        if (!(e instanceof RpcError && e.retryable) || sent >= d.maxExtrinsics) throw e
        log.warn({ err: e }, 'multisig extrinsic not included, re-reading the chain')
        continue
      }
      log.info(
        { txHash: ours.txHash, blockNumber: ours.blockNumber, error: ours.error, approvals: op?.approvals.length ?? 0 },
        'multisig extrinsic final',
      )
      if (!ours.error) {
        approvedHere = true // approved or executed: the index and storage say which
        continue
      }
      const kind = classifyMultisigError(ours.error)
      if (kind === 'race') continue
      if (kind === 'weight') boost *= 2
      else if (kind === 'funds')
        throw new SignerFundsLowError({ chain: d.chain, account: d.me, detail: `${ours.error} (multisig deposit)` })
      else
        throw new DeliveryRevertedError({ chain: d.chain, id: x.id, reason: ours.error, retryable: kind === 'retry' })
    }
  }
}
