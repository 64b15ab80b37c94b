import type { EvmReader } from '../adapters/index.js'
import type { ChainRef, Hex } from '../types.js'
import type { ApiChain, ApiSetup } from './apiChains.js'
import { encodeOutboundCall, substrateOutbound } from './buildSubstrateTransfer.js'
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

/** An EVM chain the API reads. */
export type ReadableChain = ApiChain & { kind: 'evm'; reader: EvmReader }
/** A Substrate chain the API reads. */
export type SubstrateChain = ApiChain & { kind: 'substrate'; substrate: NonNullable<ApiChain['substrate']> }
/** A Fabric chain (no reader: the API reads nothing on Fabric, its figures come from the config). */
export type FabricChain = ApiChain & { kind: 'fabric'; fabric: NonNullable<ApiChain['fabric']> }
/** One end of a route the API can price and build. */
export type RouteEnd = ReadableChain | SubstrateChain | FabricChain

export const routeEnd = (c: ApiChain): RouteEnd | undefined => {
  if (c.kind === 'evm' && c.reader) return { ...c, kind: 'evm', reader: c.reader }
  if (c.kind === 'substrate' && c.substrate) return { ...c, kind: 'substrate', substrate: c.substrate }
  if (c.kind === 'fabric' && c.fabric) return { ...c, kind: 'fabric', fabric: c.fabric }
  return undefined
}

/** Why Fabric fee items are 0: it has no gas and no native currency. */
export const FABRIC_SOURCE_NOTE =
  'Fabric has no gas: endorsing and ordering the sendToken / dispatch proposal costs the submitter nothing on-chain'
export const FABRIC_DELIVERY_NOTE =
  "Fabric has no gas: the relayers' deliver transaction (endorsed by the peers, ordered, committed) costs the committee nothing on-chain"

/** The two chains of a route, or why the route cannot be served. */
export const routeChains = (
  setup: ApiSetup,
  from: ChainRef,
  to: ChainRef,
): { from: RouteEnd; to: RouteEnd } | HttpFailure => {
  const src = setup.chains.find((c) => c.ref === from)
  if (!src) return fail(400, 'route_unknown', `Chain ${from} is not configured.`, 'from')
  const dst = setup.chains.find((c) => c.ref === to)
  if (!dst) return fail(400, 'route_unknown', `Chain ${to} is not configured.`, 'to')
  if (!setup.routes.some((r) => r.from === from && r.to === to))
    return fail(400, 'route_unknown', `There is no route ${from} -> ${to}.`, 'to')
  const a = routeEnd(src)
  if (!a)
    return fail(
      400,
      'chain_unsupported',
      `The API cannot build or price transfers from ${src.kind} chains yet.`,
      'from',
    )
  const b = routeEnd(dst)
  if (!b) return fail(400, 'chain_unsupported', `The API cannot price deliveries to ${dst.kind} chains yet.`, 'to')
  return { from: a, to: b }
}

/**
 * Whether `assetId` is represented on a route end (EVM: the bridge's registry; Substrate: the config's
 * routes; Fabric: the config's `assets`).
 */
export const assetOn = async (c: RouteEnd, assetId: Hex): Promise<boolean> => {
  if (c.kind === 'evm') return (await c.reader.assetOf(assetId)) !== undefined
  if (c.kind === 'fabric') return c.fabric.assetIds.includes(assetId.toLowerCase() as Hex)
  return c.substrate.assets.some((a) => a.assetId === assetId.toLowerCase())
}

const finalityBlocks = async (c: RouteEnd): Promise<number> => {
  if (c.kind === 'fabric') return 0 // a committed VALID block is final
  if (c.kind === 'substrate') return c.substrate.reader.finalityBlocks()
  if (c.finality.mode === 'confirmations') return c.finality.confirmations
  const [latest, finalized] = await Promise.all([c.reader.head('latest'), c.reader.head('finalized')])
  return Math.max(1, Number(latest.number - finalized.number))
}

/** Seconds per block; Fabric: the orderer's batch timeout (a lone transaction waits that long to be cut). */
const blockSeconds = async (c: RouteEnd): Promise<number> => {
  if (c.kind === 'fabric') return c.fabric.batchTimeoutMs / 1000
  return c.kind === 'evm' ? c.reader.blockTimeSeconds() : c.substrate.reader.blockTimeSeconds()
}

/**
 * Blocks a delivery takes on the destination: EVM its confirmations; a multisig a first approval and
 * the executing one; Fabric the one block that commits `deliver`.
 */
const destinationBlocks = (c: RouteEnd): number => {
  if (c.kind === 'evm') return c.destinationConfirmations
  if (c.kind === 'fabric') return 1
  return (c.substrate.multisig?.threshold ?? 1) > 1 ? 2 : 1
}

/**
 * What the user pays on the source. EVM: the approve and sendToken (or dispatch) gas at the current fees.
 * Substrate: the fee of the outbound `utility.batchAll` (movement + intent remark), priced by the runtime
 * with the committee's first account standing in for the sender.
 */
