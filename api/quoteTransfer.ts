import type { EvmReader } from '../adapters/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { ApiChain, ApiSetup } from './apiChains.js'
import { fail, type HttpFailure } from './httpFailure.js'
import type { QuoteRequest, QuoteResponse } from './schemas.js'

// Upper estimates of the gas of the user's transactions (test/integration/api/apiChains.test.ts checks
// them against receipts on the devnet bridge) and of the relayers' delivery (README "Measured": a single
// token deliver ≈109k); the quote prices them at the chains' current fees.
export const GAS = {
  approve: 50_000n,
  sendToken: 130_000n,
  dispatchBase: 70_000n,
  dispatchPerByte: 40n,
  deliverToken: 110_000n,
  deliverAppBase: 90_000n,
  deliverPerByte: 20n,
} as const
/** Observe → verify → attest → aggregate → deliver on top of the chains' own times. */
export const RELAY_OVERHEAD_SECONDS = 2
export const QUOTE_VALID_MS = 60_000

/** A chain the API can read (EVM today). */
export type ReadableChain = ApiChain & { reader: EvmReader }

/** The two chains of a route, or why the route cannot be served. */
export const routeChains = (
  setup: ApiSetup,
  from: ChainRef,
  to: ChainRef,
): { from: ReadableChain; to: ReadableChain } | HttpFailure => {
  const src = setup.chains.find((c) => c.ref === from)
  if (!src) return fail(400, 'route_unknown', `Chain ${from} is not configured.`, 'from')
  const dst = setup.chains.find((c) => c.ref === to)
  if (!dst) return fail(400, 'route_unknown', `Chain ${to} is not configured.`, 'to')
  if (!setup.routes.some((r) => r.from === from && r.to === to))
    return fail(400, 'route_unknown', `There is no route ${from} -> ${to}.`, 'to')
  if (!src.reader)
    return fail(
      400,
      'chain_unsupported',
      `The API cannot build or price transfers from ${src.kind} chains yet.`,
      'from',
    )
  if (!dst.reader)
    return fail(400, 'chain_unsupported', `The API cannot price deliveries to ${dst.kind} chains yet.`, 'to')
  return { from: { ...src, reader: src.reader }, to: { ...dst, reader: dst.reader } }
}

const finalityBlocks = async (c: ReadableChain): Promise<number> => {
  if (c.finality.mode === 'confirmations') return c.finality.confirmations
  const [latest, finalized] = await Promise.all([c.reader.head('latest'), c.reader.head('finalized')])
  return Math.max(1, Number(latest.number - finalized.number))
}

/**
 * Price a transfer on a route from live chain data: the user's source gas at the source's current
 * fees, the relayers' delivery gas at the destination's, and the expected time from the source
 * finality depth and both chains' block times; warnings for a paused destination, a rate limit the
 * amount exceeds, and a large-transfer delay.
 * @throws RpcError, RpcTimeoutError when a chain does not answer
 */
export const quoteTransfer = async (
  setup: ApiSetup,
  q: QuoteRequest,
  now: Date,
): Promise<QuoteResponse | HttpFailure> => {
  const chains = routeChains(setup, q.from as ChainRef, q.to as ChainRef)
  if ('httpStatus' in chains) return chains
  const { from, to } = chains
  const assetId = (q.assetId ?? '0x').toLowerCase() as Hex
  const amount = q.amount === undefined ? 0n : BigInt(q.amount)
  if (q.kind === 'token') {
    const [onFrom, onTo] = await Promise.all([from.reader.assetOf(assetId), to.reader.assetOf(assetId)])
    if (!onFrom) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${from.ref}.`, 'assetId')
    if (!onTo) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${to.ref}.`, 'assetId')
  }
  const bytes = BigInt(q.payloadBytes ?? 0)
  const [srcFee, dstFee, srcBlock, dstBlock, blocks, paused, limit, large] = await Promise.all([
    from.reader.feeData(),
    to.reader.feeData(),
    from.reader.blockTimeSeconds(),
    to.reader.blockTimeSeconds(),
    finalityBlocks(from),
    to.reader.paused(),
    q.kind === 'token' ? to.reader.rateLimitOf(assetId) : undefined,
    q.kind === 'token' ? to.reader.largeTransferOf(assetId) : undefined,
  ])
  const src = `native:${from.ref}`
  const dst = `native:${to.ref}`
  const breakdown: QuoteResponse['fee']['breakdown'] =
    q.kind === 'token'
      ? [
          {
            item: 'approve_gas',
            amount: (GAS.approve * srcFee.maxFeePerGas).toString(),
            currency: src,
            paidBy: 'user',
          },
          {
            item: 'source_gas',
            amount: (GAS.sendToken * srcFee.maxFeePerGas).toString(),
            currency: src,
            paidBy: 'user',
          },
        ]
      : [
          {
            item: 'source_gas',
            amount: ((GAS.dispatchBase + GAS.dispatchPerByte * bytes) * srcFee.maxFeePerGas).toString(),
            currency: src,
            paidBy: 'user',
          },
        ]
  breakdown.push({ item: 'protocol_fee', amount: '0', currency: src, paidBy: 'user' })
  const deliverGas = q.kind === 'token' ? GAS.deliverToken : GAS.deliverAppBase + GAS.deliverPerByte * bytes
  breakdown.push({
    item: 'destination_delivery',
    amount: (deliverGas * dstFee.maxFeePerGas).toString(),
    currency: dst,
    paidBy: 'relayers',
  })
  const total = breakdown.filter((b) => b.paidBy === 'user').reduce((s, b) => s + BigInt(b.amount), 0n)
  const warnings: QuoteResponse['warnings'] = []
  if (paused) warnings.push({ code: 'destination_paused', detail: `${to.ref} is paused; deliveries wait for unpause` })
  if (limit?.enabled && amount > limit.available)
    warnings.push({
      code: 'rate_limited',
      detail: `${amount} exceeds the ${limit.available} deliverable now on ${to.ref}`,
    })
  let delaySeconds = 0
  if (large && large.delaySeconds > 0n && amount >= large.threshold) {
    delaySeconds = Number(large.delaySeconds)
    warnings.push({
      code: 'queued_large_transfer',
      detail: `amounts from ${large.threshold} wait ${large.delaySeconds} s on ${to.ref}`,
    })
  }
  const expectedSeconds =
    (blocks + 1) * srcBlock + RELAY_OVERHEAD_SECONDS + to.destinationConfirmations * dstBlock + delaySeconds
  return {
    route: { from: from.ref, to: to.ref },
    kind: q.kind,
    fee: { total: total.toString(), currency: src, breakdown },
    expectedSeconds: Math.round(expectedSeconds * 10) / 10,
    finality: { blocks, blockTimeSeconds: Math.round(srcBlock * 1000) / 1000 },
    warnings,
    validUntil: new Date(now.getTime() + QUOTE_VALID_MS).toISOString(),
  }
}
