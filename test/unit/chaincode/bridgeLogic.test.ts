import { computeAddress, keccak256, sha256, toUtf8Bytes } from 'ethers'
import {
  assetIdOf,
  type BridgeConfig,
  buildOutbound,
  creditInbound,
  debitOutbound,
  decideDelivery,
  fabricHomeTokenOf,
  parseInitialize,
  toCertificate,
} from '../../../chaincode/bridgeLogic.js'
import { assetIdOf as evmAssetIdOf } from '../../../contracts/deploy.js'
import type { RelayError } from '../../../errors.js'
import {
  decodeMessage,
  encodeAppBody,
  encodeMessage,
  encodeTokenTransferBody,
  fabricBridgeRef,
  fabricIdentityOf,
  messageId,
} from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { thrown as thrownAny } from '../../harness/thrown.js'

const thrown = (fn: () => unknown) => thrownAny(fn) as RelayError | undefined

const KEYS = [
  '0x2000000000000000000000000000000000000000000000000000000000000001',
  '0x2000000000000000000000000000000000000000000000000000000000000002',
  '0x2000000000000000000000000000000000000000000000000000000000000003',
]
const SIGNERS = KEYS.map((k) => computeAddress(k).toLowerCase() as Hex)
const CONFIG: BridgeConfig = {
  domain: 9,
  chaincode: 'bridge',
  committee: { epoch: '3', signers: SIGNERS, threshold: 2 },
}
const CHANNEL = 'isthmus'
const REF = fabricBridgeRef(CHANNEL, 'bridge')
const ASSET = `0x${'aa'.repeat(32)}` as Hex
const BENEFICIARY = `0x${'bb'.repeat(32)}` as Hex

const message = (over: Partial<Message> = {}): Message => ({
  version: 1,
  nonce: 5n,
  origin: 1,
  sender: `0x${'11'.repeat(32)}` as Hex,
  destination: 9,
  recipient: BENEFICIARY,
  body: encodeTokenTransferBody({ asset: ASSET, amount: 10n, beneficiary: BENEFICIARY }),
  ...over,
})

const certify = (m: Message, keys = KEYS.slice(0, 2), destinationBridge = REF, epoch = 3n) => {
  const c = signCertificate({ keys, epoch, destination: m.destination, destinationBridge, id: messageId(m) })
  return toCertificate(epoch.toString(), c.signatures)
}

const decide = (m: Message, o: { cert?: ReturnType<typeof certify>; executed?: boolean; idAtNonce?: Hex } = {}) =>
  decideDelivery({
    encoded: encodeMessage(m),
    certificate: o.cert ?? certify(m),
    config: CONFIG,
    channel: CHANNEL,
    executed: o.executed ?? false,
    idAtNonce: o.idAtNonce,
  })

describe('fabricBridgeRef and fabricIdentityOf', () => {
  it('hash channel ‖ 0x00 ‖ chaincode and mspId ‖ certPEM', () => {
    expect(REF).toBe(keccak256(toUtf8Bytes('isthmus\0bridge')))
    expect(fabricIdentityOf('Org1MSP', 'abc')).toBe(sha256(toUtf8Bytes('Org1MSPabc')))
    expect(fabricBridgeRef('isthmu', 'sbridge')).not.toBe(REF)
    expect(fabricIdentityOf('Org1MSP', 'abc')).toBe(fabricIdentityOf('Org1MS', 'Pabc'))
    expect(thrown(() => fabricBridgeRef('a\0b', 'c'))?.code).toBe('MESSAGE_INVALID')
  })
})

