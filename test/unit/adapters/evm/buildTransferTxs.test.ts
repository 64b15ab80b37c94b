import { Interface } from 'ethers'
import { buildTransferTxs } from '../../../../adapters/index.js'
import { MessageInvalidError } from '../../../../errors.js'
import { rejected } from '../../../harness/thrown.js'

const BRIDGE = `0x${'b0'.repeat(20)}` as const
const TOKEN = `0x${'70'.repeat(20)}` as const
const TO = `0x${'00'.repeat(12)}${'22'.repeat(20)}` as const
const ABI = new Interface([
  'function approve(address spender, uint256 amount)',
  'function sendToken(address token, uint256 amount, uint32 destination, bytes32 beneficiary)',
  'function dispatch(uint32 destination, bytes32 recipient, bytes payload)',
])
const token = (allowance: bigint) =>
  buildTransferTxs({
    kind: 'token',
    chainId: 1n,
    bridge: BRIDGE,
    destination: 2,
    recipient: TO,
    token: TOKEN,
    amount: 500n,
    allowance,
    symbol: 'IST',
  })

describe('buildTransferTxs', () => {
  it('approves first when the allowance is short, then sends the token', () => {
    const txs = token(499n)
    expect(txs.map((t) => t.to)).toEqual([TOKEN, BRIDGE])
    expect(ABI.decodeFunctionData('approve', txs[0]!.data).toArray()).toEqual([expect.stringMatching(/^0x[bB]0/), 500n])
    expect(ABI.decodeFunctionData('sendToken', txs[1]!.data).toArray()).toEqual([
      expect.stringMatching(/^0x70/),
      500n,
      2n,
      TO,
    ])
    expect(txs.every((t) => t.value === 0n && t.chainId === 1n)).toBe(true)
  })

  it('sends only the token when the allowance covers the amount', () => {
    expect(token(500n).map((t) => t.to)).toEqual([BRIDGE])
  })

  it('dispatches an app message', () => {
    const [tx] = buildTransferTxs({
      kind: 'message',
      chainId: 1n,
      bridge: BRIDGE,
      destination: 2,
      recipient: TO,
      payload: '0xbeef',
    })
    expect(ABI.decodeFunctionData('dispatch', tx!.data).toArray()).toEqual([2n, TO, '0xbeef'])
  })

  it('refuses a recipient that is not bytes32', async () => {
    const e = await rejected(async () =>
      buildTransferTxs({
        kind: 'message',
        chainId: 1n,
        bridge: BRIDGE,
        destination: 2,
        recipient: TOKEN,
        payload: '0x',
      }),
    )
    expect(e).toBeInstanceOf(MessageInvalidError)
  })
})
