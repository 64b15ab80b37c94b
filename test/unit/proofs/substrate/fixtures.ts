import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { SubstrateRpcHeader } from '../../../../proofs/index.js'
import type { Hex } from '../../../../types.js'

const text = (path: string): string =>
  readFileSync(new URL(`../../../fixtures/substrate/${path}`, import.meta.url), 'utf8')

/** Polkadot genesis: header fields, a 6-node read proof against its stateRoot, the README's expectations. */
export const genesis = {
  hash: '0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3' as Hex,
  header: JSON.parse(text('polkadot-genesis-read-proof/genesis_header.json')) as SubstrateRpcHeader & {
    number: number
  },
  proof: (JSON.parse(text('polkadot-genesis-read-proof/read_proof.json')) as { proof: Hex[] }).proof,
  expected: JSON.parse(text('polkadot-genesis-read-proof/expected.json')) as {
    present: { key: Hex; value: Hex }[]
    absent: Hex[]
    incomplete: Hex[]
  },
}

/** Polkadot GRANDPA justification for #4635975 (round 6971, set id 450, 199 precommits). */
export const polkadotJustification = {
  hex: text('polkadot-4635975-grandpa/justification.hex').trim() as Hex,
  round: 6971n,
  setId: 450n,
  targetHash: '0x2a82146e771968df054c8036040dea584339df52d8cbac6970d4c22ed59f7022' as Hex,
  targetNumber: 4635975n,
}

type Field = [number, Uint8Array]

/** The length-delimited fields of a protobuf message (the only wire type BlockResponse uses). */
const protoFields = (buf: Uint8Array): Field[] => {
  const out: Field[] = []
  let o = 0
  const varint = (): number => {
    let v = 0
    for (let shift = 0; ; shift += 7) {
      const b = buf[o++]!
      v += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return v
    }
  }
  while (o < buf.length) {
    const tag = varint()
    expect(tag & 7).toBe(2)
    const len = varint()
    out.push([tag >> 3, buf.subarray(o, o + len)])
    o += len
  }
  return out
}

/** One Westend block of the fixture: its hash, SCALE header and extrinsics. */
export interface WestendBlock {
  hash: Hex
  header: Uint8Array
  body: Uint8Array[]
}

/** The block number of a SCALE header (compact after the parent hash; 1- or 2-byte mode here). */
const numberOf = (header: Uint8Array): number =>
  (header[32]! & 3) === 0 ? header[32]! >> 2 : (header[32]! | (header[33]! << 8)) >> 2

/** Westend blocks 1–256 in ascending order (BlockResponse protobufs from the block-request protocol). */
export const westendBlocks = (): WestendBlock[] => {
  const doc = parse(text('westend-blocks-1-256/westend_blocks.yaml'), { schema: 'failsafe' }) as Record<string, string>
  const blocks = ['blocks_1_to_128', 'blocks_129_to_256'].flatMap((k) =>
    protoFields(Buffer.from(doc[k]!.slice(2), 'hex')).map(([, data]) => {
      const fields = protoFields(data)
      return {
        hash: `0x${Buffer.from(fields.find((f) => f[0] === 1)![1]).toString('hex')}` as Hex,
        header: fields.find((f) => f[0] === 2)![1],
        body: fields.filter((f) => f[0] === 3).map((f) => f[1]),
      }
    }),
  )
  return blocks.sort((a, b) => numberOf(a.header) - numberOf(b.header))
}
