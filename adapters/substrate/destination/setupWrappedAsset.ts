import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToString } from '@polkadot/util'
import type { Logger } from 'pino'
import { DeployFailedError } from '../../../errors.js'
import type { ChainRef, Hex } from '../../../types.js'
import { createExtrinsicSubmitter } from './createExtrinsicSubmitter.js'
import { queryOf, txOf } from './runtimeCalls.js'

/** Who controls an `assets`-pallet asset. */
export interface AssetTeam {
  owner: Hex
  issuer: Hex
  admin: Hex
  freezer: Hex
  supply: bigint
}

/** `assets.asset(id)`'s owner, issuer, admin, freezer and supply; `undefined` when the asset does not exist. */
export const readAssetTeam = async (api: ApiPromise, assetHubId: number): Promise<AssetTeam | undefined> => {
  const opt = (await queryOf(api, 'assets', 'asset')(assetHubId)) as unknown as {
    isSome: boolean
    unwrap(): Record<'owner' | 'issuer' | 'admin' | 'freezer', { toHex(): string }> & { supply: { toBigInt(): bigint } }
  }
  if (!opt.isSome) return undefined
  const a = opt.unwrap()
  return {
    owner: a.owner.toHex() as Hex,
    issuer: a.issuer.toHex() as Hex,
    admin: a.admin.toHex() as Hex,
    freezer: a.freezer.toHex() as Hex,
    supply: a.supply.toBigInt(),
  }
}

export interface SetupWrappedAssetOptions {
  api: ApiPromise
  chain: ChainRef
  /** Pays the asset deposit and the fees; must hold `AssetDeposit + metadata deposit + ED` at least. */
  payer: KeyringPair
  /** The committee multisig account (AccountId32 hex): owner, issuer, admin and freezer afterwards. */
  multisig: Hex
  assetHubId: number
  name: string
  symbol: string
  decimals: number
  /** `min_balance` of the asset (default 1). */
  minBalance?: bigint
  log: Logger
  txTimeoutMs?: number
}

export interface SetupWrappedAssetResult {
  assetHubId: number
  owner: Hex
  /** `created`: this run created it; `exists`: it was already the committee's (nothing sent). */
  status: 'created' | 'exists'
  txHash?: Hex
  blockNumber?: bigint
}

const fail = (step: string, detail: string, cause?: unknown) =>
  new DeployFailedError({ step: `substrate setup-asset: ${step}`, detail, ...(cause ? { cause } : {}) })

const checkMetadata = async (o: SetupWrappedAssetOptions) => {
  const m = (await queryOf(o.api, 'assets', 'metadata')(o.assetHubId)) as unknown as Record<
    'name' | 'symbol',
    { toU8a(bare: boolean): Uint8Array }
  > & { decimals: { toNumber(): number } }
  const got = {
    name: u8aToString(m.name.toU8a(true)),
    symbol: u8aToString(m.symbol.toU8a(true)),
    decimals: m.decimals.toNumber(),
  }
  if (got.name !== o.name || got.symbol !== o.symbol || got.decimals !== o.decimals)
    throw fail(
      'metadata',
      `asset ${o.assetHubId} has metadata ${JSON.stringify(got)}, expected ${o.name}/${o.symbol}/${o.decimals}`,
    )
}

/**
 * Create the wrapped representation of an Isthmus asset on Asset Hub, owned and issued by the
 * committee multisig, idempotently: a signed `assets.create` (the runtime's `CreateOrigin` is any
 * signed account, so no root or sudo is needed) with admin = issuer = freezer = the multisig,
 * `assets.setMetadata` (only the owner may, so before the hand-over) and `assets.transferOwnership`
 * to the multisig, in one `utility.batchAll` (all or nothing). The deposits move to the multisig with
 * the ownership, so the multisig is first given the existential deposit (a reserved balance cannot
 * move to a dead account). An asset that exists already is accepted only when the multisig owns and
 * issues it and its metadata matches.
 * @throws DeployFailedError (taken by someone else, metadata differs, the batch failed)
 */
export const setupWrappedAsset = async (o: SetupWrappedAssetOptions): Promise<SetupWrappedAssetResult> => {
  const ms = o.multisig.toLowerCase() as Hex
  const team = await readAssetTeam(o.api, o.assetHubId)
  if (team) {
    if (team.owner !== ms || team.issuer !== ms || team.admin !== ms)
      throw fail(
        'asset id',
        `asset ${o.assetHubId} exists and is owned by ${team.owner}, not by the committee multisig ${ms}`,
      )
    await checkMetadata(o)
    return { assetHubId: o.assetHubId, owner: ms, status: 'exists' }
  }
  const api = o.api
  const edConst = api.consts.balances?.existentialDeposit as unknown as { toBigInt(): bigint } | undefined
  const ed = edConst?.toBigInt() ?? 1n
  const acct = (await queryOf(api, 'system', 'account')(ms)) as unknown as { data: { free: { toBigInt(): bigint } } }
  const calls = [
    ...(acct.data.free.toBigInt() < ed ? [txOf(api, 'balances', 'transferKeepAlive')({ Id: ms }, ed)] : []),
    txOf(api, 'assets', 'create')(o.assetHubId, { Id: ms }, o.minBalance ?? 1n),
    txOf(api, 'assets', 'setMetadata')(o.assetHubId, o.name, o.symbol, o.decimals),
    txOf(api, 'assets', 'transferOwnership')(o.assetHubId, { Id: ms }),
  ]
  const submitter = createExtrinsicSubmitter({
    api,
    chain: o.chain,
    signer: o.payer,
    log: o.log,
    txTimeoutMs: o.txTimeoutMs ?? 120_000,
    pollIntervalMs: 500,
  })
  const out = await submitter.submit(txOf(api, 'utility', 'batchAll')(calls), () => undefined)
  if (out.error) throw fail('create', `utility.batchAll failed with ${out.error}`)
  const after = await readAssetTeam(api, o.assetHubId)
  if (!after || after.owner !== ms || after.issuer !== ms)
    throw fail('create', "the asset is not the multisig's after the batch")
  o.log.info({ assetHubId: o.assetHubId, owner: ms, txHash: out.txHash }, 'wrapped asset created')
  return { assetHubId: o.assetHubId, owner: ms, status: 'created', txHash: out.txHash, blockNumber: out.blockNumber }
}
