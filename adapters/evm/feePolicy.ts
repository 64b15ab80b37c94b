/** EIP-1559 fees of one transaction. */
export interface Fees {
  maxFeePerGasWei: bigint
  maxPriorityFeePerGasWei: bigint
}

/** Fresh fees: `2 × baseFee + tip`, both capped at the configured maximum. */
export const initialFees = (baseFeeWei: bigint, tipWei: bigint, capWei: bigint): Fees => {
  const max = 2n * baseFeeWei + tipWei
  const maxFeePerGasWei = bigMin(max, capWei)
  return { maxFeePerGasWei, maxPriorityFeePerGasWei: bigMin(tipWei, maxFeePerGasWei) }
}

const bigMax = (a: bigint, b: bigint) => (a >= b ? a : b)
const bigMin = (a: bigint, b: bigint) => (a <= b ? a : b)

const bumpBy = (v: bigint, bumpPercent: number): bigint => {
  const bps = BigInt(Math.ceil(bumpPercent * 100))
  return (v * (10_000n + bps) + 9_999n) / 10_000n
}

/**
 * Fees of a replacement (F-23): both fees at least `bumpPercent` above the previous ones (nodes
 * refuse smaller bumps), and at least the fresh estimate; `undefined` when the cap leaves no room
 * for a full bump.
 */
export const bumpedFees = (prev: Fees, fresh: Fees, bumpPercent: number, capWei: bigint): Fees | undefined => {
  const minMax = bumpBy(prev.maxFeePerGasWei, bumpPercent)
  const minTip = bumpBy(prev.maxPriorityFeePerGasWei, bumpPercent)
  const max = bigMax(minMax, fresh.maxFeePerGasWei)
  const tip = bigMax(minTip, fresh.maxPriorityFeePerGasWei)
  if (minMax > capWei) return undefined
  const maxFeePerGasWei = bigMin(max, capWei)
  if (tip > maxFeePerGasWei) return undefined
  return { maxFeePerGasWei, maxPriorityFeePerGasWei: tip }
}
