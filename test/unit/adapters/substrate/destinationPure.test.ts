import { keccak_256 } from '@noble/hashes/sha3.js'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { blake2AsHex, cryptoWaitReady, encodeMultiAddress } from '@polkadot/util-crypto'
import { classifyMultisigError } from '../../../../adapters/substrate/destination/classifyMultisigError.js'
import {
  committeeMultisig,
  otherSignatories,
  toAccountId,
} from '../../../../adapters/substrate/destination/committeeMultisig.js'
import { deliveredMarker, deliveredMarkerHash } from '../../../../adapters/substrate/destination/deliveryCall.js'
import { substrateBridgeRef } from '../../../../protocol/index.js'
import type { Hex } from '../../../../types.js'
import { thrown } from '../../../harness/thrown.js'

describe('classifyMultisigError', () => {
  it.each([
    ['multisig.NoTimepoint', 'race'],
    ['multisig.WrongTimepoint', 'race'],
    ['multisig.UnexpectedTimepoint', 'race'],
    ['multisig.NotFound', 'race'],
    ['multisig.AlreadyApproved', 'race'],
    ['multisig.MaxWeightTooLow', 'weight'],
    ['multisig.SenderInSignatories', 'config'],
    ['multisig.SignatoriesOutOfOrder', 'config'],
    ['multisig.TooFewSignatories', 'config'],
    ['multisig.MinimumThreshold', 'config'],
    ['balances.InsufficientBalance', 'funds'],
    ['Token.FundsUnavailable', 'funds'],
    ['assets.NoPermission', 'retry'],
    ['BadOrigin', 'retry'],
  ])('classifies %s as %s', (name, kind) => expect(classifyMultisigError(name)).toBe(kind))
})

describe('committeeMultisig', () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  let accounts: string[] = []
  beforeAll(async () => {
    await cryptoWaitReady()
    accounts = ['//Charlie', '//Alice', '//Bob'].map((u) => keyring.addFromUri(u).address)
  })

  it('derives the pallet_multisig account of the sorted signatories and the threshold, whatever the input order', () => {
    const a = committeeMultisig(accounts, 2)
    const b = committeeMultisig(
      [...accounts].reverse().map((x) => toAccountId(x)),
      2,
    )
    expect(a.account).toBe(b.account)
    expect(encodeMultiAddress(accounts, 2, 42)).toBe(keyring.encodeAddress(a.account, 42))
    // pallet_multisig: blake2_256(b"modlpy/utilisuba" ‖ SCALE Vec<AccountId> (sorted) ‖ u16 LE threshold).
    const preimage = Buffer.concat([
      Buffer.from('modlpy/utilisuba'),
      Buffer.from([3 << 2]),
      ...a.signatories.map((s) => Buffer.from(s.slice(2), 'hex')),
      Buffer.from([2, 0]),
    ])
    expect(a.account).toBe(blake2AsHex(preimage, 256))
    expect(a.signatories).toEqual([...a.signatories].sort())
    expect(committeeMultisig(accounts, 3).account).not.toBe(a.account)
  })

  it('leaves the sender out of other_signatories and keeps them sorted', () => {
    const m = committeeMultisig(accounts, 2)
    const me = toAccountId(accounts[1]!)
    const others = otherSignatories(m, me)
    expect(others).toHaveLength(2)
    expect(others).not.toContain(me)
    expect(others).toEqual([...others].sort())
  })

  it('refuses a repeated account, a threshold outside 1..members and an unparsable account', () => {
    expect(thrown(() => committeeMultisig([accounts[0]!, accounts[0]!], 1))).toMatchObject({ code: 'CONFIG_INVALID' })
    expect(thrown(() => committeeMultisig(accounts, 4))).toMatchObject({ code: 'CONFIG_INVALID' })
    expect(thrown(() => committeeMultisig(accounts, 0))).toMatchObject({ code: 'CONFIG_INVALID' })
    expect(thrown(() => committeeMultisig(['not-an-address'], 1))).toMatchObject({ code: 'CONFIG_INVALID' })
  })
})

describe('delivered-id marker and substrateBridgeRef', () => {
  const id = `0x${'42'.repeat(32)}` as Hex

  it('marks an id as utf8 "ISTHMUS/v1:delivered" followed by the 32 id bytes, hashed with blake2-256', () => {
    const marker = deliveredMarker(id)
    expect(marker).toHaveLength(20 + 32)
    expect(Buffer.from(marker.subarray(0, 20)).toString('utf8')).toBe('ISTHMUS/v1:delivered')
    expect(u8aToHex(marker.subarray(20))).toBe(id)
    expect(deliveredMarkerHash(id)).toBe(blake2AsHex(marker, 256))
  })

  it('binds the genesis hash and the multisig account: keccak256(genesis ‖ account)', () => {
    const genesis = `0x${'45'.repeat(32)}` as Hex
    const account = `0x${'0a'.repeat(32)}` as Hex
    const expected = u8aToHex(keccak_256(Buffer.from(`${'45'.repeat(32)}${'0a'.repeat(32)}`, 'hex')))
    expect(substrateBridgeRef(genesis, account)).toBe(expected)
    expect(substrateBridgeRef(genesis.toUpperCase().replace('0X', '0x'), account)).toBe(expected)
    expect(substrateBridgeRef(account, genesis)).not.toBe(expected)
    expect(thrown(() => substrateBridgeRef('0x1234', account))).toMatchObject({ code: 'MESSAGE_INVALID' })
  })
})
