import type { ApiPromise } from '@polkadot/api'
import type { EventRecord, SignedBlock } from '@polkadot/types/interfaces'
import { compactStripLength, u8aEq, u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import type { ChainRef, Hex } from '../../../types.js'
import { DELIVERED_MARKER_TAG } from './deliveryCall.js'
import { queryOf } from './runtimeCalls.js'

/** One delivery of the committee multisig: the id from its marker remark and the call it executed. */
export interface SubstrateDeliveredRecord {
  chain: ChainRef
  id: Hex
  /** The hash of the `asMulti` extrinsic. */
  txHash: Hex
  blockNumber: bigint
  /** SCALE encoding of the executed call (`utility.batchAll([remark, mint | transfer])`). */
  callData: Hex
}

export interface SubstrateDeliveryReaderOptions {
  chain: ChainRef
  api: ApiPromise
  /** The committee multisig account (AccountId32 hex). */
  account: Hex
}

const TAG = new TextEncoder().encode(DELIVERED_MARKER_TAG)

interface CallLike {
  section: string
  method: string
  args: readonly { toU8a(bare?: boolean): Uint8Array }[]
  toHex(): string
}

/** The id a delivery call's first remark carries (utf8 tag ‖ id), if it is a delivery call. */
const idOfCall = (call: CallLike): Hex | undefined => {
  if (call.section !== 'utility' || call.method !== 'batchAll') return undefined
  const first = (call.args[0] as unknown as CallLike[])[0]
  if (first?.section !== 'system' || first.method !== 'remarkWithEvent') return undefined
  const remark = first.args[0]!.toU8a(true)
  if (remark.length !== TAG.length + 32 || !u8aEq(remark.subarray(0, TAG.length), TAG)) return undefined
  return u8aToHex(remark.subarray(TAG.length)) as Hex
}

/**
 * A keyless reader of the committee multisig's deliveries on a Substrate destination (audit): per
 * finalized block, each successful `multisig.MultisigExecuted` of the multisig whose extrinsic also
 * emitted the multisig's delivered-id `system.Remarked`; the id and the executed call come from the
 * `asMulti` extrinsic itself (checked against the event's marker hash and call hash).
 */
export const createSubstrateDeliveryReader = (o: SubstrateDeliveryReaderOptions) => {
  const account = o.account.toLowerCase()
  const deliveriesAt = async (n: bigint): Promise<SubstrateDeliveredRecord[]> => {
    const hash = (await o.api.rpc.chain.getBlockHash(n)).toHex() as Hex
    const at = await o.api.at(hash)
    const events = (await queryOf(at, 'system', 'events')()) as unknown as EventRecord[]
    const markers = new Map<number, Set<string>>()
    const executed = new Map<number, string>()
    for (const r of events) {
      if (!r.phase.isApplyExtrinsic) continue
      const i = r.phase.asApplyExtrinsic.toNumber()
      const { section, method, data } = r.event
      if (section === 'system' && method === 'Remarked' && data[0]!.toHex() === account)
        markers.set(i, (markers.get(i) ?? new Set()).add(data[1]!.toHex()))
      else if (section === 'multisig' && method === 'MultisigExecuted' && data[2]!.toHex() === account) {
        const result = data[4] as unknown as { isOk: boolean }
        if (result.isOk) executed.set(i, data[3]!.toHex())
      }
    }
    if (executed.size === 0) return []
    // The block and its calls decode with the registry of the runtime that executed it (`api.at`
    // takes the parent's), not the current one: a runtime upgrade may re-encode calls.
    const block = at.registry.createType('SignedBlock', await o.api.rpc.chain.getBlock.raw(hash)) as SignedBlock
    const out: SubstrateDeliveredRecord[] = []
    for (const [i, callHash] of executed) {
      const ext = block.block.extrinsics[i]
      if (ext?.method.section !== 'multisig' || ext.method.method !== 'asMulti') continue
      // `call` is a Call (newer pallets) or an opaque (length-prefixed) call: the bytes hashing to the event's call hash.
      const callArg = ext.method.meta.fields.findIndex((a) => a.name.toString() === 'call')
      const raw = ext.method.args[callArg]?.toU8a()
      if (!raw) continue
      const bytes = [raw, compactStripLength(raw)[1]].find((b) => blake2AsHex(b, 256) === callHash)
      if (!bytes) continue
      const callData = u8aToHex(bytes) as Hex
      let call: CallLike
      try {
        call = at.registry.createType('Call', bytes) as unknown as CallLike
      } catch {
        continue
      }
      const id = idOfCall(call)
      if (!id) continue
      const marker = blake2AsHex(new Uint8Array([...TAG, ...Buffer.from(id.slice(2), 'hex')]), 256)
      if (!markers.get(i)?.has(marker)) continue
      out.push({ chain: o.chain, id, txHash: ext.hash.toHex() as Hex, blockNumber: n, callData })
    }
    return out
  }
  return {
    chain: o.chain,
    /** The finalized head number. */
    head: async (): Promise<bigint> =>
      (await o.api.rpc.chain.getHeader(await o.api.rpc.chain.getFinalizedHead())).number.toBigInt(),
    /** Every delivery in [fromBlock, toBlock], in chain order. */
    deliveries: async (fromBlock: bigint, toBlock: bigint): Promise<SubstrateDeliveredRecord[]> => {
      const out: SubstrateDeliveredRecord[] = []
      for (let n = fromBlock; n <= toBlock; n++) out.push(...(await deliveriesAt(n)))
      return out
    },
    /** The canonical block hash at `number`; undefined beyond the best head. */
    blockHashAt: async (number: bigint): Promise<Hex | undefined> => {
      const best = (await o.api.rpc.chain.getHeader()).number.toBigInt()
      if (number > best) return undefined
      return (await o.api.rpc.chain.getBlockHash(number)).toHex() as Hex
    },
  }
}

export type SubstrateDeliveryReader = ReturnType<typeof createSubstrateDeliveryReader>
