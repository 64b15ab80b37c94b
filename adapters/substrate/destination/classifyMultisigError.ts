/**
 * What a relayer does about a failed multisig extrinsic (NT-19; paritytech/polkadot-sdk
 * `substrate/frame/multisig/src/lib.rs`):
 * - `race`: another relayer moved the operation first — `NoTimepoint` (it was opened meanwhile),
 *   `WrongTimepoint` (re-opened at another timepoint), `UnexpectedTimepoint` / `NotFound` (executed or
 *   cancelled meanwhile), `AlreadyApproved` (our earlier approval counts): re-read and go again;
 * - `weight`: `MaxWeightTooLow`: go again with more `max_weight`;
 * - `funds`: the deposit could not be reserved: a SignerFundsLowError;
 * - `config`: our own call is malformed (`SenderInSignatories`, `SignatoriesOutOfOrder`,
 *   `TooFewSignatories`, `TooManySignatories`, `MinimumThreshold`, `NoApprovalsNeeded`): never retried;
 * - `retry`: anything else (a retryable DeliveryRevertedError).
 */
export type MultisigErrorKind = 'race' | 'weight' | 'funds' | 'config' | 'retry'

const RACE = new Set(['NoTimepoint', 'WrongTimepoint', 'UnexpectedTimepoint', 'NotFound', 'AlreadyApproved'])
const CONFIG = new Set([
  'SenderInSignatories',
  'SignatoriesOutOfOrder',
  'TooFewSignatories',
  'TooManySignatories',
  'MinimumThreshold',
  'NoApprovalsNeeded',
])
const FUNDS = new Set([
  'balances.InsufficientBalance',
  'balances.LiquidityRestrictions',
  'Token.FundsUnavailable',
  'Token.NoFunds',
])

/** Classify a dispatch error name (`pallet.Error`, or `Kind.Detail` for non-module errors). Pure. */
export const classifyMultisigError = (name: string): MultisigErrorKind => {
  const [pallet, error] = name.split('.') as [string, string | undefined]
  if (pallet === 'multisig' && error !== undefined) {
    if (RACE.has(error)) return 'race'
    if (error === 'MaxWeightTooLow') return 'weight'
    if (CONFIG.has(error)) return 'config'
  }
  if (FUNDS.has(name)) return 'funds'
  return 'retry'
}
