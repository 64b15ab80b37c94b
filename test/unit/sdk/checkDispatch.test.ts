import { AbiCoder, Interface, zeroPadValue } from 'ethers'
import {
  addressToBytes32,
  encodeAppBody,
  encodeMessage,
  encodeTokenTransferBody,
  messageId,
} from '../../../protocol/index.js'
import { checkDispatch, type Hex, TransferMismatchError, type TransferRequest } from '../../../sdk/index.js'
import type { Message } from '../../../types.js'
import { thrown } from '../../harness/thrown.js'

const IFACE = new Interface([
  'event Dispatch(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message)',
])
const BRIDGE = `0x${'b1'.repeat(20)}`
const SENDER = `0x${'5e'.repeat(20)}`
const RECIPIENT = `0x${'7a'.repeat(20)}`
const ASSET = `0x${'a5'.repeat(32)}` as Hex

const messageOf = (body: Hex, o: Partial<Message> = {}): Message => ({
  version: 1,
  nonce: 7n,
  origin: 1,
  sender: addressToBytes32(SENDER),
  destination: 2,
  recipient: addressToBytes32(RECIPIENT),
  body,
  ...o,
})

const receiptOf = (m: Message, o: { id?: Hex; address?: string } = {}) => {
  const id = o.id ?? messageId(m)
  const topics = [
    IFACE.getEvent('Dispatch')!.topicHash,
    id,
    zeroPadValue(`0x${m.destination.toString(16).padStart(2, '0')}`, 32),
    zeroPadValue(`0x${m.nonce.toString(16).padStart(2, '0')}`, 32),
  ]
  const data = AbiCoder.defaultAbiCoder().encode(['bytes'], [encodeMessage(m)])
  return {
    hash: `0x${'ee'.repeat(32)}`,
    logs: [{ address: o.address ?? BRIDGE, topics, data }],
  } as unknown as Parameters<typeof checkDispatch>[0]
}

const token: TransferRequest = {
  kind: 'token',
  from: 'evm:31337',
  to: 'evm:31338',
  recipient: RECIPIENT,
  assetId: ASSET,
  amount: 5n,
}
const app: TransferRequest = {
  kind: 'message',
  from: 'evm:31337',
  to: 'evm:31338',
  recipient: RECIPIENT,
  payload: '0xc0ffee',
}
const ctx = (request: TransferRequest) => ({ bridge: BRIDGE, sender: SENDER, request, origin: 1, destination: 2 })
const tokenBody = (amount = 5n, beneficiary = addressToBytes32(RECIPIENT)) =>
  encodeTokenTransferBody({ asset: ASSET, amount, beneficiary })

describe('checkDispatch', () => {
  it('returns the id and nonce of a token transfer that matches the request', () => {
    const m = messageOf(tokenBody())
    expect(checkDispatch(receiptOf(m), ctx(token))).toEqual({ id: messageId(m), nonce: 7n })
  })

  it('returns the id of an app message that matches the request', () => {
    const m = messageOf(encodeAppBody('0xc0ffee'))
    expect(checkDispatch(receiptOf(m), ctx(app)).id).toBe(messageId(m))
  })

  it.each([
    ['id', messageOf(tokenBody()), { id: `0x${'00'.repeat(32)}` as Hex }],
    ['destination', messageOf(tokenBody(), { destination: 9 }), {}],
    ['sender', messageOf(tokenBody(), { sender: addressToBytes32(RECIPIENT) }), {}],
    ['recipient', messageOf(tokenBody(), { recipient: addressToBytes32(SENDER) }), {}],
    ['amount', messageOf(tokenBody(6n)), {}],
    ['beneficiary', messageOf(tokenBody(5n, addressToBytes32(SENDER))), {}],
    ['Dispatch event count', messageOf(tokenBody()), { address: `0x${'00'.repeat(20)}` }],
  ])('throws TransferMismatchError when the %s differs', (field, m, o) => {
    const e = thrown(() => checkDispatch(receiptOf(m, o), ctx(token)))
    expect(e).toBeInstanceOf(TransferMismatchError)
    expect(e).toMatchObject({ code: 'TRANSFER_MISMATCH', meta: { field } })
  })

  it('throws TransferMismatchError when an app message carries another payload', () =>
    expect(thrown(() => checkDispatch(receiptOf(messageOf(encodeAppBody('0xbad0'))), ctx(app)))).toMatchObject({
      meta: { field: 'payload' },
    }))
})
