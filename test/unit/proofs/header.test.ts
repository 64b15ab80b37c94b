import { keccak256 } from 'ethers'
import { BundleInvalidError, InvalidProofError } from '../../../errors.js'
import {
  decodeHeader,
  decodeRlp,
  type EvmRpcHeader,
  encodeHeader,
  encodeRlp,
  hashHeader,
} from '../../../proofs/index.js'
import type { Hex } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'
import { edr, mainnet, sepolia } from './fixtures.js'
import { hex } from './forge.js'

const PRAGUE_ONLY = ['requestsHash'] as const
const CANCUN_ON = ['blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', ...PRAGUE_ONLY] as const
const without = (h: EvmRpcHeader, keys: readonly (keyof EvmRpcHeader)[]): EvmRpcHeader => {
  const copy = { ...h }
  for (const k of keys) delete copy[k]
  return copy
}

describe('hashHeader on real headers', () => {
  it.each([
    ['mainnet 11408438 (pre-London, 15 fields)', mainnet.header, 15],
    ['Sepolia 3445383 (Shanghai, 17 fields)', sepolia.header, 17],
    ['an EDR Prague block (21 fields)', edr.header, 21],
  ] as const)('hashes %s to its block hash', (_, header, fields) => {
    expect(hashHeader(header)).toBe(header.hash)
    const d = decodeHeader(encodeHeader(header))
    expect(d).toEqual({
      parentHash: header.parentHash,
      stateRoot: header.stateRoot,
      transactionsRoot: header.transactionsRoot,
      receiptsRoot: header.receiptsRoot,
      number: BigInt(header.number),
      timestamp: BigInt(header.timestamp),
      fieldCount: fields,
    })
  })
})

describe('encodeHeader per fork', () => {
  it.each([
    ['London', without(sepolia.header, ['withdrawalsRoot']), 16],
    ['Shanghai', without(edr.header, CANCUN_ON), 17],
    ['Cancun', without(edr.header, PRAGUE_ONLY), 20],
    ['Prague', edr.header, 21],
  ] as const)('includes the %s fields', (_, header, fields) => {
    const items = decodeRlp(encodeHeader(header)) as Uint8Array[]
    expect(items).toHaveLength(fields)
    const last = {
      16: '0x09',
      17: edr.header.withdrawalsRoot,
      20: edr.header.parentBeaconBlockRoot,
      21: edr.header.requestsHash,
    }
    expect(hex(items.at(-1)!)).toBe(last[fields])
  })

  it('treats null fork fields as absent', () => {
    expect(hashHeader({ ...mainnet.header, baseFeePerGas: null, withdrawalsRoot: null })).toBe(mainnet.header.hash)
  })

  it('ignores the hash field itself', () => {
    expect(hashHeader({ ...mainnet.header, hash: `0x${'00'.repeat(32)}` })).toBe(mainnet.header.hash)
  })

  it('changes the hash when any field changes', () => {
    expect(hashHeader({ ...mainnet.header, gasUsed: '0xbe6f4b' })).not.toBe(mainnet.header.hash)
  })

  const invalid: { name: string; header: unknown; field: string }[] = [
    { name: 'a non-object', header: 'header', field: 'header' },
    {
      name: 'a fork gap (Cancun fields without withdrawalsRoot)',
      header: without(edr.header, ['withdrawalsRoot']),
      field: 'header.withdrawalsRoot',
    },
    {
      name: 'a fork gap (withdrawalsRoot without baseFeePerGas)',
      header: without(sepolia.header, ['baseFeePerGas']),
      field: 'header.baseFeePerGas',
    },
    { name: 'a 19-byte miner', header: { ...mainnet.header, miner: `0x${'11'.repeat(19)}` }, field: 'header.miner' },
    { name: 'a missing parentHash', header: without(mainnet.header, ['parentHash']), field: 'header.parentHash' },
    {
      name: 'a quantity with a leading zero',
      header: { ...mainnet.header, number: '0x0ae1436' },
      field: 'header.number',
    },
    { name: 'a decimal quantity', header: { ...mainnet.header, gasUsed: 12480330 }, field: 'header.gasUsed' },
    { name: 'a 7-byte nonce', header: { ...mainnet.header, nonce: '0x61708593eff9d4' }, field: 'header.nonce' },
    { name: 'odd-length extraData', header: { ...mainnet.header, extraData: '0x626' }, field: 'header.extraData' },
  ]
  it.each(invalid)('rejects $name naming $field', ({ header, field }) => {
    const e = thrown(() => encodeHeader(header as EvmRpcHeader))
    expect(e).toBeInstanceOf(BundleInvalidError)
    expect((e as BundleInvalidError).meta['field']).toBe(field)
  })
})

describe('decodeHeader', () => {
  const fields = decodeRlp(encodeHeader(mainnet.header)) as Uint8Array[]
  const withField = (i: number, v: Uint8Array | Uint8Array[]) => encodeRlp(fields.map((f, j) => (j === i ? v : f)))
  const cases: { name: string; rlp: Uint8Array; reason: InvalidProofError['reason'] }[] = [
    { name: '14 fields', rlp: encodeRlp(fields.slice(0, 14)), reason: 'MALFORMED_ENCODING' },
    { name: '22 fields', rlp: encodeRlp([...fields, ...fields.slice(0, 7)]), reason: 'MALFORMED_ENCODING' },
    { name: 'a string instead of a list', rlp: encodeRlp(new Uint8Array(100)), reason: 'MALFORMED_ENCODING' },
    { name: 'a 31-byte receiptsRoot', rlp: withField(5, new Uint8Array(31)), reason: 'MALFORMED_ENCODING' },
    { name: 'a list as number', rlp: withField(8, [Uint8Array.of(1)]), reason: 'MALFORMED_ENCODING' },
    {
      name: 'a number with a leading zero',
      rlp: withField(8, Uint8Array.of(0, 0xae, 0x14, 0x36)),
      reason: 'NON_CANONICAL',
    },
    { name: 'trailing bytes', rlp: Uint8Array.from([...encodeHeader(mainnet.header), 0]), reason: 'TRAILING_DATA' },
  ]
  it.each(cases)('rejects $name with $reason', ({ rlp, reason }) => {
    const e = thrown(() => decodeHeader(rlp))
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).reason).toBe(reason)
  })

  it('decodes the number of a header whose RLP hashes to the block hash', () => {
    const rlp = encodeHeader(mainnet.header)
    expect(keccak256(rlp) as Hex).toBe(mainnet.header.hash)
    expect(decodeHeader(rlp).number).toBe(11408438n)
  })
})
