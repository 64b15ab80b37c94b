// Types only from @polkadot/*: the caller passes its own connected ApiPromise, so the SDK bundle pulls
// no polkadot code (browser-safe) and never opens a connection itself.
import type { ApiPromise, SubmittableResult } from '@polkadot/api'
import type { Signer as PolkadotSigner } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { TransferFailedError, TransferMismatchError } from '../errors.js'
import { encodeAppBody, encodeTokenTransferBody, messageId } from '../protocol/index.js'
import type { Message } from '../types.js'
import { recipientBytes32 } from './sendEvmTransfer.js'
import type { ChainInfo, Hex, SubstrateTransferRequest, TransferRequest } from './types.js'

/**
 * Who signs on a Substrate source: an injected account (`{ address, signer }`, polkadot-js `Signer`,
 * e.g. from a browser extension) or a KeyringPair, with the caller's connected `ApiPromise` of that chain.
 */
export type SubstrateSigner = { kind: 'substrate'; api: ApiPromise } & (
  | { address: string; signer: PolkadotSigner }
  | { pair: KeyringPair }
)

export interface SendSubstrateTransferOptions {
  signer: SubstrateSigner
  request: TransferRequest
  built: SubstrateTransferRequest
  source: ChainInfo
  destination: ChainInfo
  /** Waits for inclusion at most this long (default 120 s). */
  inclusionTimeoutMs?: number
  onTx?: (p: { index: number; count: number; description: string; txHash: Hex }) => void
}

export interface SendSubstrateTransferResult {
  id: Hex
  txHash: Hex
  blockNumber: bigint
  nonce: bigint
}

const INTENT_PREFIX = new TextEncoder().encode('ISTHMUS/v1:intent')
const toHex = (b: Uint8Array): string => `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`

/** The intent remark the request asks for: "ISTHMUS/v1:intent" ‖ uint32 destination ‖ bytes32 recipient ‖ body. */
const expectedIntent = (destination: number, recipient: Hex, body: Hex): string =>
  `${toHex(INTENT_PREFIX)}${destination.toString(16).padStart(8, '0')}${recipient.slice(2)}${body.slice(2)}`

interface CallLike {
  section: string
  method: string
  args: readonly { toU8a(bare?: boolean): Uint8Array; toString(): string }[]
}

/**
 * Sign the API-built `utility.batchAll` call as an extrinsic of the signer, submit it through the
 * caller's `ApiPromise`, wait for inclusion and derive the message the Substrate source relays:
 * nonce = blockNumber << 32 | extrinsic index, sender = the signer's AccountId32. Before signing, the
 * call is decoded with the chain's metadata and checked: it is a `utility.batchAll` whose one intent
 * remark carries exactly the requested destination, recipient and body, and whose other call moves
 * exactly the amount (a token) — nothing else.
 * @throws TransferFailedError (wrong chain or runtime, refused, failed batch, no inclusion in time),
 *   TransferMismatchError (the built call is not what was asked for)
 */
