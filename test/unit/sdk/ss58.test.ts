import { u8aToHex } from '@polkadot/util'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import fc from 'fast-check'
import { recipientBytes32, ss58ToAccountId } from '../../../sdk/index.js'

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'

describe('ss58ToAccountId (browser-safe SS58 decoding)', () => {
  it('agrees with @polkadot/util-crypto for random accounts and prefixes (1- and 2-byte)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 16_383 }),
        (acc, prefix) => {
          if (prefix === 46 || prefix === 47) return // reserved by the SS58 registry
          const address = encodeAddress(acc, prefix)
          expect(ss58ToAccountId(address)).toBe(u8aToHex(decodeAddress(address)))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses a wrong checksum, a wrong length and non-base58 text', () => {
    expect(ss58ToAccountId(ALICE)).toBe(u8aToHex(decodeAddress(ALICE)))
    expect(ss58ToAccountId(`${ALICE.slice(0, -1)}Z`)).toBeUndefined()
    expect(ss58ToAccountId(ALICE.slice(0, -2))).toBeUndefined()
    expect(ss58ToAccountId(`0${ALICE.slice(1)}`)).toBeUndefined()
  })

  it('recipientBytes32 takes an address, a bytes32 account or an SS58 address', () => {
    expect(recipientBytes32(`0x${'ab'.repeat(20)}`)).toBe(`0x${'00'.repeat(12)}${'ab'.repeat(20)}`)
    expect(recipientBytes32(`0x${'AB'.repeat(32)}`)).toBe(`0x${'ab'.repeat(32)}`)
    expect(recipientBytes32(encodeAddress(ALICE, 0))).toBe(u8aToHex(decodeAddress(ALICE)))
    expect(recipientBytes32('not an address')).toBeUndefined()
  })
})
