import type { EventRecord } from '@polkadot/types/interfaces'
import type { Logger } from 'pino'
import { InvalidProofError, RelayError, RpcError } from '../../errors.js'
import { encodeSubstrateHeader, hashSubstrateHeader } from '../../proofs/substrate/encodeSubstrateHeader.js'
import { LAST_RUNTIME_UPGRADE_KEY, SYSTEM_EVENTS_KEY } from '../../proofs/substrate/intent/constants.js'
import { deriveSubstrateMessage } from '../../proofs/substrate/intent/deriveSubstrateMessage.js'
import { metadataHash, registryOf } from '../../proofs/substrate/intent/metadataRegistry.js'
import { bytesToHex, encodeMessage, messageId } from '../../protocol/index.js'
import type { Hex } from '../../types.js'
import type { ObservedMessage, SourceBatch } from '../types.js'
import type { RpcSubstrateBlock, SubstrateClient } from './createSubstrateClient.js'
import type { ResolvedSubstrateSourceOptions } from './options.js'

export interface ScanContext {
  o: ResolvedSubstrateSourceOptions
  client: SubstrateClient
  log: Logger
}

interface ScannedBlock {
  number: bigint
  hash: Hex
  parentHash: Hex
  messages: ObservedMessage[]
}

const headerMismatch = (detail: string, meta: Record<string, unknown>) =>
  new InvalidProofError({ reason: 'HEADER_MISMATCH', detail, meta })

/** Every outbound message of one finalized block (hash read by number), with its substrate-storage bundle. */
const scanBlock = async (c: ScanContext, number: bigint): Promise<ScannedBlock> => {
  const { o, client } = c
  const hash = (
    (await client.request<Hex | null>('chain_getBlockHash', [Number(number)])) ?? undefined
  )?.toLowerCase() as Hex | undefined
  if (!hash) throw new RpcError({ chain: o.chain, method: `chain_getBlockHash ${number} (null)`, retryable: true })
  const [blk, eventsValue, lastUpgrade] = await Promise.all([
    client.request<RpcSubstrateBlock | null>('chain_getBlock', [hash]),
    client.request<Hex | null>('state_getStorage', [SYSTEM_EVENTS_KEY, hash]),
    client.request<Hex | null>('state_getStorage', [LAST_RUNTIME_UPGRADE_KEY, hash]),
  ])
  if (!blk) throw headerMismatch('the node does not have the block of its own hash', { number: String(number), hash })
  const header = blk.block.header
  if (BigInt(header.number) !== number || hashSubstrateHeader(header).toLowerCase() !== hash) {
    throw headerMismatch('the block does not hash to its hash', { number: String(number), hash })
  }
  const scanned: ScannedBlock = { number, hash, parentHash: header.parentHash.toLowerCase() as Hex, messages: [] }
  if (!eventsValue) return scanned
  // The runtime that executed the block is the one in its parent's state: a block that applies an
  // upgrade still runs (and encodes its events with) the old runtime; the new one runs from the next.
  const executedBy = number === 0n ? hash : scanned.parentHash
  const runtime = await client.runtimeAt(executedBy)
  const metadata = await client.metadataOf(runtime.specVersion, executedBy)
  const { registry } = registryOf(metadata)
  const records = [...(registry.createType('Vec<EventRecord>', eventsValue) as unknown as Iterable<EventRecord>)]
  // Only extrinsics that emitted a Remarked event can carry an intent (a failed batchAll emits none).
  const candidates = [
    ...new Set(
      records
        .filter((r) => r.phase.isApplyExtrinsic && r.event.section === 'system' && r.event.method === 'Remarked')
        .map((r) => r.phase.asApplyExtrinsic.toNumber()),
    ),
  ]
  if (candidates.length === 0) return scanned
  let storageProof: Hex[] = []
  if (o.commitments === 'substrate') {
    const p = await client.request<{ proof: Hex[] }>('state_getReadProof', [
      [SYSTEM_EVENTS_KEY, LAST_RUNTIME_UPGRADE_KEY],
      hash,
    ])
    storageProof = p.proof
  }
  const trust = {
    domain: o.domain,
    committeeAccount: o.committeeAccount,
    metadata: { [String(runtime.specVersion)]: metadata },
    wrappedAssets: o.wrappedAssets,
  }
  for (const index of candidates) {
    const extrinsic = blk.block.extrinsics[index]
    if (!extrinsic) continue
    let derived: ReturnType<typeof deriveSubstrateMessage>
    try {
      derived = deriveSubstrateMessage(
        {
          specVersion: runtime.specVersion,
          blockNumber: number,
          extrinsicIndex: index,
          extrinsic,
          events: eventsValue,
        },
        trust,
      )
    } catch (e) {
      if (!(e instanceof InvalidProofError)) throw e
      // Not a message (another remark), or one that breaks the rules (Qubit): never relayed.
      if (e.reason !== 'LOG_NOT_FOUND') {
        c.log.warn({ err: e, blockNumber: String(number), extrinsicIndex: index }, 'outbound intent refused')
      }
      continue
    }
    const encoded = bytesToHex(encodeMessage(derived.message))
    const id = messageId(derived.message)
    scanned.messages.push({
      id,
      message: derived.message,
      encoded,
      source: {
        chain: o.chain,
        blockNumber: number,
        blockHash: hash,
        txHash: blakeOfExtrinsic(extrinsic),
        logIndex: index,
      },
      bundle: {
        version: 1,
        kind: 'substrate-storage',
        chain: o.chain,
        genesisHash: o.genesisHash,
        blockNumber: number.toString(),
        blockHash: hash,
        header: bytesToHex(encodeSubstrateHeader(header)),
        stateVersion: runtime.stateVersion,
        storageProof,
        // LastRuntimeUpgrade binds metadata.specVersion to the block (the verifier compares them).
        entries: [
          { key: SYSTEM_EVENTS_KEY, value: eventsValue },
          { key: LAST_RUNTIME_UPGRADE_KEY, value: lastUpgrade },
        ],
        extrinsics: blk.block.extrinsics,
        extrinsicsVersion: runtime.stateVersion,
        extrinsicIndex: index,
        metadata: { specVersion: runtime.specVersion, hash: metadataHash(metadata) },
        message: encoded,
      },
    })
  }
  return scanned
}

