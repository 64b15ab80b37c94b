import { InvalidProofError } from '../../errors.js'
import { bytesOf, listOf, readProto, varintOf } from './readProto.js'
import type { FabricBlock } from './types.js'

const BLOCK = { 1: { kind: 'bytes' }, 2: { kind: 'bytes' }, 3: { kind: 'bytes' } } as const
const HEADER = { 1: { kind: 'varint' }, 2: { kind: 'bytes' }, 3: { kind: 'bytes' } } as const
const REPEATED_BYTES = { 1: { kind: 'bytes', repeated: true } } as const
const ENVELOPE = { 1: { kind: 'bytes' }, 2: { kind: 'bytes' } } as const

/**
 * Decode a `common.Block` strictly: header, data entries, metadata entries. Each data entry must be a
 * strictly encoded `common.Envelope` too (a glued second envelope is refused here, before any hash).
 * @throws InvalidProofError MALFORMED_ENCODING, NON_CANONICAL, TRAILING_DATA
 */
export const decodeFabricBlock = (bytes: Uint8Array): FabricBlock => {
  const block = readProto(bytes, BLOCK, 'Block')
  if (!block.has(1)) throw malformed('Block', 'no header')
  const header = readProto(bytesOf(block, 1), HEADER, 'Block.header')
  const data = listOf(readProto(bytesOf(block, 2), REPEATED_BYTES, 'Block.data'), 1)
  const metadata = listOf(readProto(bytesOf(block, 3), REPEATED_BYTES, 'Block.metadata'), 1)
  data.forEach((d, i) => {
    readProto(d, ENVELOPE, `Block.data[${i}] (Envelope)`)
  })
  return {
    number: varintOf(header, 1),
    previousHash: bytesOf(header, 2),
    dataHash: bytesOf(header, 3),
    data,
    metadata,
  }
}

const malformed = (where: string, detail: string) =>
  new InvalidProofError({ reason: 'MALFORMED_ENCODING', detail: `fabric-block: ${where}: ${detail}` })
