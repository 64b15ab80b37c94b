import { Interface } from 'ethers'
import { MessageInvalidError } from '../../errors.js'
import type { Hex } from '../../types.js'

const TX_ABI = new Interface([
  'function approve(address spender, uint256 amount) returns (bool)',
  'function sendToken(address token, uint256 amount, uint32 destination, bytes32 beneficiary) returns (bytes32 id)',
  'function dispatch(uint32 destination, bytes32 recipient, bytes payload) returns (bytes32 id)',
])

/** An unsigned EVM transaction for the user's own wallet to sign and send (value in wei). */
export interface UnsignedEvmTx {
  to: Hex
  data: Hex
  value: bigint
  chainId: bigint
  description: string
}

export type BuildTransferTxsOptions = {
  chainId: bigint
  bridge: Hex
  destination: number
  /** bytes32: beneficiary (token) or recipient (message). */
  recipient: Hex
} & (
  | {
      kind: 'token'
      token: Hex
      amount: bigint
      /** The sender's current allowance of `token` to the bridge; an approve comes first when it is short. */
      allowance: bigint
      symbol: string
    }
  | { kind: 'message'; payload: Hex }
)

/**
 * The unsigned transactions of one transfer from an EVM bridge: `approve` (only when the allowance is
 * short) then `sendToken`, or a single `dispatch`. Pure: nothing is signed or sent.
 * @throws MessageInvalidError for a zero amount or a recipient that is not bytes32
 */
export const buildTransferTxs = (o: BuildTransferTxsOptions): UnsignedEvmTx[] => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(o.recipient))
    throw new MessageInvalidError({ field: 'recipient', expected: 'bytes32', got: o.recipient })
  const base = { value: 0n, chainId: o.chainId }
  if (o.kind === 'message') {
    return [
      {
        ...base,
        to: o.bridge,
        data: TX_ABI.encodeFunctionData('dispatch', [o.destination, o.recipient, o.payload]) as Hex,
        description: `dispatch an app message to domain ${o.destination}`,
      },
    ]
  }
  if (o.amount <= 0n) throw new MessageInvalidError({ field: 'amount', expected: '> 0', got: o.amount.toString() })
  const send: UnsignedEvmTx = {
    ...base,
    to: o.bridge,
    data: TX_ABI.encodeFunctionData('sendToken', [o.token, o.amount, o.destination, o.recipient]) as Hex,
    description: `send ${o.amount} ${o.symbol} (base units) to domain ${o.destination}`,
  }
  if (o.allowance >= o.amount) return [send]
  const approve: UnsignedEvmTx = {
    ...base,
    to: o.token,
    data: TX_ABI.encodeFunctionData('approve', [o.bridge, o.amount]) as Hex,
    description: `approve the bridge to take ${o.amount} ${o.symbol} (base units)`,
  }
  return [approve, send]
}
