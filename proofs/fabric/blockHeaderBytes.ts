import { createHash } from 'node:crypto'
import type { FabricBlock } from './types.js'

const derLength = (n: number): number[] => {
  if (n < 0x80) return [n]
  const out: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff)
  return [0x80 | out.length, ...out]
}

/** DER INTEGER of an unsigned value: minimal two's complement (a leading 0x00 when the top bit is set). */
const derUint = (v: bigint): number[] => {
  const body: number[] = []
  for (let x = v; x > 0n; x >>= 8n) body.unshift(Number(x & 0xffn))
  if (body.length === 0 || (body[0]! & 0x80) !== 0) body.unshift(0)
  return [0x02, ...derLength(body.length), ...body]
}

const derOctets = (b: Uint8Array): number[] => [0x04, ...derLength(b.length), ...b]

/**
 * The bytes Fabric hashes and orderers sign for a block header (`protoutil.BlockHeaderBytes`):
 * ASN.1 DER `SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash }`.
 */
export const blockHeaderBytes = (b: Pick<FabricBlock, 'number' | 'previousHash' | 'dataHash'>): Uint8Array => {
  const body = [...derUint(b.number), ...derOctets(b.previousHash), ...derOctets(b.dataHash)]
  return Uint8Array.from([0x30, ...derLength(body.length), ...body])
}

/** Fabric's block hash: SHA-256 of `blockHeaderBytes`. */
export const fabricBlockHash = (b: Pick<FabricBlock, 'number' | 'previousHash' | 'dataHash'>): Buffer =>
  createHash('sha256').update(blockHeaderBytes(b)).digest()

/** Fabric's block data hash (`protoutil.ComputeBlockDataHash`, 1.x to 3.x): SHA-256 of the data entries concatenated. */
export const fabricDataHash = (data: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const d of data) h.update(d)
  return h.digest()
}
