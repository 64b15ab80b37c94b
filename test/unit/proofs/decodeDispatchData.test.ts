import { AbiCoder, id } from 'ethers'
import { InvalidProofError } from '../../../errors.js'
import { DISPATCH_TOPIC, decodeDispatchData } from '../../../proofs/index.js'
import { thrown } from '../../harness/thrown.js'
import { bytes, hex } from './forge.js'

const abi = (b: Uint8Array): Uint8Array => bytes(AbiCoder.defaultAbiCoder().encode(['bytes'], [b]))
const word = (n: number): string => n.toString(16).padStart(64, '0')

describe('DISPATCH_TOPIC', () => {
  it('is keccak256 of the Dispatch event signature', () => {
    expect(DISPATCH_TOPIC).toBe(id('Dispatch(bytes32,uint32,uint64,bytes)'))
  })
})

describe('decodeDispatchData', () => {
  it.each([0, 1, 31, 32, 33, 81, 178, 1000])('decodes an ABI-encoded message of %i bytes', (n) => {
    const m = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff)
    expect(hex(decodeDispatchData(abi(m)))).toBe(hex(m))
  })

  const invalid: { name: string; data: string }[] = [
    { name: 'a single word', data: `0x${word(32)}` },
    { name: 'a length that is not whole words', data: `0x${word(32)}${word(1)}01` },
    { name: 'an offset of 0x40', data: `0x${word(64)}${word(1)}${'01'.padEnd(64, '0')}` },
    { name: 'an offset with high bytes set', data: `0x${'01'.padEnd(62, '0')}20${word(1)}${'01'.padEnd(64, '0')}` },
    { name: 'a length word above 2^32', data: `0x${word(32)}${'01'.padEnd(64, '0')}${'01'.padEnd(64, '0')}` },
    { name: 'a length past the data', data: `0x${word(32)}${word(33)}${'01'.padEnd(64, '0')}` },
    { name: 'an extra trailing word', data: `0x${word(32)}${word(1)}${'01'.padEnd(64, '0')}${word(0)}` },
    { name: 'non-zero padding', data: `0x${word(32)}${word(1)}${'0102'.padEnd(64, '0')}` },
  ]
  it.each(invalid)('rejects $name', ({ data }) => {
    const e = thrown(() => decodeDispatchData(bytes(data)))
    expect(e).toBeInstanceOf(InvalidProofError)
    expect((e as InvalidProofError).reason).toBe('MALFORMED_ENCODING')
  })
})
