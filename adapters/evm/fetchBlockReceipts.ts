import { from, lastValueFrom, mergeMap, toArray } from 'rxjs'
import { RpcError } from '../../errors.js'
import type { ChainRef } from '../../types.js'
import type { RpcClient } from './createRpcClient.js'
import type { RpcBlock, RpcReceipt } from './rpcTypes.js'
import { jsonRpcFaultOf } from './toRelayError.js'

// -32601 method not found (EIP-1474), -32004 method not supported (EDR).
const UNSUPPORTED_CODES = new Set([-32601, -32004])

/**
 * Every receipt of `block`, in transaction order, each checked to belong to that block hash.
 * Uses eth_getBlockReceipts, or per-transaction receipts where the node lacks it (EDR).
 * @throws RpcError
 */
export type BlockReceiptsFetcher = (block: RpcBlock) => Promise<RpcReceipt[]>

export const createBlockReceiptsFetcher = (o: {
  chain: ChainRef
  rpc: RpcClient
  concurrency?: number
}): BlockReceiptsFetcher => {
  let hasBlockReceipts = true
  const perTx = (block: RpcBlock) =>
    lastValueFrom(
      from(block.transactions).pipe(
        mergeMap((h) => o.rpc.request<RpcReceipt | null>('eth_getTransactionReceipt', [h]), o.concurrency ?? 8),
        toArray(),
      ),
      { defaultValue: [] as (RpcReceipt | null)[] },
    )
  const inconsistent = (why: string) =>
    new RpcError({
      chain: o.chain,
      method: 'eth_getTransactionReceipt',
      retryable: true,
      cause: { inconsistentReceipts: why },
    })

  return async (block) => {
    let receipts: (RpcReceipt | null)[] | null = null
    if (hasBlockReceipts) {
      try {
        receipts = await o.rpc.request<RpcReceipt[] | null>('eth_getBlockReceipts', [block.hash])
      } catch (e) {
        const f = jsonRpcFaultOf(e)
        if (!f || !UNSUPPORTED_CODES.has(f.code)) throw e
        hasBlockReceipts = false
      }
    }
    receipts ??= await perTx(block)
    if (receipts.length !== block.transactions.length) throw inconsistent('receipt count differs from the block')
    const sorted = [...receipts].sort((a, b) =>
      Number(BigInt(a?.transactionIndex ?? 0) - BigInt(b?.transactionIndex ?? 0)),
    )
    sorted.forEach((r, k) => {
      if (!r) throw inconsistent('a receipt is missing')
      if (r.blockHash.toLowerCase() !== block.hash.toLowerCase())
        throw inconsistent('a receipt belongs to another block')
      if (BigInt(r.transactionIndex) !== BigInt(k)) throw inconsistent('transaction indexes are not contiguous')
    })
    return sorted as RpcReceipt[]
  }
}
