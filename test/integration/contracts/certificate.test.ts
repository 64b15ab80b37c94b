// Certificate verification and domain separation on a real hardhat node: bad signatures, fast-check fuzz
// (NT-04..NT-07), wrong domain, chain id, deployment, body kind and version (BI-40, BI-41, BI-43, BI-44).
import { concat, dataSlice, toBeHex, Wallet, zeroPadValue } from 'ethers'
import fc from 'fast-check'
import type { HardhatNode } from '../../../cli/devnet/startHardhatNode.js'
import { deployBridge } from '../../../contracts/deploy.js'
import { addressToBytes32, encodeTokenTransferBody, evmBridgeRef } from '../../../protocol/index.js'
import type { Hex } from '../../../types.js'
import {
  appMessage,
  asRelayer,
  build,
  certify,
  deployContract,
  type Fixture,
  LOCAL,
  revertOf,
  STATUS,
  statusOf,
  transferMessage,
  useFixture,
} from './fixture.js'

const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const BENEFICIARY = '0x00000000000000000000000000000000000000e1'
const CERT_ERRORS = [
  'InsufficientSignatures',
  'MalformedSignatures',
  'SignatureHighS',
  'SignatureBadV',
  'SignatureUnrecoverable',
  'SignersNotAscending',
  'NotCommitteeMember',
]

const SHAPE_ERRORS = [
  'MessageTooShort',
  'UnsupportedVersion',
  'BodyTooLarge',
  'WrongDestination',
  'InvalidBody',
  'UnknownBodyKind',
]

let node: HardhatNode
let f: Fixture
useFixture((n, fx) => {
  node = n
  f = fx
})

const chunks = (sigs: Hex): Hex[] =>
  Array.from({ length: (sigs.length - 2) / 130 }, (_, i) => dataSlice(sigs, i * 65, i * 65 + 65) as Hex)
const tryDeliver = (b: { encoded: Hex; id: Hex }, sigs: Hex, epoch = 1n) =>
  revertOf(asRelayer(f).getFunction('deliver').staticCall(b.encoded, epoch, sigs))

