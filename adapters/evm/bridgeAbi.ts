import { Interface } from 'ethers'

/**
 * The part of the Solidity bridge's ABI the adapter uses (the shared protocol contract;
 * `contracts/` implements it). Kept here so the adapter does not depend on build artifacts.
 */
export const BRIDGE_ABI = [
  'event Dispatch(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message)',
  'event Delivered(bytes32 indexed id, uint32 indexed origin, uint64 indexed nonce)',
  'event DeliveryFailed(bytes32 indexed id, bytes reason)',
  'event DeliverySkipped(bytes32 indexed id, uint8 reason)',
  'event TransferQueued(bytes32 indexed id, uint64 releaseAt)',
  'event Equivocation(uint32 indexed origin, uint64 indexed nonce, bytes32 existingId, bytes32 conflictingId)',
  'function deliver(bytes message, uint64 epoch, bytes signatures)',
  'function deliverBatch(bytes[] messages, uint64 epoch, bytes[] signatures)',
  'function messageStatus(bytes32 id) view returns (uint8)',
  'function isDelivered(bytes32 id) view returns (bool)',
  'function committee() view returns (uint64 epoch, address[] signers, uint8 threshold)',
  'function localDomain() view returns (uint32)',
  'function bridgeRef() view returns (bytes32)',
  'function paused() view returns (bool)',
  'error AlreadyDelivered(bytes32 id)',
  'error BridgePaused()',
  'error RateLimited(bytes32 assetId)',
] as const

export const bridgeInterface = new Interface(BRIDGE_ABI)

/** topic0 of `Dispatch`. */
export const DISPATCH_TOPIC = bridgeInterface.getEvent('Dispatch')!.topicHash

/** On-chain `messageStatus` values. */
export const MESSAGE_STATUS = { none: 0, delivered: 1, failed: 2, queued: 3, cancelled: 4 } as const
