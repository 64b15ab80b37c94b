import type { Logger } from 'pino'
import type { CommitteeInfo, PreflightReport } from '../adapters/index.js'
import { CommitteeMismatchError } from '../errors.js'
import type { ChainRef, Hex } from '../types.js'
import type { RelayerChain, RelayRoute } from './types.js'

/** The committee this member expects every destination to store (from its config). */
export interface ExpectedCommittee {
  epoch: bigint
  threshold: number
  members: readonly Hex[]
}

/**
 * Compare a destination's on-chain committee with the expected one and check that `signer` is a
 * member: the relayer must never sign for a committee it does not belong to or does not know
 * (S5, F-36). Pure.
 * @returns the checks that passed, as text
 * @throws CommitteeMismatchError naming the first difference
 */
export const checkCommittee = (
  chain: ChainRef,
  onChain: CommitteeInfo,
  expected: ExpectedCommittee,
  signer: Hex,
): string[] => {
  const have = onChain.signers.map((s) => s.toLowerCase()).sort()
  const want = expected.members.map((s) => s.toLowerCase()).sort()
  const fail = (detail: string) => new CommitteeMismatchError({ chain, detail })
  if (!have.includes(signer.toLowerCase())) {
    throw fail(
      `this relayer's attestation key ${signer.toLowerCase()} is not a member of committee epoch ${onChain.epoch}`,
    )
  }
  if (onChain.epoch !== expected.epoch)
    throw fail(`the chain is at epoch ${onChain.epoch}, the config says ${expected.epoch}`)
  if (onChain.threshold !== expected.threshold) {
    throw fail(`the chain's threshold is ${onChain.threshold}, the config says ${expected.threshold}`)
  }
  const missing = want.filter((a) => !have.includes(a))
  const extra = have.filter((a) => !want.includes(a))
  if (missing.length + extra.length > 0) {
    throw fail(
      `members differ (not on chain: ${missing.join(', ') || 'none'}; not in config: ${extra.join(', ') || 'none'})`,
    )
  }
  return [`committee epoch ${onChain.epoch}, ${onChain.threshold}-of-${have.length}, includes ${signer.toLowerCase()}`]
}

export interface PreflightRelayerOptions {
  chains: readonly RelayerChain[]
  routes: readonly RelayRoute[]
  expected: ExpectedCommittee
  /** Address of this member's attestation key. */
  signer: Hex
  log: Logger
}

export interface PreflightRelayerResult {
  chains: PreflightReport[]
  committees: Record<string, string[]>
}

/**
 * Startup preflight of a relayer node: every chain's own preflight (chain identity, bridge code,
 * endpoint agreement) and, on every route's destination, the committee (`checkCommittee`).
 * @throws the first failing check's RelayError (ChainIdMismatchError, BridgeNotDeployedError,
 *   CommitteeMismatchError, RpcError, ...)
 */
export const preflightRelayer = async (o: PreflightRelayerOptions): Promise<PreflightRelayerResult> => {
  const chains: PreflightReport[] = []
  for (const c of o.chains) chains.push(await c.adapter.preflight())
  const committees: Record<string, string[]> = {}
  const targets = new Set(o.routes.map((r) => r.to))
  for (const c of o.chains) {
    if (!targets.has(c.adapter.chain)) continue
    committees[c.adapter.chain] = checkCommittee(c.adapter.chain, await c.adapter.committee(), o.expected, o.signer)
  }
  o.log.info({ chains: chains.map((c) => c.chain), committees }, 'relayer preflight passed')
  return { chains, committees }
}
