import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import type { Logger } from 'pino'
import { lastValueFrom, Observable } from 'rxjs'
import {
  CertificateInvalidError,
  ChainIdMismatchError,
  CommitteeMismatchError,
  InvalidProofError,
  MessageInvalidError,
  RpcTimeoutError,
} from '../../../errors.js'
import { verifyQuorumCertificate } from '../../../proofs/index.js'
import { attestationDigest, messageId, substrateBridgeRef } from '../../../protocol/index.js'
import type { ChainRef, Hex, Message } from '../../../types.js'
import type {
  ChainHead,
  CommitteeInfo,
  DeliveryItem,
  DeliveryProgress,
  DeliveryResult,
  DestinationAdapter,
} from '../../types.js'
import { committeeMultisig } from './committeeMultisig.js'
import { createDeliveredIndex } from './createDeliveredIndex.js'
import { createExtrinsicSubmitter } from './createExtrinsicSubmitter.js'
import { createDeliverOne } from './deliverOne.js'
import { buildDeliveryCall, deliveredMarkerHash } from './deliveryCall.js'
import { queryOf } from './runtimeCalls.js'
import { readAssetTeam } from './setupWrappedAsset.js'
import type { SubstrateAssetRoute } from './types.js'

export interface SubstrateDestinationOptions {
  chain: ChainRef
  domain: number
  /** A client (`connectSubstrateDestination` makes its own); every method waits for `api.isReady`. */
  api: ApiPromise
  /** The configured genesis hash (bound into `bridgeRef`; checked against the chain). */
  genesisHash: Hex
  /** This relayer's sr25519 account: a multisig signatory; pays its own fees and deposits. */
  signer: KeyringPair
  committee: {
    epoch: bigint
    threshold: number
    /** Attestation (secp256k1) addresses of the members: the certificates' signers. */
    attestationSigners: readonly Hex[]
    /** The members' sr25519 accounts (SS58 or 0x AccountId32): the multisig's signatories. */
    substrateAccounts: readonly string[]
  }
  assets: readonly SubstrateAssetRoute[]
  log: Logger
  /** First block the delivered-id index scans (default 0: the whole chain). */
  startBlock?: bigint
  /** After approving, how long to wait for the other members before `deferred` (default 30 s). */
  approvalWaitMs?: number
  /** Submission to finality of one extrinsic (default 120 s). */
  txTimeoutMs?: number
  pollIntervalMs?: number
  /** Multisig extrinsics one message may take (default 8). */
  maxExtrinsicsPerMessage?: number
  /** Added to the call's weight for `max_weight` (default 50 %). */
  weightMarginPercent?: number
  /** How long a method waits for the client to connect (default 30 s). */
  connectTimeoutMs?: number
  /** Messages of one `deliver` call in flight at once (default 8). */
  concurrency?: number
  now?: () => number
}

/** The destination half of a Substrate chain adapter, plus the multisig it delivers through. */
export interface SubstrateDestination extends DestinationAdapter {
  /** The committee multisig account (AccountId32 hex). */
  readonly multisigAccount: Hex
}

const certificateRefused = (e: InvalidProofError) =>
  new CertificateInvalidError({ reason: e.message.split('\n')[0] ?? e.reason, meta: { ...e.meta } })

/**
 * Delivery to a stock Substrate runtime through the committee's `pallet_multisig` account
 * (docs/substrate.md): every member's relayer verifies the certificate, then approves the same
 * deterministic `utility.batchAll([system.remarkWithEvent(marker), mint | transfer])`; the last
 * approval executes it. `isDelivered` and the refusal to approve twice (NT-18) read chain events only.
 * @throws ConfigInvalidError (bad committee accounts)
 * @example
 * const dest = createSubstrateDestination({ chain: 'substrate:asset-hub-local', domain: 3, api, genesisHash,
 *   signer, committee, assets, log })
 * const [result] = await dest.deliver([{ message, certificate }])
 */
