/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`

/** The three chain families the relay speaks to. */
export type ChainKind = 'evm' | 'substrate' | 'fabric'

/** A chain as the config names it: `evm:1`, `substrate:polkadot`, `fabric:trade-channel`. */
export type ChainRef = `${ChainKind}:${string}`

/**
 * The unit relayed (DESIGN.md "The message"). Every side encodes it the same way;
 * `id = keccak256(encodeMessage(m))`.
 */
export interface Message {
  version: number
  nonce: bigint
  origin: number
  sender: Hex
  destination: number
  recipient: Hex
  body: Hex
}

/** Body kinds (first byte of `body`). */
export const BODY_KIND = { app: 0, tokenTransfer: 1 } as const
export type BodyKind = (typeof BODY_KIND)[keyof typeof BODY_KIND]

/** Decoded body of kind 1. */
export interface TokenTransferBody {
  kind: 'tokenTransfer'
  asset: Hex
  amount: bigint
  beneficiary: Hex
}

/** Decoded body of kind 0: the application payload after the kind byte. */
export interface AppMessageBody {
  kind: 'app'
  payload: Hex
}

export type DecodedBody = TokenTransferBody | AppMessageBody

/**
 * A quorum certificate: signatures of committee members of `epoch` over the attestation
 * digest, ordered by strictly increasing signer address (the destination enforces it).
 */
export interface Certificate {
  epoch: bigint
  signatures: Hex[]
}

/** One committee member's attestation of a message id. */
export interface Attestation {
  id: Hex
  epoch: bigint
  signer: Hex
  signature: Hex
}
