import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ISubmittableResult } from '@polkadot/types/types'
import type { Logger } from 'pino'
import { RpcError, SignerFundsLowError, TxNotConfirmedError } from '../../../errors.js'
import type { ChainRef, Hex } from '../../../types.js'
import { dispatchErrorName } from './dispatchErrorName.js'

export interface ExtrinsicSubmitterOptions {
  api: ApiPromise
  chain: ChainRef
  signer: KeyringPair
  log: Logger
  /** From submission to a finalized block containing the extrinsic. */
  txTimeoutMs: number
  pollIntervalMs: number
}

/** A finalized extrinsic of ours: where it landed and what its dispatch did. */
export interface ExtrinsicOutcome {
  txHash: Hex
  nonce: bigint
  blockHash: Hex
  blockNumber: bigint
  extrinsicIndex: number
  /** `section.method` and raw data of the events the extrinsic emitted. */
  events: { section: string; method: string; data: Hex[] }[]
  /** `pallet.Error` of a failed dispatch (the fee was paid; nothing else happened). */
  error?: string
}

const isFeeRefusal = (e: unknown): boolean =>
  /Inability to pay some fees|account balance too low|"payment"/i.test(e instanceof Error ? e.message : String(e))

/**
 * Signs with the relayer's own sr25519 account (it pays the fees) and sees each extrinsic through to
 * a finalized block. Submissions are serialised and nonces journaled, so concurrent deliveries never
 * reuse a nonce.
 */
export const createExtrinsicSubmitter = (o: ExtrinsicSubmitterOptions) => {
  let queue: Promise<unknown> = Promise.resolve()
  const account = o.signer.address
  // Our own journal on top of the chain's next index: chopsticks' system_accountNextIndex does not
  // count pool transactions, and a node's may lag; a refused or invalid submission resyncs it.
  let nextNonce: bigint | undefined
  const reserveNonce = async (): Promise<bigint> => {
    const chainNext = (await o.api.rpc.system.accountNextIndex(account)).toBigInt()
    const n = nextNonce === undefined || nextNonce < chainNext ? chainNext : nextNonce
    nextNonce = n + 1n
    return n
  }

  const finalizedNumber = async (): Promise<bigint> =>
    (await o.api.rpc.chain.getHeader(await o.api.rpc.chain.getFinalizedHead())).number.toBigInt()

  /** Finalized and still canonical at its height. */
  const isFinal = async (blockHash: Hex, blockNumber: bigint): Promise<boolean> =>
    (await finalizedNumber()) >= blockNumber && (await o.api.rpc.chain.getBlockHash(blockNumber)).toHex() === blockHash

  const submit = (
    tx: SubmittableExtrinsic<'promise'>,
    onBroadcast: (b: { txHash: Hex; nonce: bigint }) => void,
  ): Promise<ExtrinsicOutcome> =>
    new Promise<ExtrinsicOutcome>((resolve, reject) => {
      let unsub: (() => void) | undefined
      let done = false
      let poll: ReturnType<typeof setInterval> | undefined
      const finish = (f: () => void) => {
        if (done) return
        done = true
        clearTimeout(timeout)
        if (poll) clearInterval(poll)
        unsub?.()
        f()
      }
      const timeout = setTimeout(
        () =>
          finish(() =>
            reject(new TxNotConfirmedError({ chain: o.chain, txHash: tx.hash.toHex(), waitedMs: o.txTimeoutMs })),
          ),
        o.txTimeoutMs,
      )
      let included: Omit<ExtrinsicOutcome, 'txHash' | 'nonce'> | undefined
      const settleIfFinal = async () => {
        if (included && (await isFinal(included.blockHash, included.blockNumber)))
          finish(() => resolve({ txHash: tx.hash.toHex() as Hex, nonce: tx.nonce.toBigInt(), ...included! }))
      }
      const onStatus = (r: ISubmittableResult) => {
        if (r.status.isInBlock || r.status.isFinalized) {
          const blockHash = (r.status.isInBlock ? r.status.asInBlock : r.status.asFinalized).toHex() as Hex
          if (included?.blockHash === blockHash) return void settleIfFinal().catch(() => undefined)
          o.api.rpc.chain
            .getHeader(blockHash)
            .then((h) => {
              included = {
                blockHash,
                blockNumber: h.number.toBigInt(),
                extrinsicIndex: r.txIndex ?? -1,
                events: r.events.map((e) => ({
                  section: e.event.section,
                  method: e.event.method,
                  data: e.event.data.map((d) => d.toHex() as Hex),
                })),
                ...(r.dispatchError ? { error: dispatchErrorName(o.api, r.dispatchError) } : {}),
              }
              poll ??= setInterval(() => void settleIfFinal().catch(() => undefined), o.pollIntervalMs)
              return settleIfFinal()
            })
            .catch(() => undefined)
        } else if (r.status.isDropped || r.status.isInvalid || r.status.isUsurped) {
          nextNonce = undefined
          finish(() =>
            reject(new RpcError({ chain: o.chain, method: 'author_submitAndWatchExtrinsic', cause: r.status.type })),
          )
        }
      }
      const send = queue.then(async () => tx.signAndSend(o.signer, { nonce: await reserveNonce() }, onStatus))
      queue = send.catch(() => undefined)
      send.then(
        (u) => {
          unsub = u
          if (done) u()
          o.log.debug({ txHash: tx.hash.toHex(), nonce: tx.nonce.toBigInt() }, 'extrinsic submitted')
          onBroadcast({ txHash: tx.hash.toHex() as Hex, nonce: tx.nonce.toBigInt() })
        },
        (e: unknown) => {
          nextNonce = undefined
          finish(() =>
            reject(
              isFeeRefusal(e)
                ? new SignerFundsLowError({ chain: o.chain, account, detail: 'the pool refused the fee', cause: e })
                : new RpcError({ chain: o.chain, method: 'author_submitAndWatchExtrinsic', cause: e }),
            ),
          )
        },
      )
    })

  return { submit }
}

export type ExtrinsicSubmitter = ReturnType<typeof createExtrinsicSubmitter>