describe('Bridge.deliver rejects bad certificates', () => {
  const m = () => transferMessage({ nonce: 20n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })

  it('rejects M−1 signatures and no signatures (NT-04, NT-08)', async () => {
    expect(await tryDeliver(m(), certify(f, m().id, { keys: [f.keys[0]!] }))).toEqual({
      name: 'InsufficientSignatures',
      args: [1n, 2n],
    })
    expect((await tryDeliver(m(), '0x')).name).toBe('InsufficientSignatures')
  })

  it('rejects a duplicated signer and unsorted signers', async () => {
    const [a, b] = chunks(certify(f, m().id))
    expect(await tryDeliver(m(), concat([a!, a!]) as Hex)).toEqual({ name: 'SignersNotAscending', args: [1n] })
    expect(await tryDeliver(m(), concat([b!, a!]) as Hex)).toEqual({ name: 'SignersNotAscending', args: [1n] })
  })

  it('rejects a signer outside the stored committee even with a full quorum beside it (NT-05)', async () => {
    const outsider = Wallet.createRandom().privateKey
    const err = await tryDeliver(m(), certify(f, m().id, { keys: [f.keys[0]!, f.keys[1]!, outsider] }))
    expect(err.name).toBe('NotCommitteeMember')
    expect(err.args[1]).toBe(new Wallet(outsider).address)
  })

  it('rejects a high-s twin of a valid signature, a bad v and a zero ecrecover', async () => {
    const [a, b] = chunks(certify(f, m().id))
    const s = BigInt(dataSlice(b!, 32, 64))
    const v = Number(dataSlice(b!, 64, 65))
    const highS = concat([dataSlice(b!, 0, 32), toBeHex(CURVE_N - s, 32), toBeHex(v === 27 ? 28 : 27, 1)])
    expect(await tryDeliver(m(), concat([a!, highS]) as Hex)).toEqual({ name: 'SignatureHighS', args: [1n] })
    const badV = concat([dataSlice(a!, 0, 64), '0x01'])
    expect(await tryDeliver(m(), concat([badV, b!]) as Hex)).toEqual({ name: 'SignatureBadV', args: [0n] })
    const zero = concat([zeroPadValue('0x', 32), toBeHex(1n, 32), '0x1b'])
    expect(await tryDeliver(m(), concat([zero, b!]) as Hex)).toEqual({ name: 'SignatureUnrecoverable', args: [0n] })
    expect(await tryDeliver(m(), `0x${'00'.repeat(130)}`)).toEqual({ name: 'SignatureBadV', args: [0n] })
  })

  it('rejects a signature blob that is not a multiple of 65 bytes', async () => {
    const sigs = certify(f, m().id)
    expect((await tryDeliver(m(), dataSlice(sigs, 0, 129) as Hex)).name).toBe('MalformedSignatures')
  })

  it('rejects an unknown epoch, including epoch 0 (NT-06)', async () => {
    expect(await tryDeliver(m(), certify(f, m().id, { epoch: 0n }), 0n)).toEqual({ name: 'UnknownEpoch', args: [0n] })
    expect(await tryDeliver(m(), certify(f, m().id, { epoch: 2n }), 2n)).toEqual({ name: 'UnknownEpoch', args: [2n] })
    expect((await tryDeliver(m(), certify(f, m().id, { epoch: 2n }), 1n)).name).toBe('NotCommitteeMember')
  })

  it('maps no default value to valid: status(0) is None, isDelivered(0) is false, unattested ids cannot be retried (NT-06)', async () => {
    const zero = `0x${'00'.repeat(32)}`
    expect(await f.bridge.getFunction('messageStatus')(zero)).toBe(0n)
    expect(await f.bridge.getFunction('isDelivered')(zero)).toBe(false)
    expect(await f.bridge.getFunction('isNonceUsed')(0, 0n)).toBe(false)
    expect(await revertOf(f.bridge.getFunction('retryFailed').staticCall(m().encoded))).toEqual({
      name: 'UnexpectedStatus',
      args: [m().id, 0n],
    })
    expect((await revertOf(f.bridge.getFunction('releaseQueued').staticCall(m().encoded))).name).toBe(
      'UnexpectedStatus',
    )
  })

  describe('fuzz (NT-07, fast-check)', () => {
    const good = () => {
      const msg = m()
      return { msg, sigs: certify(f, msg.id) }
    }
    /** Reverts with a typed certificate error (or, for random message bytes, a message-shape error). */
    const assertRejected = async (encoded: Hex, sigs: Hex, allowed: readonly string[] = CERT_ERRORS) => {
      const err = await revertOf(asRelayer(f).getFunction('deliver').staticCall(encoded, 1n, sigs))
      expect(allowed).toContain(err.name)
      expect(await statusOf(f, m().id)).toBe(STATUS.none)
    }

    it('rejects random signature bytes', async () => {
      const { msg } = good()
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 260 }), async (bytes) => {
          await assertRejected(msg.encoded, toHexBytes(bytes))
        }),
        { numRuns: 50 },
      )
    })

    it('rejects a valid certificate with any one byte flipped', async () => {
      const { msg, sigs } = good()
      const n = (sigs.length - 2) / 2
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: n - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
          const b = Buffer.from(sigs.slice(2), 'hex')
          b[at] = b[at]! ^ xor
          await assertRejected(msg.encoded, toHexBytes(b))
        }),
        { numRuns: 50 },
      )
    })

    it('rejects all-zero certificates of any length', async () => {
      const { msg } = good()
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 4 }), async (count) => {
          await assertRejected(msg.encoded, `0x${'00'.repeat(65 * count)}`)
        }),
        { numRuns: 10 },
      )
    })

    it('rejects valid signatures over another message', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 21n, max: 2n ** 64n - 1n }),
          fc.bigInt({ min: 0n, max: 2n ** 255n }),
          async (nonce, amount) => {
            const other = transferMessage({ nonce, asset: f.remoteAsset, amount, to: BENEFICIARY })
            await assertRejected(m().encoded, certify(f, other.id))
          },
        ),
        { numRuns: 50 },
      )
    })

    it('rejects random message bytes with a valid-looking certificate', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (bytes) => {
          const encoded = toHexBytes(bytes)
          await assertRejected(encoded, certify(f, m().id), [...CERT_ERRORS, ...SHAPE_ERRORS])
        }),
        { numRuns: 50 },
      )
    })
  })
})