export const createSubstrateDestination = (o: SubstrateDestinationOptions): SubstrateDestination => {
  const multisig = committeeMultisig(o.committee.substrateAccounts, o.committee.threshold)
  const me = u8aToHex(o.signer.publicKey) as Hex
  const bridgeRef = substrateBridgeRef(o.genesisHash, multisig.account)
  const log = o.log.child({ chain: o.chain, module: 'substrate-destination' })
  const pollIntervalMs = o.pollIntervalMs ?? 500
  const connectTimeoutMs = o.connectTimeoutMs ?? 30_000
  const index = createDeliveredIndex({ api: o.api, account: multisig.account, fromBlock: o.startBlock ?? 0n, log })
  const submitter = createExtrinsicSubmitter({
    api: o.api,
    chain: o.chain,
    signer: o.signer,
    log,
    txTimeoutMs: o.txTimeoutMs ?? 120_000,
    pollIntervalMs,
  })
  const deliverOne = createDeliverOne({
    api: o.api,
    chain: o.chain,
    multisig,
    me,
    index,
    submitter,
    log,
    approvalWaitMs: o.approvalWaitMs ?? 30_000,
    pollIntervalMs,
    maxExtrinsics: o.maxExtrinsicsPerMessage ?? 8,
    weightMarginPercent: o.weightMarginPercent ?? 50,
    now: o.now ?? Date.now,
  })
  /** The client's connection and metadata, bounded (a dead endpoint is a retryable RpcTimeoutError). */
  const ready = async () => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        o.api.isReady,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RpcTimeoutError({ chain: o.chain, method: 'connect', timeoutMs: connectTimeoutMs })),
            connectTimeoutMs,
          )
        }),
      ])
    } finally {
      clearTimeout(timer)
    }
  }
  const info: CommitteeInfo = {
    epoch: o.committee.epoch,
    signers: o.committee.attestationSigners.map((s) => s.toLowerCase() as Hex),
    threshold: o.committee.threshold,
  }

  /** Refuse what the chain would not check itself: wrong destination, or a certificate not by this committee. */
  const checkItem = (it: DeliveryItem, id: Hex) => {
    if (it.message.destination !== o.domain)
      throw new MessageInvalidError({
        field: 'destination',
        expected: `domain ${o.domain}`,
        got: String(it.message.destination),
      })
    const digest = attestationDigest({
      epoch: it.certificate.epoch,
      destination: o.domain,
      destinationBridge: bridgeRef,
      id,
    })
    try {
      verifyQuorumCertificate({ certificate: it.certificate, committee: info, digest })
    } catch (e) {
      throw e instanceof InvalidProofError ? certificateRefused(e) : e
    }
  }

  const deliverItem = async (it: DeliveryItem, emit: (p: DeliveryProgress) => void): Promise<DeliveryResult> => {
    const id = messageId(it.message)
    const plan = buildDeliveryCall(o.api, id, it.message, o.assets)
    if (plan.kind === 'unexecutable') {
      log.warn({ msgId: id, reason: plan.reason }, 'message cannot execute on this chain')
      return { id, status: 'failed', reason: plan.reason }
    }
    return deliverOne({
      id,
      call: plan.call,
      callHash: plan.callHash,
      onSubmitted: (b) => emit({ kind: 'submitted', txHash: b.txHash, ids: [id], nonce: b.nonce }),
    })
  }

  const run = async (items: DeliveryItem[], emit: (p: DeliveryProgress) => void): Promise<DeliveryResult[]> => {
    await ready()
    for (const it of items) checkItem(it, messageId(it.message))
    const results: DeliveryResult[] = new Array(items.length)
    let next = 0
    const worker = async () => {
      for (let k = next++; k < items.length; k = next++) results[k] = await deliverItem(items[k]!, emit)
    }
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, items.length) }, worker))
    for (const r of results) log.info({ msgId: r.id, status: r.status, txHash: r.txHash }, 'delivery settled')
    return results
  }

  const deliverProgress$ = (items: DeliveryItem[]): Observable<DeliveryProgress> =>
    new Observable<DeliveryProgress>((sub) => {
      let closed = false
      run(items, (p) => {
        if (!closed) sub.next(p)
      }).then(
        (results) => {
          sub.next({ kind: 'settled', results })
          sub.complete()
        },
        (err: unknown) => sub.error(err),
      )
      return () => {
        closed = true
      }
    })

  const committee = async (): Promise<CommitteeInfo> => {
    await ready()
    const genesis = o.api.genesisHash.toHex()
    if (genesis !== o.genesisHash.toLowerCase())
      throw new ChainIdMismatchError({ chain: o.chain, expected: o.genesisHash, actual: genesis })
    const fail = (detail: string) => new CommitteeMismatchError({ chain: o.chain, detail })
    if (!multisig.signatories.includes(me))
      throw fail(
        `this relayer's sr25519 account ${me} is not a signatory of the committee multisig ${multisig.account}`,
      )
    // The chain knows the committee only as the account that owns and issues the wrapped assets.
    for (const a of o.assets) {
      if (a.kind !== 'wrapped') continue
      const team = await readAssetTeam(o.api, a.assetHubId)
      if (!team) throw fail(`wrapped asset ${a.assetHubId} does not exist (run isthmus substrate setup-asset)`)
      if (team.owner !== multisig.account || team.issuer !== multisig.account)
        throw fail(
          `wrapped asset ${a.assetHubId} is owned by ${team.owner} and issued by ${team.issuer}, not by the committee multisig ${multisig.account}`,
        )
    }
    return info
  }

  const latestHead = async (): Promise<ChainHead> => {
    await ready()
    const header = await o.api.rpc.chain.getHeader()
    const at = await o.api.at(header.hash)
    const ms = (await queryOf(at, 'timestamp', 'now')()) as unknown as { toBigInt(): bigint }
    return { number: header.number.toBigInt(), hash: header.hash.toHex() as Hex, timestamp: ms.toBigInt() / 1000n }
  }

  return {
    chain: o.chain,
    domain: o.domain,
    bridgeRef,
    // The multisig executes after `threshold` members each approved: every member needs the certificate.
    deliveryMode: 'every-member',
    multisigAccount: multisig.account,
    committee,
    deliver: async (items) => {
      const last = await lastValueFrom(deliverProgress$(items))
      return last.kind === 'settled' ? last.results : []
    },
    deliverProgress$,
    // No large-transfer queue on Substrate: nothing is ever held for release.
    release: async (message: Message) => ({
      id: messageId(message),
      status: 'deferred',
      reason: 'no release queue on Substrate',
    }),
    latestHead,
    isDelivered: async (id: Hex) => {
      await ready()
      await index.sync()
      return index.marker(deliveredMarkerHash(id)) !== undefined
    },
  }
}
