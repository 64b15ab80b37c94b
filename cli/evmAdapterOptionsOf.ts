import type { EvmAdapterOptions } from '../adapters/index.js'
import type { Config, EvmChainConfig } from '../config/index.js'
import type { Hex } from '../types.js'

/** The EVM adapter's options from one chain of the config and its resolved delivery key. */
export const evmAdapterOptionsOf = (
  c: EvmChainConfig,
  signerKey: Hex,
  cfg: Pick<Config, 'requestTimeoutMs'>,
): EvmAdapterOptions => ({
  chain: c.ref as EvmAdapterOptions['chain'],
  chainId: c.chainId,
  domain: c.domain,
  rpcUrls: [...c.rpcUrls],
  bridge: c.bridge as Hex,
  finality:
    c.finality.mode === 'confirmations'
      ? { mode: 'confirmations', confirmations: c.finality.confirmations }
      : { mode: 'finalized-tag' },
  signerKey,
  pollIntervalMs: c.pollIntervalMs,
  requestTimeoutMs: Math.min(cfg.requestTimeoutMs, 600_000),
  maxLogRangeBlocks: c.maxLogRangeBlocks,
  maxFeePerGasCapWei: c.maxFeePerGasCapWei,
  bumpPercent: c.bumpPercent,
  stuckAfterMs: c.stuckAfterMs,
  destinationConfirmations: c.destinationConfirmations,
})