describe('Bridge domain separation', () => {
  it('rejects a message for another destination domain (BI-40)', async () => {
    const m = build({
      nonce: 50n,
      destination: 3,
      body: encodeTokenTransferBody({ asset: f.remoteAsset, amount: 1n, beneficiary: addressToBytes32(BENEFICIARY) }),
    })
    expect(await tryDeliver(m, certify(f, m.id, { destination: 3 }))).toEqual({ name: 'WrongDestination', args: [3n] })
  })

  it('rejects a certificate whose digest bound another chain id, as on a fork (BI-40)', async () => {
    const m = transferMessage({ nonce: 51n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const forkRef = evmBridgeRef(1n, f.address)
    expect((await tryDeliver(m, certify(f, m.id, { ref: forkRef }))).name).toBe('NotCommitteeMember')
    expect(await f.bridge.getFunction('bridgeRef')()).toBe(evmBridgeRef(node.chainId, f.address))
  })

  it('rejects a certificate made for another bridge deployment on the same chain (BI-41)', async () => {
    const other = await deployBridge({
      signer: f.deployer,
      localDomain: LOCAL,
      committee: { signers: f.keys.map((k) => new Wallet(k).address), threshold: 2 },
    })
    const otherRecipient = await deployContract('RecordingRecipient', f.deployer, other.address)
    const m = appMessage({ nonce: 52n, to: await otherRecipient.getAddress(), payload: '0x' })
    const forOther = certify(f, m.id, { ref: evmBridgeRef(node.chainId, other.address) })
    expect((await tryDeliver(m, forOther)).name).toBe('NotCommitteeMember')
    await (await other.bridge.getFunction('deliver')(m.encoded, 1n, forOther)).wait()
    expect(await other.bridge.getFunction('isDelivered')(m.id)).toBe(true)
    expect(await otherRecipient.getFunction('calls')()).toBe(1n)
  })

  it('rejects unknown body kinds, wrong transfer lengths and empty bodies (BI-43)', async () => {
    const kind2 = build({ nonce: 53n, body: '0x02aa' })
    expect(await tryDeliver(kind2, certify(f, kind2.id))).toEqual({ name: 'UnknownBodyKind', args: [2n] })
    const short = build({ nonce: 54n, body: `0x01${'00'.repeat(95)}` })
    expect(await tryDeliver(short, certify(f, short.id))).toEqual({ name: 'InvalidBody', args: [96n] })
    const empty = build({ nonce: 55n, body: '0x' })
    expect(await tryDeliver(empty, certify(f, empty.id))).toEqual({ name: 'InvalidBody', args: [0n] })
  })

  it('rejects a protocol version other than 1 (BI-44)', async () => {
    const m = transferMessage({ nonce: 56n, asset: f.remoteAsset, amount: 1n, to: BENEFICIARY })
    const v2 = `0x02${m.encoded.slice(4)}` as Hex
    expect(await tryDeliver({ encoded: v2, id: m.id }, certify(f, m.id))).toEqual({
      name: 'UnsupportedVersion',
      args: [2n],
    })
  })
})
const toHexBytes = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`
