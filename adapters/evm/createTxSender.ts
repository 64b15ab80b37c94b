import { type SigningKey, Transaction } from 'ethers'
import type { Logger } from 'pino'
import {
  catchError,
  defer,
  filter,
  lastValueFrom,
  map,
  Observable,
  of,
  repeat,
  take,
  takeUntil,
  takeWhile,
  throwIfEmpty,
  timer,
} from 'rxjs'
import { RpcError, TxNotConfirmedError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { NonceManager } from './createNonceManager.js'
import type { RpcClient } from './createRpcClient.js'
import { bumpedFees, type Fees, initialFees } from './feePolicy.js'
import { type RpcBlock, type RpcReceipt, type RpcTransaction, toQuantity } from './rpcTypes.js'
import { classifySendFault, isInsufficientFunds } from './toRelayError.js'

export interface TxSenderOptions {
  chain: ChainRef
  chainId: bigint
  rpc: RpcClient
  log: Logger
  key: SigningKey
  from: Hex
  nonces: NonceManager
  maxFeePerGasCapWei: bigint
  maxPriorityFeePerGasWei?: bigint
  bumpPercent: number
  stuckAfterMs: number
  pollIntervalMs: number
  txTimeoutMs: number
  confirmations: number
  now?: () => number
}

export interface TxRequest {
  to: Hex
  data: Hex
  gasLimit: bigint
  /** Message ids the transaction carries, for logs. */
  msgIds: Hex[]
}

interface Sent {
  hash: Hex
  raw: Hex
  fees: Fees
}

/**
 * What a send did so far: `broadcast` for the first transaction and for every replacement (same
 * nonce, bumped fees) or re-send of dropped bytes; then `confirmed` with the receipt.
 */
export type TxProgress =
  | { kind: 'broadcast'; txHash: Hex; nonce: bigint; replaces?: Hex }
  | { kind: 'confirmed'; receipt: RpcReceipt }

/** Signs, broadcasts and sees one transaction through to `confirmations`, replacing it when stuck or dropped. */
export interface TxSender {
  /**
   * Resolve with the receipt once it is `confirmations` deep (status may be 0: the caller decides).
   * @throws RpcError (retryable; the nonce was given back or resynced), TxNotConfirmedError
   */
  sendAndConfirm(req: TxRequest): Promise<RpcReceipt>
  /**
   * Cold: the same send, reported as it goes (`broadcast`…, then `confirmed`, then complete).
   * Unsubscribing stops the confirmation polling (the transaction itself stays broadcast).
   * Errors are the ones `sendAndConfirm` throws.
   */
  sendAndConfirm$(req: TxRequest): Observable<TxProgress>
}

export const createTxSender = (o: TxSenderOptions): TxSender => {
  const now = o.now ?? Date.now

  const freshFees = async (): Promise<Fees> => {
    const [latest, tip] = await Promise.all([
      o.rpc.request<RpcBlock>('eth_getBlockByNumber', ['latest', false]),
      o.maxPriorityFeePerGasWei === undefined
        ? o.rpc.request<Hex>('eth_maxPriorityFeePerGas').then(BigInt)
        : Promise.resolve(o.maxPriorityFeePerGasWei),
    ])
    return initialFees(BigInt(latest.baseFeePerGas ?? '0x0'), tip, o.maxFeePerGasCapWei)
  }

  const sign = (req: TxRequest, nonce: bigint, fees: Fees): Sent => {
    const tx = Transaction.from({
      type: 2,
      chainId: o.chainId,
      nonce: Number(nonce),
      to: req.to,
      data: req.data,
      gasLimit: req.gasLimit,
      maxFeePerGas: fees.maxFeePerGasWei,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGasWei,
      value: 0n,
    })
    tx.signature = o.key.sign(tx.unsignedHash)
    return { hash: tx.hash as Hex, raw: tx.serialized as Hex, fees }
  }

  const isKnown = (hash: Hex) =>
    o.rpc.request<RpcTransaction | null>('eth_getTransactionByHash', [hash]).then(
      (t) => t !== null,
      () => false,
    )

  /** Broadcast; a failure the node may still have acted on is resolved by looking the hash up. */
  const broadcast = async (s: Sent): Promise<'ok' | Exclude<ReturnType<typeof classifySendFault>, 'already-known'>> => {
    try {
      await o.rpc.request<Hex>('eth_sendRawTransaction', [s.raw])
      return 'ok'
    } catch (e) {
      const kind = classifySendFault(e)
      if (kind === 'already-known' || (await isKnown(s.hash))) return 'ok'
      if (isInsufficientFunds(e)) {
        // F-34: this relayer cannot deliver until refunded; the others take its messages over.
        o.log.error({ alert: 'signer-funds', err: e, txHash: s.hash }, 'ALERT delivery signer cannot pay for gas')
      } else o.log.warn({ err: e, txHash: s.hash, kind }, 'broadcast failed')
      return kind
    }
  }

  type Emit = (p: TxProgress) => void

  const run = async (req: TxRequest, emit: Emit, isClosed: () => boolean): Promise<RpcReceipt> => {
    const fees = await freshFees()
    const nonce = await o.nonces.reserve()
    const log = o.log.child({ nonce, msgIds: req.msgIds })
    const first = sign(req, nonce, fees)
    const outcome = await broadcast(first)
    if (outcome !== 'ok') {
      if (outcome === 'nonce-too-low' || outcome === 'nonce-too-high') o.nonces.resync()
      else o.nonces.release(nonce)
      throw new RpcError({
        chain: o.chain,
        method: 'eth_sendRawTransaction',
        retryable: true,
        cause: { broadcast: outcome },
      })
    }
    log.info({ txHash: first.hash, maxFeePerGasWei: fees.maxFeePerGasWei }, 'transaction broadcast')
    emit({ kind: 'broadcast', txHash: first.hash, nonce })
    return waitConfirmed(req, nonce, first, log, emit, isClosed)
  }

  const sendAndConfirm$ = (req: TxRequest): Observable<TxProgress> =>
    new Observable<TxProgress>((sub) => {
      let closed = false
      run(
        req,
        (p) => {
          if (!closed) sub.next(p)
        },
        () => closed,
      ).then(
        (receipt) => {
          sub.next({ kind: 'confirmed', receipt })
          sub.complete()
        },
        (err: unknown) => sub.error(err),
      )
      return () => {
        closed = true
      }
    })

  const sendAndConfirm = (req: TxRequest): Promise<RpcReceipt> =>
    lastValueFrom(
      sendAndConfirm$(req).pipe(
        filter((p): p is Extract<TxProgress, { kind: 'confirmed' }> => p.kind === 'confirmed'),
        map((p) => p.receipt),
      ),
    )

  const waitConfirmed = (
    req: TxRequest,
    nonce: bigint,
    first: Sent,
    log: Logger,
    emit: Emit,
    isClosed: () => boolean,
  ): Promise<RpcReceipt> => {
    const sent: Sent[] = [first]
    let lastBroadcastMs = now()
    let capAlerted = false

    const findReceipt = async (): Promise<RpcReceipt | undefined> => {
      for (const s of [...sent].reverse()) {
        const r = await o.rpc.request<RpcReceipt | null>('eth_getTransactionReceipt', [s.hash])
        if (r) return r
      }
      return undefined
    }

    const unstick = async () => {
      const latest = sent[sent.length - 1]!
      const minedNonce = BigInt(await o.rpc.request<Hex>('eth_getTransactionCount', [o.from, 'latest']))
      if (minedNonce > nonce) return // mined by one of ours; its receipt shows up on the next poll
      if (!(await isKnown(latest.hash))) {
        // F-24: dropped from the mempool with the nonce unused: the same signed bytes again.
        const r = await broadcast(latest)
        log.warn({ txHash: latest.hash, outcome: r }, 'transaction dropped, re-sent with the same nonce')
        if (r === 'ok') {
          lastBroadcastMs = now()
          emit({ kind: 'broadcast', txHash: latest.hash, nonce })
          return
        }
      }
      // F-23: stuck (underpriced): the same nonce with fees bumped, up to the cap.
      const next = bumpedFees(latest.fees, await freshFees(), o.bumpPercent, o.maxFeePerGasCapWei)
      if (!next) {
        if (!capAlerted)
          log.error(
            { alert: 'fee-cap-reached', txHash: latest.hash, capWei: o.maxFeePerGasCapWei },
            'stuck transaction at the fee cap',
          )
        capAlerted = true
        lastBroadcastMs = now()
        return
      }
      const replacement = sign(req, nonce, next)
      const r = await broadcast(replacement)
      if (r === 'ok') {
        sent.push(replacement)
        log.warn(
          { txHash: replacement.hash, replaces: latest.hash, maxFeePerGasWei: next.maxFeePerGasWei },
          'transaction replaced',
        )
        emit({ kind: 'broadcast', txHash: replacement.hash, nonce, replaces: latest.hash })
      }
      lastBroadcastMs = now()
    }

    const tick = async (): Promise<RpcReceipt | undefined> => {
      const receipt = await findReceipt()
      if (!receipt) {
        if (now() - lastBroadcastMs >= o.stuckAfterMs) await unstick()
        return undefined
      }
      const head = BigInt(await o.rpc.request<Hex>('eth_blockNumber'))
      if (head - BigInt(receipt.blockNumber) + 1n < BigInt(o.confirmations)) return undefined
      // Still the same block at that height: not reorged out while we waited.
      const b = await o.rpc.request<RpcBlock | null>('eth_getBlockByNumber', [
        toQuantity(BigInt(receipt.blockNumber)),
        false,
      ])
      return b && b.hash.toLowerCase() === receipt.blockHash.toLowerCase() ? receipt : undefined
    }

    return lastValueFrom(
      defer(tick).pipe(
        catchError((err: unknown) => {
          log.warn({ err }, 'confirmation poll failed, will poll again')
          return of(undefined)
        }),
        // One poll at a time: the next starts pollIntervalMs after the previous one finished.
        repeat({ delay: o.pollIntervalMs }),
        // The subscriber went away: stop polling (nobody waits for the receipt any more).
        takeWhile(() => !isClosed()),
        filter((r): r is RpcReceipt => r !== undefined),
        take(1),
        takeUntil(timer(o.txTimeoutMs)),
        throwIfEmpty(() =>
          isClosed()
            ? new RpcError({ chain: o.chain, method: 'confirm (unsubscribed)' })
            : new TxNotConfirmedError({ chain: o.chain, txHash: sent[sent.length - 1]!.hash, waitedMs: o.txTimeoutMs }),
        ),
      ),
    )
  }

  return { sendAndConfirm, sendAndConfirm$ }
}