export const sendSubstrateTransfer = async (o: SendSubstrateTransferOptions): Promise<SendSubstrateTransferResult> => {
  const { api } = o.signer
  const chain = o.source.ref
  const genesis = api.genesisHash.toHex().toLowerCase()
  if (genesis !== o.built.genesisHash.toLowerCase())
    throw new TransferFailedError({
      chain,
      step: 'chain check',
      detail: `the ApiPromise is connected to genesis ${genesis}, the call is for ${o.built.genesisHash}`,
    })
  const spec = api.runtimeVersion.specVersion.toNumber()
  if (spec !== o.built.specVersion)
    throw new TransferFailedError({
      chain,
      step: 'chain check',
      detail: `the chain runs spec ${spec}, the call was encoded for ${o.built.specVersion}`,
    })
  const recipient = recipientBytes32(o.request.recipient)
  if (!recipient)
    throw new TransferMismatchError({
      txHash: '(not sent)',
      field: 'recipient',
      expected: 'an address',
      actual: o.request.recipient,
    })
  const body =
    o.request.kind === 'token'
      ? encodeTokenTransferBody({ asset: o.request.assetId, amount: BigInt(o.request.amount), beneficiary: recipient })
      : encodeAppBody(o.request.payload)
  const call = api.createType('Call', o.built.call) as unknown as CallLike
  const inner =
    call.section === 'utility' && call.method === 'batchAll' ? [...(call.args[0] as unknown as CallLike[])] : []
  const check = (field: string, expected: string, actual: string) => {
    if (expected.toLowerCase() !== actual.toLowerCase())
      throw new TransferMismatchError({ txHash: '(not sent)', field, expected, actual })
  }
  check('call', 'utility.batchAll', `${call.section}.${call.method}`)
  const remarks = inner.filter((c) => c.section === 'system' && c.method === 'remarkWithEvent')
  check('intent remarks', '1', String(remarks.length))
  check('intent', expectedIntent(o.destination.domain, recipient, body), toHex(remarks[0]!.args[0]!.toU8a(true)))
  const others = inner.filter((c) => c !== remarks[0])
  check('other calls', o.request.kind === 'token' ? '1' : '0', String(others.length))
  if (o.request.kind === 'token') {
    const m = others[0]!
    const amountArg = m.section === 'assets' ? m.args[2] : m.args[1]
    check('amount', BigInt(o.request.amount).toString(), amountArg?.toString() ?? '(none)')
  }

  const tx = api.tx(call as never)
  const timeoutMs = o.inclusionTimeoutMs ?? 120_000
  const included = await new Promise<SubmittableResult>((resolve, reject) => {
    let unsub: (() => void) | undefined
    const timer = setTimeout(() => {
      unsub?.()
      reject(new TransferFailedError({ chain, step: 'inclusion', detail: `not in a block within ${timeoutMs} ms` }))
    }, timeoutMs)
    const onStatus = (r: SubmittableResult) => {
      if (r.status.isInBlock || r.status.isFinalized) {
        clearTimeout(timer)
        unsub?.()
        resolve(r)
      } else if (r.status.isDropped || r.status.isInvalid || r.status.isUsurped) {
        clearTimeout(timer)
        unsub?.()
        reject(new TransferFailedError({ chain, step: 'submit', detail: `the extrinsic is ${r.status.type}` }))
      }
    }
    const sent =
      'pair' in o.signer
        ? tx.signAndSend(o.signer.pair, onStatus)
        : tx.signAndSend(o.signer.address, { signer: o.signer.signer }, onStatus)
    sent.then(
      (u) => {
        unsub = u
      },
      (cause: unknown) => {
        clearTimeout(timer)
        reject(new TransferFailedError({ chain, step: 'submit', detail: shortReason(cause), cause }))
      },
    )
  })
  const txHash = tx.hash.toHex() as Hex
  const blockHash = (included.status.isInBlock ? included.status.asInBlock : included.status.asFinalized).toHex()
  const events = included.events.map((e) => `${e.event.section}.${e.event.method}`)
  if (
    included.dispatchError ||
    !events.includes('utility.BatchCompleted') ||
    events.includes('utility.BatchInterrupted')
  )
    throw new TransferFailedError({
      chain,
      step: o.built.description,
      detail: included.dispatchError ? included.dispatchError.toString() : 'the batch did not complete',
      txHash,
    })
  const index = included.txIndex
  if (index === undefined)
    throw new TransferFailedError({ chain, step: 'inclusion', detail: 'no extrinsic index in the result', txHash })
  const header = await api.rpc.chain.getHeader(blockHash)
  const blockNumber = header.number.toBigInt()
  o.onTx?.({ index: 0, count: 1, description: o.built.description, txHash })
  const address = 'pair' in o.signer ? o.signer.pair.address : o.signer.address
  const sender = api.createType('AccountId32', address).toHex().toLowerCase() as Hex
  const nonce = (blockNumber << 32n) | BigInt(index)
  const message: Message = {
    version: 1,
    nonce,
    origin: o.source.domain,
    sender,
    destination: o.destination.domain,
    recipient,
    body,
  }
  return { id: messageId(message), txHash, blockNumber, nonce }
}

const shortReason = (e: unknown): string => {
  const s = e instanceof Error ? e.message : String(e)
  return (s.split('\n')[0] ?? s).slice(0, 200)
}
