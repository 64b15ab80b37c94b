import { ApiPromise, WsProvider } from '@polkadot/api'
import { u8aToHex } from '@polkadot/util'
import type { Logger } from 'pino'
import { ChainIdMismatchError, RelayError, RpcError, RpcTimeoutError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'
import type { CommitteeMultisig } from './destination/committeeMultisig.js'
import { deliveredMarker } from './destination/deliveryCall.js'
import { txOf } from './destination/runtimeCalls.js'

export interface SubstrateReaderOptions {
  chain: ChainRef
  wsUrls: string[]
  genesisHash: Hex
  requestTimeoutMs: number
  log: Logger
}

/** The runtime a signed extrinsic must name (`CheckSpecVersion`, `CheckTxVersion`). */
export interface SubstrateRuntime {
  genesisHash: Hex
  specVersion: number
  transactionVersion: number
}

/** What a delivery to this chain moves, for pricing it. */
export type SubstrateDeliveryShape =
  | { kind: 'wrapped' | 'asset'; assetHubId: number }
  | { kind: 'native' }
  | { kind: 'message' }

const HEAD_SAMPLES = 8
const MIN_SAMPLES = 3
const SAMPLE_WAIT_MS = 3_000
const DEFAULT_BLOCK_SECONDS = 12

/**
 * Read-only access to a Substrate chain for the API: head, block time (measured from the arrival of new
 * heads, the runtime's slot duration until enough have arrived), finality depth, the runtime versions a
 * signed extrinsic names, and the fee of the committee multisig's delivery. Connects lazily; every call
 * is bounded by `requestTimeoutMs`. Reads no key.
 * @example const r = createSubstrateReader({ chain, wsUrls, genesisHash, requestTimeoutMs: 5000, log })
 */
export const createSubstrateReader = (o: SubstrateReaderOptions) => {
  let connecting: Promise<ApiPromise> | undefined
  let api: ApiPromise | undefined
  let unsubscribe: (() => void) | undefined
  const arrivals: number[] = []
  /** Waiters for the first MIN_SAMPLES arrivals. */
  const sampled: (() => void)[] = []

  const bounded = async <T>(method: string, p: () => Promise<T>, timeoutMs = o.requestTimeoutMs): Promise<T> => {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        p(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RpcTimeoutError({ chain: o.chain, method, timeoutMs })), timeoutMs)
        }),
      ])
    } catch (e) {
      if (e instanceof RelayError) throw e
      throw new RpcError({ chain: o.chain, method, retryable: true, cause: e })
    } finally {
      clearTimeout(timer)
    }
  }

  const connect = (): Promise<ApiPromise> => {
    connecting ??= (async () => {
      const a = new ApiPromise({
        provider: new WsProvider(o.wsUrls, 500, undefined, o.requestTimeoutMs),
        noInitWarn: true,
      })
      a.on('error', (err: unknown) => o.log.debug({ err: String(err) }, 'substrate ws error'))
      try {
        // The first connection fetches the metadata: allow it longer than one request.
        await bounded('connect', () => a.isReadyOrError, 3 * o.requestTimeoutMs)
        const genesis = a.genesisHash.toHex().toLowerCase()
        if (genesis !== o.genesisHash.toLowerCase())
          throw new ChainIdMismatchError({ chain: o.chain, expected: o.genesisHash, actual: genesis })
        const unsub = await a.rpc.chain.subscribeNewHeads(() => {
          arrivals.push(Date.now())
          if (arrivals.length > HEAD_SAMPLES) arrivals.shift()
          if (arrivals.length >= MIN_SAMPLES) for (const w of sampled.splice(0)) w()
        })
        unsubscribe = unsub
        api = a
        return a
      } catch (e) {
        await a.disconnect().catch(() => {})
        throw e
      }
    })()
    connecting.catch(() => {
      connecting = undefined
    })
    return connecting
  }

  const slotSeconds = (a: ApiPromise): number => {
    const c = a.consts as unknown as Record<string, Record<string, { toNumber?: () => number } | undefined> | undefined>
    const ms = c.aura?.slotDuration?.toNumber?.() ?? c.babe?.expectedBlockTime?.toNumber?.()
    return ms ? ms / 1000 : DEFAULT_BLOCK_SECONDS
  }

  return {
    chain: o.chain,
    genesisHash: o.genesisHash.toLowerCase() as Hex,
    /** The best head: number, hash and its `timestamp.now` (seconds). @throws RpcError, RpcTimeoutError */
    head: async (): Promise<{ number: bigint; hash: Hex; timestamp: bigint }> => {
      const a = await connect()
      return bounded('chain_getHeader', async () => {
        const h = await a.rpc.chain.getHeader()
        const now = (await a.query.timestamp!.now!.at!(h.hash)) as unknown as { toBigInt(): bigint }
        return { number: h.number.toBigInt(), hash: h.hash.toHex() as Hex, timestamp: now.toBigInt() / 1000n }
      })
    },
    /**
     * Seconds between blocks as they arrive here. Until 3 have arrived it waits for them at most
     * `SAMPLE_WAIT_MS`, then answers the runtime's slot duration.
     */
    blockTimeSeconds: async (): Promise<number> => {
      const a = await connect()
      if (arrivals.length < MIN_SAMPLES) {
        let timer: NodeJS.Timeout | undefined
        await new Promise<void>((resolve) => {
          sampled.push(resolve)
          timer = setTimeout(resolve, SAMPLE_WAIT_MS)
        })
        clearTimeout(timer)
      }
      if (arrivals.length < MIN_SAMPLES) return slotSeconds(a)
      return (arrivals.at(-1)! - arrivals[0]!) / 1000 / (arrivals.length - 1)
    },
    /** Blocks between the best and the finalized head (at least 1). @throws RpcError, RpcTimeoutError */
    finalityBlocks: async (): Promise<number> => {
      const a = await connect()
      return bounded('chain_getFinalizedHead', async () => {
        const [best, fin] = await Promise.all([a.rpc.chain.getHeader(), a.rpc.chain.getFinalizedHead()])
        const finHeader = await a.rpc.chain.getHeader(fin)
        return Math.max(1, Number(best.number.toBigInt() - finHeader.number.toBigInt()))
      })
    },
    /** Spec and transaction versions at the best head. @throws RpcError, RpcTimeoutError */
    runtime: async (): Promise<SubstrateRuntime> => {
      const a = await connect()
      return bounded('state_getRuntimeVersion', async () => {
        const v = await a.rpc.state.getRuntimeVersion()
        return {
          genesisHash: a.genesisHash.toHex().toLowerCase() as Hex,
          specVersion: v.specVersion.toNumber(),
          transactionVersion: v.transactionVersion.toNumber(),
        }
      })
    },
    /**
     * The fee (planck) the committee pays for one delivery: `threshold - 1` `multisig.approveAsMulti`
     * and the executing `multisig.asMulti` of the delivery batch (marker remark + mint / transfer), as
     * the destination adapter submits them, priced by the runtime's `TransactionPaymentApi` at the best head.
     * @throws RpcError, RpcTimeoutError, ConfigInvalidError (runtime lacks a stock pallet)
     */
    deliveryFee: async (multisig: CommitteeMultisig, shape: SubstrateDeliveryShape): Promise<bigint> => {
      const a = await connect()
      return bounded('payment_queryInfo', async () => {
        const beneficiary = { Id: multisig.signatories[0]! }
        const calls = [txOf(a, 'system', 'remarkWithEvent')(u8aToHex(deliveredMarker(`0x${'00'.repeat(32)}`)))]
        if (shape.kind === 'wrapped') calls.push(txOf(a, 'assets', 'mint')(shape.assetHubId, beneficiary, 1n))
        else if (shape.kind === 'asset') calls.push(txOf(a, 'assets', 'transfer')(shape.assetHubId, beneficiary, 1n))
        else if (shape.kind === 'native') calls.push(txOf(a, 'balances', 'transferKeepAlive')(beneficiary, 1n))
        const inner = txOf(a, 'utility', 'batchAll')(calls)
        const me = multisig.signatories[0]!
        const others = multisig.signatories.slice(1)
        if (multisig.threshold === 1)
          return (await txOf(a, 'multisig', 'asMultiThreshold1')(others, inner).paymentInfo(me)).partialFee.toBigInt()
        const w = (await inner.paymentInfo(multisig.account)).weight as unknown as {
          refTime?: { toBigInt(): bigint }
          proofSize?: { toBigInt(): bigint }
          toBigInt?: () => bigint
        }
        const asMulti = txOf(a, 'multisig', 'asMulti')
        const weightType = asMulti.meta.args.at(-1)!.type.toString()
        const refTime = w.refTime?.toBigInt() ?? w.toBigInt?.() ?? 0n
        const weight = weightType === 'u64' ? refTime : { refTime, proofSize: w.proofSize?.toBigInt() ?? 0n }
        const callHash = inner.method.hash.toHex()
        const when = { height: 1, index: 0 }
        // The first members approve the call hash; the last one executes the call.
        const approve = txOf(a, 'multisig', 'approveAsMulti')(multisig.threshold, others, null, callHash, weight)
        const execute =
          asMulti.meta.args.length === 6
            ? asMulti(multisig.threshold, others, when, inner.method, false, weight)
            : asMulti(multisig.threshold, others, when, inner.method, weight)
        const [pa, pe] = await Promise.all([approve.paymentInfo(me), execute.paymentInfo(me)])
        return pa.partialFee.toBigInt() * BigInt(multisig.threshold - 1) + pe.partialFee.toBigInt()
      })
    },
    /**
     * The fee (planck) `payer` would pay for signing `call` (SCALE call data) as an extrinsic now.
     * @throws RpcError, RpcTimeoutError
     */
    callFee: async (call: Hex, payer: Hex): Promise<bigint> => {
      const a = await connect()
      return bounded('payment_queryInfo', async () =>
        (await a.tx(a.createType('Call', call)).paymentInfo(payer)).partialFee.toBigInt(),
      )
    },
    /** The connected client (for building calls with the chain's own metadata). */
    api: connect,
    close: async (): Promise<void> => {
      const c = connecting
      connecting = undefined
      if (!c) return
      const a = api ?? (await c.catch(() => undefined))
      unsubscribe?.()
      await a?.disconnect().catch(() => {})
    },
  }
}

export type SubstrateReader = ReturnType<typeof createSubstrateReader>
