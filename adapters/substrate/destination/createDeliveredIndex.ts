import type { ApiPromise } from '@polkadot/api'
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces'
import type { Logger } from 'pino'
import type { Hex } from '../../../types.js'
import { dispatchErrorName } from './dispatchErrorName.js'
import { queryOf } from './runtimeCalls.js'
import type { ChainPosition, ExecutionRecord } from './types.js'

export interface DeliveredIndexOptions {
  api: ApiPromise
  /** The committee multisig account (AccountId32 hex). */
  account: Hex
  /** First block scanned (the multisig's first possible delivery). */
  fromBlock: bigint
  log: Logger
  /** Blocks whose events are read at once while catching up. */
  concurrency?: number
}

/** What one block's events say about the multisig. */
interface BlockFacts {
  markers: [Hex, ChainPosition][]
  executions: ExecutionRecord[]
}

/**
 * NT-18: the ids the committee multisig already delivered, from chain events only (never from NATS):
 * `system.Remarked` events whose sender is the multisig (the marker hash, blake2_256("ISTHMUS/v1:
 * delivered" ‖ id)), and `multisig.MultisigExecuted` of the multisig (call hash and dispatch result).
 * A fresh index scans every block from `fromBlock`; afterwards only the new finalized blocks.
 * Events are read with the metadata of each block (`api.at`), so runtime upgrades are followed.
 */
export const createDeliveredIndex = (o: DeliveredIndexOptions) => {
  const account = o.account.toLowerCase()
  const markers = new Map<string, ChainPosition>()
  const executions = new Map<string, ExecutionRecord>()
  let scanned = o.fromBlock - 1n
  let queue: Promise<unknown> = Promise.resolve()

  const factsOf = (hash: Hex, blockNumber: bigint, events: EventRecord[]): BlockFacts => {
    const facts: BlockFacts = { markers: [], executions: [] }
    for (const r of events) {
      if (!r.phase.isApplyExtrinsic) continue
      const pos = { blockNumber, blockHash: hash, extrinsicIndex: r.phase.asApplyExtrinsic.toNumber() }
      const { section, method, data } = r.event
      if (section === 'system' && method === 'Remarked' && data[0]!.toHex() === account)
        facts.markers.push([data[1]!.toHex() as Hex, pos])
      else if (section === 'multisig' && method === 'MultisigExecuted' && data[2]!.toHex() === account) {
        const result = data[4] as unknown as { isOk: boolean; asErr: DispatchError }
        facts.executions.push({
          ...pos,
          callHash: data[3]!.toHex() as Hex,
          isOk: result.isOk,
          ...(result.isOk ? {} : { error: dispatchErrorName(o.api, result.asErr) }),
        })
      }
    }
    return facts
  }

  const readBlock = async (n: bigint): Promise<BlockFacts> => {
    const hash = (await o.api.rpc.chain.getBlockHash(n)).toHex() as Hex
    const at = await o.api.at(hash)
    return factsOf(hash, n, (await queryOf(at, 'system', 'events')()) as unknown as EventRecord[])
  }

  const readRange = async (from: bigint, to: bigint): Promise<BlockFacts[]> => {
    const out: BlockFacts[] = []
    const step = BigInt(o.concurrency ?? 8)
    for (let n = from; n <= to; n += step) {
      const last = n + step - 1n < to ? n + step - 1n : to
      const ns: bigint[] = []
      for (let k = n; k <= last; k++) ns.push(k)
      out.push(...(await Promise.all(ns.map(readBlock))))
    }
    return out
  }

  const finalizedNumber = async (): Promise<bigint> => {
    const h = await o.api.rpc.chain.getFinalizedHead()
    return (await o.api.rpc.chain.getHeader(h)).number.toBigInt()
  }

  /** Scan up to the finalized head (serialised: concurrent callers share one scan). */
  const sync = (): Promise<bigint> => {
    const r = queue.then(async () => {
      const fin = await finalizedNumber()
      if (fin <= scanned) return scanned
      for (const f of await readRange(scanned + 1n, fin)) {
        for (const [h, pos] of f.markers) if (!markers.has(h)) markers.set(h, pos)
        for (const e of f.executions) executions.set(e.callHash, e)
      }
      if (o.log.isLevelEnabled('trace')) o.log.trace({ from: scanned + 1n, to: fin }, 'delivered-id index synced')
      scanned = fin
      return scanned
    })
    queue = r.catch(() => undefined)
    return r
  }

  /** Markers in blocks above the finalized head (best chain): a delivery that is not final yet. */
  const unfinalizedMarkers = async (): Promise<Set<string>> => {
    const best = (await o.api.rpc.chain.getHeader()).number.toBigInt()
    const out = new Set<string>()
    if (best <= scanned) return out
    for (const f of await readRange(scanned + 1n, best)) for (const [h] of f.markers) out.add(h)
    return out
  }

  return {
    sync,
    unfinalizedMarkers,
    /** Where the marker with this hash (`deliveredMarkerHash(id)`) was found, among finalized blocks. */
    marker: (markerHash: Hex): ChainPosition | undefined => markers.get(markerHash.toLowerCase()),
    /** The last finalized `MultisigExecuted` of this call hash. */
    execution: (callHash: Hex): ExecutionRecord | undefined => executions.get(callHash.toLowerCase()),
    scannedTo: () => scanned,
  }
}

export type DeliveredIndex = ReturnType<typeof createDeliveredIndex>
