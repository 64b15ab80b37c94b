import { type Contract, type Network, StatusCode } from '@hyperledger/fabric-gateway'
import { peer } from '@hyperledger/fabric-protos'
import type { Logger } from 'pino'
import { Observable } from 'rxjs'
import { DeliveryRevertedError, DestinationPausedError, RelayError } from '../../errors.js'
import { bytesToHex, encodeMessage, messageId } from '../../protocol/index.js'
import type { ChainRef, Hex } from '../../types.js'
import type { CommitteeInfo, DeliveryItem, DeliveryProgress, DeliveryResult } from '../types.js'
import { gatewayDetailOf, toRelayError } from './toRelayError.js'

export interface FabricDestinationOptions {
  chain: ChainRef
  contract: Contract
  network: Network
  log: Logger
  /** Submissions of one message after MVCC / phantom read conflicts before giving up (retryable). */
  maxConflictRetries: number
  conflictBackoffMs: number
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const CONFLICTS: number[] = [StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]

/** The error code a refusing chaincode named (every RelayError message ends with its docs link). */
const refusedCode = (e: unknown): string | undefined => /docs\/errors\.md#([a-z_]+)/.exec(gatewayDetailOf(e))?.[1]

export const createFabricDestination = (o: FabricDestinationOptions) => {
  const evaluate = async (fn: string, ...args: string[]): Promise<string> => {
    try {
      return text(await o.contract.evaluateTransaction(fn, ...args))
    } catch (e) {
      throw toRelayError(e, o.chain, fn)
    }
  }

  const isDelivered = async (id: Hex): Promise<boolean> => (await evaluate('isDelivered', id)) === 'true'

  const committee = async (): Promise<CommitteeInfo> => {
    const c = JSON.parse(await evaluate('committee')) as { epoch: string; signers: Hex[]; threshold: number }
    return { epoch: BigInt(c.epoch), signers: c.signers, threshold: c.threshold }
  }

  /** One message: submit `deliver`, wait for its validation code, resubmit after read conflicts. */
  const deliverOne = async (item: DeliveryItem, emit: (p: DeliveryProgress) => void): Promise<DeliveryResult> => {
    const id = messageId(item.message)
    if (await isDelivered(id)) return { id, status: 'already-delivered' }
    const args = [
      bytesToHex(encodeMessage(item.message)),
      item.certificate.epoch.toString(),
      `0x${item.certificate.signatures.map((s) => s.slice(2)).join('')}`,
    ]
    for (let attempt = 1; ; attempt++) {
      let submitted: Awaited<ReturnType<Contract['submitAsync']>>
      try {
        submitted = await o.contract.submitAsync('deliver', { arguments: args })
      } catch (e) {
        const code = refusedCode(e)
        if (code === 'destination_paused') throw new DestinationPausedError({ chain: o.chain, id })
        const relay = toRelayError(e, o.chain, 'deliver')
        if (relay.retryable || code === undefined) throw relay
        throw new DeliveryRevertedError({ chain: o.chain, id, reason: `${code}: ${gatewayDetailOf(e)}`, cause: e })
      }
      const txHash = `0x${submitted.getTransactionId()}` as Hex
      emit({ kind: 'submitted', txHash, ids: [id], nonce: BigInt(attempt - 1) })
      let status: Awaited<ReturnType<typeof submitted.getStatus>>
      try {
        status = await submitted.getStatus()
      } catch (e) {
        throw toRelayError(e, o.chain, 'commit status')
      }
      if (status.code === StatusCode.VALID) {
        const result = text(submitted.getResult())
        const base = { id, txHash, blockNumber: status.blockNumber }
        if (result === 'DELIVERED') return { ...base, status: 'delivered' }
        if (result === 'ALREADY_EXECUTED') return { ...base, status: 'already-delivered' }
        return {
          ...base,
          status: 'failed',
          reason: result === 'EQUIVOCATION' ? 'equivocation: the bridge paused' : result,
        }
      }
      const name = Object.entries(peer.TxValidationCode).find(([, v]) => v === status.code)?.[0] ?? String(status.code)
      if (!CONFLICTS.includes(status.code)) throw new DeliveryRevertedError({ chain: o.chain, id, reason: name })
      if (await isDelivered(id)) return { id, status: 'already-delivered', txHash, blockNumber: status.blockNumber }
      if (attempt >= o.maxConflictRetries)
        throw new DeliveryRevertedError({ chain: o.chain, id, reason: `${name} ${attempt} times`, retryable: true })
      o.log.info({ id, txHash, attempt, code: name }, 'fabric delivery hit a read conflict; resubmitting')
      await sleep(o.conflictBackoffMs * attempt)
    }
  }

  const deliverProgress$ = (items: DeliveryItem[]): Observable<DeliveryProgress> =>
    new Observable<DeliveryProgress>((sub) => {
      let stopped = false
      ;(async () => {
        const results: DeliveryResult[] = []
        for (const item of items) {
          if (stopped) return
          results.push(await deliverOne(item, (p) => !stopped && sub.next(p)))
        }
        sub.next({ kind: 'settled', results })
        sub.complete()
      })().catch((e: unknown) => sub.error(e instanceof RelayError ? e : toRelayError(e, o.chain, 'deliver')))
      return () => {
        stopped = true
      }
    })

  return { evaluate, isDelivered, committee, deliverProgress$ }
}
