import { StatusCode } from '@hyperledger/fabric-gateway'
import { gatewayDetailOf } from '../../../adapters/fabric/toRelayError.js'
import { assetIdOf, fabricHomeTokenOf } from '../../../chaincode/bridgeLogic.js'
import {
  decodeMessage,
  encodeAppBody,
  encodeMessage,
  encodeTokenTransferBody,
  fabricBridgeRef,
  messageId,
} from '../../../protocol/index.js'
import type { Hex, Message } from '../../../types.js'
import { FABRIC_COMMITTEE_KEYS, fabricClient, useFabricNetwork } from '../../harness/fabricNetwork.js'
import { signCertificate } from '../../harness/signCertificate.js'
import { rejected } from '../../harness/thrown.js'

/** The chaincode's words of a refused transaction (the gateway puts them in the endorsement details). */
const refusal = async (p: Promise<unknown>) => gatewayDetailOf(await rejected(() => p))

const DOMAIN = 77
const FAB = assetIdOf(DOMAIN, fabricHomeTokenOf('FAB'))
const WETH = `0x${'e1'.repeat(32)}` as Hex
const fabric = useFabricNetwork({
  domain: DOMAIN,
  assets: [
    { assetId: FAB, kind: 'home', symbol: 'FAB' },
    { assetId: WETH, kind: 'wrapped', symbol: 'wETH' },
  ],
})

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')
const inbound = (nonce: bigint, body: Hex, recipient: Hex): Message => ({
  version: 1,
  nonce,
  origin: 1,
  sender: `0x${'00'.repeat(12)}${'ab'.repeat(20)}` as Hex,
  destination: DOMAIN,
  recipient,
  body,
})
const certArgs = (m: Message, channel = fabric.net.channel, chaincode = fabric.net.chaincode) => {
  const c = signCertificate({
    keys: FABRIC_COMMITTEE_KEYS.slice(0, 2),
    epoch: 1n,
    destination: DOMAIN,
    destinationBridge: fabricBridgeRef(channel, chaincode),
    id: messageId(m),
  })
  return [`0x${Buffer.from(encodeMessage(m)).toString('hex')}`, '1', c.signatures]
}

