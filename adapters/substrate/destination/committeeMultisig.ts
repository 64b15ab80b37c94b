import { u8aToHex } from '@polkadot/util'
import { createKeyMulti, decodeAddress } from '@polkadot/util-crypto'
import { ConfigInvalidError } from '../../../errors.js'
import type { Hex } from '../../../types.js'

/** The committee's `pallet_multisig` account on a Substrate destination. */
export interface CommitteeMultisig {
  /** AccountId32 of `multi_account_id(signatories, threshold)`. */
  account: Hex
  /** Every signatory's AccountId32, sorted by bytes (the order `other_signatories` must keep). */
  signatories: Hex[]
  threshold: number
}

/** AccountId32 of an SS58 address or of `0x` + 32 bytes of hex. */
export const toAccountId = (address: string, field = 'substrateAccount'): Hex => {
  try {
    return u8aToHex(decodeAddress(address)) as Hex
  } catch (cause) {
    throw new ConfigInvalidError({
      source: 'substrate committee',
      issues: [{ path: field, message: `${address} is neither an SS58 address nor 32 bytes of hex` }],
      cause,
    })
  }
}

/**
 * The multisig account of the committee members' sr25519 accounts and the committee threshold:
 * `multi_account_id` as `pallet_multisig` derives it (blake2_256("modlpy/utilisuba" ‖ sorted ‖ threshold)).
 * @throws ConfigInvalidError for a bad or repeated account, or a threshold outside 1..members
 */
export const committeeMultisig = (members: readonly string[], threshold: number): CommitteeMultisig => {
  const signatories = members.map((m, i) => toAccountId(m, `committee.members[${i}].substrateAccount`)).sort()
  const dup = signatories.find((s, i) => signatories.indexOf(s) !== i)
  const issues = [
    ...(dup ? [{ path: 'committee.members', message: `substrate account ${dup} appears twice` }] : []),
    ...(Number.isInteger(threshold) && threshold >= 1 && threshold <= signatories.length
      ? []
      : [{ path: 'committee.threshold', message: `threshold ${threshold} outside 1..${signatories.length}` }]),
  ]
  if (issues.length > 0) throw new ConfigInvalidError({ source: 'substrate committee', issues })
  return { account: u8aToHex(createKeyMulti(signatories, threshold)) as Hex, signatories, threshold }
}

/** `other_signatories` for `me`: every signatory but `me`, sorted (SignatoriesOutOfOrder / SenderInSignatories otherwise). */
export const otherSignatories = (m: CommitteeMultisig, me: Hex): Hex[] =>
  m.signatories.filter((s) => s !== me.toLowerCase())
