import { z } from 'zod'
import { ConfigInvalidError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'

const hexOf = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `0x-prefixed hex of ${bytes} bytes`)
    .transform((s) => s as Hex)

const rpcUrl = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'an http(s) JSON-RPC URL')

const Finality = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('finalized-tag') }).strict(),
  z.object({ mode: z.literal('confirmations'), confirmations: z.number().int().min(1).max(10_000) }).strict(),
])

/** Options of `createEvmAdapter`; the config slice of one EVM chain plus the resolved signer key. */
export const EvmAdapterOptionsSchema = z
  .object({
    chain: z
      .string()
      .regex(/^evm:[A-Za-z0-9._-]+$/, 'an EVM chain ref such as evm:1')
      .transform((s) => s as ChainRef),
    chainId: z.bigint().refine((v) => v > 0n && v < 2n ** 96n, 'a chain id in [1, 2^96)'),
    domain: z.number().int().min(0).max(0xffffffff),
    rpcUrls: z.array(rpcUrl).min(1),
    bridge: hexOf(20),
    finality: Finality,
    /** Hex private key of the submitter, resolved by the caller (config/): the adapter never reads env or files. */
    signerKey: hexOf(32).optional(),
    pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
    requestTimeoutMs: z.number().int().min(10).max(600_000).default(10_000),
    maxLogRangeBlocks: z.number().int().min(1).max(100_000).default(2000),
    /** Attempts of one JSON-RPC request across endpoints before it fails (retryable errors only). */
    rpcMaxAttempts: z.number().int().min(1).max(50).default(6),
    rpcBackoffBaseMs: z.number().int().min(1).max(60_000).default(100),
    rpcBackoffMaxMs: z.number().int().min(1).max(600_000).default(5_000),
    /** How many endpoints must answer (and agree) for a finalized header to be trusted; default min(2, endpoints). */
    minAgreeingEndpoints: z.number().int().min(1).optional(),
    /** Consecutive failed scan steps the source retries itself before erroring (retryable) to its subscriber. */
    sourceMaxRetries: z.number().int().min(0).max(1000).default(20),
    maxFeePerGasCapWei: z.bigint().refine((v) => v > 0n, 'a positive fee cap in wei'),
    /** Optional fixed priority fee; otherwise eth_maxPriorityFeePerGas. Capped at the fee cap. */
    maxPriorityFeePerGasWei: z
      .bigint()
      .refine((v) => v >= 0n, 'a priority fee ≥ 0')
      .optional(),
    bumpPercent: z.number().min(12.5).max(1000).default(12.5),
    stuckAfterMs: z.number().int().min(10).default(30_000),
    /** Give up waiting for a submitted transaction after this long (TxNotConfirmedError, retryable). */
    txTimeoutMs: z.number().int().min(100).default(600_000),
    destinationConfirmations: z.number().int().min(1).max(10_000).default(1),
    /** Gas limit = estimate × (100 + margin) / 100. */
    gasMarginPercent: z.number().int().min(0).max(500).default(25),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.chain !== `evm:${o.chainId}`) {
      // A chain ref may be a name (evm:sepolia); only a numeric ref must match the chain id.
      const tail = o.chain.slice(4)
      if (/^\d+$/.test(tail))
        ctx.addIssue({ code: 'custom', path: ['chain'], message: `evm:${tail} does not name chain id ${o.chainId}` })
    }
    if (o.minAgreeingEndpoints !== undefined && o.minAgreeingEndpoints > o.rpcUrls.length) {
      ctx.addIssue({ code: 'custom', path: ['minAgreeingEndpoints'], message: 'more than the configured endpoints' })
    }
    if (o.rpcBackoffMaxMs < o.rpcBackoffBaseMs) {
      ctx.addIssue({ code: 'custom', path: ['rpcBackoffMaxMs'], message: 'smaller than rpcBackoffBaseMs' })
    }
  })

/** What the caller passes (defaults filled in by the schema). */
export type EvmAdapterOptions = z.input<typeof EvmAdapterOptionsSchema>
/** The validated options with every default applied. */
export type ResolvedEvmAdapterOptions = z.output<typeof EvmAdapterOptionsSchema>

/**
 * Validate adapter options; every issue is listed (the signer key's value never is).
 * @throws ConfigInvalidError
 */
export const parseEvmAdapterOptions = (o: EvmAdapterOptions): ResolvedEvmAdapterOptions => {
  const r = EvmAdapterOptionsSchema.safeParse(o)
  if (r.success) return r.data
  throw new ConfigInvalidError({
    source: 'evm adapter options',
    issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  })
}
