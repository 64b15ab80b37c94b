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
  'event Equivocation(uint32 indexed origin, uint64 indexed nonce, bytes32 conflictingId)',
  'function deliver(bytes message, uint64 epoch, bytes signatures)',
  'function deliverBatch(bytes[] messages, uint64 epoch, bytes[] signatures)',
  'function releaseQueued(bytes message)',
  'function queuedReleaseAt(bytes32 id) view returns (uint64)',
  'function messageStatus(bytes32 id) view returns (uint8)',
  'function isDelivered(bytes32 id) view returns (bool)',
  'function committee() view returns (uint64 epoch, address[] signers, uint8 threshold)',
  'function localDomain() view returns (uint32)',
  'function bridgeRef() view returns (bytes32)',
  'function paused() view returns (bool)',
  // Reverts of deliver/deliverBatch (IIsthmusBridge.sol), decoded into DeliveryRevertedError reasons.
  'error AlreadyDelivered(bytes32 id)',
  'error BridgePaused()',
  'error RateLimited(bytes32 assetId)',
  'error WrongDestination(uint32 destination)',
  'error LengthMismatch(uint256 messages, uint256 signatures)',
  'error UnexpectedStatus(bytes32 id, uint8 status)',
  'error ReleaseTooEarly(bytes32 id, uint64 releaseAt)',
  'error InsufficientGas(uint256 needed, uint256 available)',
  'error Reentrancy()',
  'error UnknownAsset(bytes32 assetId)',
  'error InvalidBeneficiary(bytes32 beneficiary)',
  'error InvalidRecipient(bytes32 recipient)',
  'error ForbiddenRecipient(address recipient)',
  'error RecipientNotContract(address recipient)',
  'error TokenCallFailed(address token)',
  'error UnknownEpoch(uint64 epoch)',
  'error EpochExpired(uint64 epoch, uint64 expiresAt)',
  'error MalformedSignatures(uint256 length)',
  'error InsufficientSignatures(uint256 count, uint256 threshold)',
  'error SignatureHighS(uint256 index)',
  'error SignatureBadV(uint256 index)',
  'error SignatureUnrecoverable(uint256 index)',
  'error SignersNotAscending(uint256 index)',
  'error NotCommitteeMember(uint256 index, address signer)',
] as const

export const bridgeInterface = new Interface(BRIDGE_ABI)

/** topic0 of `Dispatch`. */
export const DISPATCH_TOPIC = bridgeInterface.getEvent('Dispatch')!.topicHash

/** On-chain `messageStatus` values. */
export const MESSAGE_STATUS = { none: 0, delivered: 1, failed: 2, queued: 3, cancelled: 4 } as const