describe('bridge chaincode on a real Fabric network (two orgs, AND endorsement)', () => {
  it('brings the network up and initialises the bridge', () => {
    const { bringUpMs, initializeMs } = fabric.timings
    expect(bringUpMs).toBeGreaterThan(0)
    expect(initializeMs).toBeGreaterThan(0)
    process.stderr.write(`fabric network: up in ${bringUpMs} ms, initialised ${initializeMs} ms later\n`)
  })

  it('stores the committee and refuses a second initialise and non-admin minting', async () => {
    const admin = fabricClient(fabric.net, 'Org1MSP', 'admin')
    const user = fabricClient(fabric.net, 'Org2MSP', 'user')
    try {
      const c = JSON.parse(text(await user.contract.evaluateTransaction('committee')))
      expect(c).toEqual({ epoch: '1', signers: expect.any(Array), threshold: 2 })
      expect(await refusal(admin.contract.submitTransaction('initialize', '{}'))).toMatch(/ALREADY_INITIALISED/)
      const me = text(await user.contract.evaluateTransaction('whoami'))
      expect(await refusal(user.contract.submitTransaction('mint', me, FAB, '5'))).toMatch(/admin/)
    } finally {
      admin.close()
      user.close()
    }
  })

  it('sendToken locks, assigns nonces and emits Dispatch with the canonical message', async () => {
    const admin = fabricClient(fabric.net, 'Org1MSP', 'admin')
    const user = fabricClient(fabric.net, 'Org1MSP', 'user')
    try {
      const me = text(await user.contract.evaluateTransaction('whoami'))
      await admin.contract.submitTransaction('mint', me, FAB, '1000')
      const info = JSON.parse(text(await user.contract.evaluateTransaction('info')))
      const beneficiary = `0x${'00'.repeat(12)}${'cd'.repeat(20)}` as Hex
      const tx = await user.contract.submitAsync('sendToken', { arguments: ['1', FAB, '300', beneficiary] })
      const id = text(tx.getResult())
      const status = await tx.getStatus()
      expect(status.code).toBe(StatusCode.VALID)
      const events = await user.network.getChaincodeEvents(fabric.net.chaincode, { startBlock: status.blockNumber })
      try {
        const ev = (await events[Symbol.asyncIterator]().next()).value!
        expect(ev.eventName).toBe('Dispatch')
        expect(ev.transactionId).toBe(tx.getTransactionId())
        const m = decodeMessage(ev.payload)
        expect(m).toEqual({
          version: 1,
          nonce: BigInt(info.nextNonce),
          origin: DOMAIN,
          sender: me,
          destination: 1,
          recipient: beneficiary,
          body: encodeTokenTransferBody({ asset: FAB, amount: 300n, beneficiary }),
        })
        expect(messageId(m)).toBe(id)
      } finally {
        events.close()
      }
      expect(text(await user.contract.evaluateTransaction('balanceOf', me, FAB))).toBe('700')
      expect(text(await user.contract.evaluateTransaction('lockedOf', FAB))).toBe('300')
      const id2 = text(await user.contract.submitTransaction('dispatch', '1', beneficiary, '0xbeef'))
      expect(id2).not.toBe(id)
      const info2 = JSON.parse(text(await user.contract.evaluateTransaction('info')))
      expect(BigInt(info2.nextNonce)).toBe(BigInt(info.nextNonce) + 2n)
    } finally {
      admin.close()
      user.close()
    }
  })

  it('deliver mints wrapped tokens once; a replay is ALREADY_EXECUTED; another bridge ref is refused (NT-20)', async () => {
    const user = fabricClient(fabric.net, 'Org2MSP', 'user', 1)
    try {
      const me = text(await user.contract.evaluateTransaction('whoami')) as Hex
      const m = inbound(1n, encodeTokenTransferBody({ asset: WETH, amount: 42n, beneficiary: me }), me)
      expect(
        await refusal(
          user.contract.submitTransaction('deliver', ...certArgs(m, fabric.net.channel, 'other-chaincode')),
        ),
      ).toMatch(/QUORUM|NON_MEMBER|rejected|signature/i)
      expect(text(await user.contract.submitTransaction('deliver', ...certArgs(m)))).toBe('DELIVERED')
      expect(text(await user.contract.evaluateTransaction('isDelivered', messageId(m)))).toBe('true')
      expect(text(await user.contract.evaluateTransaction('balanceOf', me, WETH))).toBe('42')
      expect(text(await user.contract.submitTransaction('deliver', ...certArgs(m)))).toBe('ALREADY_EXECUTED')
      expect(text(await user.contract.evaluateTransaction('balanceOf', me, WETH))).toBe('42')
      const app = inbound(2n, encodeAppBody('0xc0ffee'), me)
      expect(text(await user.contract.submitTransaction('deliver', ...certArgs(app)))).toBe('DELIVERED')
      expect(text(await user.contract.evaluateTransaction('inboxOf', me, messageId(app)))).toBe(
        '0x00c0ffee'.replace('0x00', '0x'),
      )
    } finally {
      user.close()
    }
  })

  it('two concurrent deliveries of one id: exactly one VALID and one MVCC_READ_CONFLICT (NT-20)', async () => {
    const a = fabricClient(fabric.net, 'Org1MSP', 'user', 0)
    const b = fabricClient(fabric.net, 'Org2MSP', 'user', 1)
    try {
      const me = text(await a.contract.evaluateTransaction('whoami')) as Hex
      const m = inbound(3n, encodeTokenTransferBody({ asset: WETH, amount: 5n, beneficiary: me }), me)
      const args = certArgs(m)
      const endorsed = await Promise.all(
        [a, b].map((c) => c.contract.newProposal('deliver', { arguments: args }).endorse()),
      )
      const submitted = await Promise.all(endorsed.map((t) => t.submit()))
      const codes = (await Promise.all(submitted.map((s) => s.getStatus()))).map((s) => s.code).sort()
      expect(codes).toEqual([StatusCode.VALID, StatusCode.MVCC_READ_CONFLICT].sort())
      expect(text(await a.contract.evaluateTransaction('balanceOf', me, WETH))).toBe('5')
    } finally {
      a.close()
      b.close()
    }
  })

  it('a second id for a used (origin, nonce) emits Equivocation and pauses the bridge', async () => {
    const admin = fabricClient(fabric.net, 'Org1MSP', 'admin')
    const user = fabricClient(fabric.net, 'Org1MSP', 'user')
    try {
      const me = text(await user.contract.evaluateTransaction('whoami')) as Hex
      const first = inbound(10n, encodeAppBody('0x01'), me)
      const second = inbound(10n, encodeAppBody('0x02'), me)
      expect(text(await user.contract.submitTransaction('deliver', ...certArgs(first)))).toBe('DELIVERED')
      const tx = await user.contract.submitAsync('deliver', { arguments: certArgs(second) })
      expect(text(tx.getResult())).toBe('EQUIVOCATION')
      const status = await tx.getStatus()
      expect(status.code).toBe(StatusCode.VALID)
      const events = await user.network.getChaincodeEvents(fabric.net.chaincode, { startBlock: status.blockNumber })
      try {
        const ev = (await events[Symbol.asyncIterator]().next()).value!
        expect(ev.eventName).toBe('Equivocation')
        expect(JSON.parse(text(ev.payload))).toEqual({
          origin: 1,
          nonce: '10',
          firstId: messageId(first),
          id: messageId(second),
        })
      } finally {
        events.close()
      }
      expect(text(await user.contract.evaluateTransaction('isDelivered', messageId(second)))).toBe('false')
      expect(JSON.parse(text(await user.contract.evaluateTransaction('info'))).paused).toBe(true)
      expect(await refusal(user.contract.submitTransaction('dispatch', '1', me, '0x01'))).toMatch(/paused/)
      await admin.contract.submitTransaction('unpause')
      expect(JSON.parse(text(await user.contract.evaluateTransaction('info'))).paused).toBe(false)
    } finally {
      admin.close()
      user.close()
    }
  })
})