const sourceFees = async (
  from: RouteEnd,
  to: RouteEnd,
  q: QuoteRequest,
  bytes: bigint,
): Promise<{ item: string; amount: string; note?: string }[] | HttpFailure> => {
  if (from.kind === 'fabric') return [{ item: 'source_fee', amount: '0', note: FABRIC_SOURCE_NOTE }]
  if (from.kind === 'evm') {
    const fee = await from.reader.feeData()
    return q.kind === 'token'
      ? [
          { item: 'approve_gas', amount: (GAS.approve * fee.maxFeePerGas).toString() },
          { item: 'source_gas', amount: (GAS.sendToken * fee.maxFeePerGas).toString() },
        ]
      : [
          {
            item: 'source_gas',
            amount: ((GAS.dispatchBase + GAS.dispatchPerByte * bytes) * fee.maxFeePerGas).toString(),
          },
        ]
  }
  const payer = from.substrate.multisig?.signatories[0]
  const out = await substrateOutbound(
    from,
    to,
    {
      kind: q.kind,
      ...(q.assetId === undefined ? {} : { assetId: q.assetId }),
      amount: q.amount ?? '1',
      payload: `0x${'00'.repeat(Number(bytes))}`,
    },
    `0x${'00'.repeat(31)}01`,
  )
  if ('httpStatus' in out) return out
  if (!payer) return fail(400, 'chain_unsupported', `The committee has no accounts on ${from.ref}.`, 'from')
  const call = await encodeOutboundCall(from, out)
  return [{ item: 'source_fee', amount: (await from.substrate.reader.callFee(call, payer)).toString() }]
}

interface DestinationSide {
  delivery: QuoteResponse['fee']['breakdown'][number]
  paused: boolean
  limit?: { enabled: boolean; available: bigint } | undefined
  large?: { delaySeconds: bigint; threshold: bigint } | undefined
}

/** What the destination charges (paid by the relayers or the committee) and what may hold a delivery there. */
const destinationSide = async (
  to: RouteEnd,
  q: QuoteRequest,
  assetId: Hex,
  bytes: bigint,
): Promise<DestinationSide | HttpFailure> => {
  const currency = `native:${to.ref}`
  if (to.kind === 'evm') {
    const [fee, paused, limit, large] = await Promise.all([
      to.reader.feeData(),
      to.reader.paused(),
      q.kind === 'token' ? to.reader.rateLimitOf(assetId) : undefined,
      q.kind === 'token' ? to.reader.largeTransferOf(assetId) : undefined,
    ])
    const gas = q.kind === 'token' ? GAS.deliverToken : GAS.deliverAppBase + GAS.deliverPerByte * bytes
    return {
      delivery: {
        item: 'destination_delivery',
        amount: (gas * fee.maxFeePerGas).toString(),
        currency,
        paidBy: 'relayers',
      },
      paused,
      limit,
      large,
    }
  }
  if (to.kind === 'fabric')
    return {
      delivery: {
        item: 'destination_delivery',
        amount: '0',
        currency,
        paidBy: 'committee',
        note: FABRIC_DELIVERY_NOTE,
      },
      paused: false,
    }
  const { multisig, assets, reader } = to.substrate
  if (!multisig)
    return fail(
      400,
      'chain_unsupported',
      `The committee has no accounts on ${to.ref}; deliveries there cannot be priced.`,
      'to',
    )
  const route = assets.find((a) => a.assetId === assetId)
  const shape = q.kind === 'message' || !route ? ({ kind: 'message' } as const) : route
  const fee = await reader.deliveryFee(multisig, shape)
  return {
    delivery: { item: 'destination_delivery', amount: fee.toString(), currency, paidBy: 'committee' },
    paused: false,
  }
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
    // From Fabric, as for the proposal (buildFabricTransfer), the chaincode itself refuses an unknown asset.
    const [onFrom, onTo] = await Promise.all([from.kind === 'fabric' || assetOn(from, assetId), assetOn(to, assetId)])
    if (!onFrom) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${from.ref}.`, 'assetId')
    if (!onTo) return fail(400, 'asset_unknown', `Asset ${assetId} is not registered on ${to.ref}.`, 'assetId')
  }
  const bytes = BigInt(q.payloadBytes ?? 0)
  const [source, srcBlock, dstBlock, blocks, dst] = await Promise.all([
    sourceFees(from, to, q, bytes),
    blockSeconds(from),
    blockSeconds(to),
    finalityBlocks(from),
    destinationSide(to, q, assetId, bytes),
  ])
  if ('httpStatus' in dst) return dst
  const { paused, limit, large } = dst
  if ('httpStatus' in source) return source
  const src = `native:${from.ref}`
  const breakdown: QuoteResponse['fee']['breakdown'] = source.map((b) => ({ ...b, currency: src, paidBy: 'user' }))
  breakdown.push({ item: 'protocol_fee', amount: '0', currency: src, paidBy: 'user' })
  breakdown.push(dst.delivery)
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
    (blocks + 1) * srcBlock + RELAY_OVERHEAD_SECONDS + destinationBlocks(to) * dstBlock + delaySeconds
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