describe('decideDelivery', () => {
  it('executes a message certified by a quorum for this channel and chaincode', () => {
    const m = message()
    const d = decide(m)
    expect(d.kind).toBe('execute')
    if (d.kind === 'execute') {
      expect(d.id).toBe(messageId(m))
      expect(d.body).toEqual({ kind: 'tokenTransfer', asset: ASSET, amount: 10n, beneficiary: BENEFICIARY })
    }
  })

  it('refuses signatures over another channel or chaincode name (NT-20)', () => {
    const m = message()
    for (const ref of [fabricBridgeRef('other', 'bridge'), fabricBridgeRef(CHANNEL, 'bridge2')]) {
      expect(thrown(() => decide(m, { cert: certify(m, KEYS.slice(0, 2), ref) }))?.code).toBe('CERTIFICATE_INVALID')
    }
  })

  it('refuses a short quorum, a foreign epoch, a non-member and another destination', () => {
    const m = message()
    expect(thrown(() => decide(m, { cert: certify(m, KEYS.slice(0, 1)) }))?.code).toBe('CERTIFICATE_INVALID')
    expect(thrown(() => decide(m, { cert: certify(m, KEYS.slice(0, 2), REF, 4n) }))?.code).toBe('CERTIFICATE_INVALID')
    const stranger = '0x3000000000000000000000000000000000000000000000000000000000000001'
    expect(thrown(() => decide(m, { cert: certify(m, [KEYS[0]!, stranger]) }))?.code).toBe('CERTIFICATE_INVALID')
    const elsewhere = message({ destination: 8 })
    expect(thrown(() => decide(elsewhere))?.meta['reason']).toBe('WRONG_DESTINATION')
  })

  it('answers a replay with already-executed and a second id for a used (origin, nonce) with equivocation', () => {
    const m = message()
    expect(decide(m, { executed: true })).toEqual({ kind: 'already-executed', id: messageId(m) })
    const other = message({ body: encodeAppBody('0x01') })
    expect(decide(other, { idAtNonce: messageId(m) })).toEqual({
      kind: 'equivocation',
      id: messageId(other),
      firstId: messageId(m),
      origin: 1,
      nonce: 5n,
    })
    expect(decide(m, { idAtNonce: messageId(m) }).kind).toBe('execute')
  })

  it('refuses malformed certificates before any check', () => {
    expect(thrown(() => toCertificate('x', '0x'))?.meta['reason']).toBe('BAD_ARGUMENT')
    expect(thrown(() => toCertificate('1', '0x1234'))?.meta['reason']).toBe('BAD_ARGUMENT')
    expect(toCertificate('1', '0x').signatures).toEqual([])
  })
})

describe('token accounting', () => {
  const home = { assetId: ASSET, kind: 'home' as const, symbol: 'FAB' }
  const wrapped = { assetId: ASSET, kind: 'wrapped' as const, symbol: 'wETH' }
  it('locks home and burns wrapped on the way out; refuses an overdraft', () => {
    expect(debitOutbound(home, 4n, 10n, 1n)).toEqual({ balance: 6n, locked: 5n })
    expect(debitOutbound(wrapped, 4n, 10n, 0n)).toEqual({ balance: 6n, locked: 0n })
    expect(thrown(() => debitOutbound(home, 11n, 10n, 0n))?.meta['reason']).toBe('INSUFFICIENT_BALANCE')
  })
  it('unlocks home and mints wrapped on the way in; never unlocks more than is locked', () => {
    expect(creditInbound(home, 4n, 10n)).toBe(6n)
    expect(creditInbound(wrapped, 4n, 0n)).toBe(0n)
    expect(thrown(() => creditInbound(home, 11n, 10n))?.meta['reason']).toBe('INSUFFICIENT_LOCKED')
  })
  it('derives asset ids like the EVM bridge', () => {
    const token = fabricHomeTokenOf('FAB')
    expect(assetIdOf(7, token)).toBe(evmAssetIdOf(7, token))
  })
})

describe('buildOutbound and parseInitialize', () => {
  it('builds the canonical message with the ledger nonce', () => {
    const out = buildOutbound({
      nonce: 0n,
      origin: 9,
      sender: BENEFICIARY,
      destination: 1,
      recipient: BENEFICIARY,
      body: encodeAppBody('0xbeef'),
    })
    expect(decodeMessage(out.encoded)).toEqual(out.message)
    expect(out.id).toBe(messageId(out.message))
    expect(thrown(() => buildOutbound({ ...out.message, destination: 9 }))?.meta['reason']).toBe('BAD_ARGUMENT')
  })
  it('normalises the committee and refuses unsafe ones', () => {
    const ok = parseInitialize(
      JSON.stringify({
        ...CONFIG,
        committee: { ...CONFIG.committee, signers: SIGNERS.map((s) => s.toUpperCase().replace('0X', '0x')) },
      }),
    )
    expect(ok.committee.signers).toEqual(SIGNERS)
    const bad = (committee: unknown) =>
      thrown(() => parseInitialize(JSON.stringify({ ...CONFIG, committee })))?.meta['reason']
    expect(bad({ ...CONFIG.committee, threshold: 0 })).toBe('BAD_ARGUMENT')
    expect(bad({ ...CONFIG.committee, threshold: 4 })).toBe('BAD_ARGUMENT')
    expect(bad({ ...CONFIG.committee, signers: [SIGNERS[0], SIGNERS[0]] })).toBe('BAD_ARGUMENT')
    expect(bad({ ...CONFIG.committee, epoch: '0' })).toBe('BAD_ARGUMENT')
  })
})