const blakeOfExtrinsic = (extrinsic: Hex): Hex => metadataHash(extrinsic)

/**
 * Scan finalized blocks `from..to` (each hash read by number at or below the finalized head), checking
 * that they link (parentHash) to each other and to `prevHash` when known (a rewound finalized chain is
 * refused, F-08/F-10). Blocks are fetched a few at a time; the batch lists them in order.
 * @throws InvalidProofError HEADER_MISMATCH (broken linkage), RpcError, RpcTimeoutError
 */
export const scanBlocks = async (
  c: ScanContext,
  range: { from: bigint; to: bigint },
  prevHash: Hex | undefined,
): Promise<SourceBatch> => {
  const blocks: ScannedBlock[] = []
  const CONCURRENCY = 4
  for (let n = range.from; n <= range.to; n += BigInt(CONCURRENCY)) {
    const last = n + BigInt(CONCURRENCY) - 1n < range.to ? n + BigInt(CONCURRENCY) - 1n : range.to
    const part = await Promise.all(Array.from({ length: Number(last - n) + 1 }, (_, i) => scanBlock(c, n + BigInt(i))))
    blocks.push(...part)
  }
  let parent = prevHash
  for (const b of blocks) {
    if (parent !== undefined && b.parentHash !== parent) {
      throw headerMismatch('finalized chain does not link: the finalized head was rewound (F-08)', {
        blockNumber: b.number.toString(),
        parentHash: b.parentHash,
        expected: parent,
      })
    }
    parent = b.hash
  }
  const toBlock = blocks[blocks.length - 1]!
  return {
    chain: c.o.chain,
    fromBlock: range.from,
    toBlock: range.to,
    toBlockHash: toBlock.hash,
    messages: blocks.flatMap((b) => b.messages),
  }
}

export const isRetryable = (e: unknown): boolean => e instanceof RelayError && e.retryable
