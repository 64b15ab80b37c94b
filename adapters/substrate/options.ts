import { z } from 'zod'
import { ConfigInvalidError } from '../../errors.js'
import type { ChainRef, Hex } from '../../types.js'

const hexOf = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `0x-prefixed hex of ${bytes} bytes`)
    .transform((s) => s.toLowerCase() as Hex)

const wsUrl = z.string().refine((s) => URL.canParse(s) && /^wss?:$/.test(new URL(s).protocol), 'a ws(s) URL')

/** Options of the Substrate source (and the shared connection); the config slice of one Substrate chain. */
export const SubstrateSourceOptionsSchema = z
  .object({
    chain: z
      .string()
      .regex(/^substrate:[A-Za-z0-9._-]+$/, 'a Substrate chain ref such as substrate:asset-hub')
      .transform((s) => s as ChainRef),
    domain: z.number().int().min(0).max(0xffffffff),
    /** Endpoints in order of preference; the client moves to the next one when a connection drops. */
    wsUrls: z.array(wsUrl).min(1),
    /** Checked at start (preflight, and before every observation stream): `chain_getBlockHash(0)`. */
    genesisHash: hexOf(32),
    /** AccountId32 the outbound asset movements pay: the committee's multisig account. */
    committeeAccount: hexOf(32),
    /** `assets`-pallet ids of wrapped assets → the Isthmus asset id they represent. */
    wrappedAssets: z.record(z.string().regex(/^\d+$/), hexOf(32)).default({}),
    /**
     * What the chain's headers commit to. `substrate` (production): stateRoot and the ordered-trie
     * extrinsicsRoot; events come with a `state_getReadProof`. `chopsticks` (local dev chain only): the
     * header's stateRoot is zero and its extrinsicsRoot is blake2-256 of the concatenated extrinsics;
     * no read proofs are served, so events are read from this relayer's own endpoint unproven.
     */
    commitments: z.enum(['substrate', 'chopsticks']).default('substrate'),
    /** Fallback poll of the finalized head (the finalized-heads subscription wakes the source sooner). */
    pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
    requestTimeoutMs: z.number().int().min(10).max(600_000).default(10_000),
    /** Blocks per batch while catching up (backfill). */
    maxBlocksPerBatch: z.number().int().min(1).max(10_000).default(100),
    sourceMaxRetries: z.number().int().min(0).max(1000).default(20),
    rpcBackoffBaseMs: z.number().int().min(1).max(60_000).default(100),
    rpcBackoffMaxMs: z.number().int().min(1).max(600_000).default(5_000),
  })
  .strict()

export type SubstrateSourceOptions = z.input<typeof SubstrateSourceOptionsSchema>
export type ResolvedSubstrateSourceOptions = z.output<typeof SubstrateSourceOptionsSchema>

/**
 * Validate the source options; every issue is listed.
 * @throws ConfigInvalidError
 */
export const parseSubstrateSourceOptions = (o: SubstrateSourceOptions): ResolvedSubstrateSourceOptions => {
  const r = SubstrateSourceOptionsSchema.safeParse(o)
  if (r.success) return r.data
  throw new ConfigInvalidError({
    source: 'substrate adapter options',
    issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  })
}
