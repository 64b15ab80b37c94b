// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IIsthmusBridgeEvents
/// @notice Events and custom errors of the Isthmus EVM bridge (docs/bridge-evm.md).
interface IIsthmusBridgeEvents {
    // ---- relay-facing events ----
    event Dispatch(bytes32 indexed id, uint32 indexed destination, uint64 indexed nonce, bytes message);
    event Delivered(bytes32 indexed id, uint32 indexed origin, uint64 indexed nonce);
    event DeliveryFailed(bytes32 indexed id, bytes reason);
    /// reason: 1 = already delivered/failed/queued/cancelled, 2 = rate limited (status stays None, retry later)
    event DeliverySkipped(bytes32 indexed id, uint8 reason);
    event TransferQueued(bytes32 indexed id, uint64 releaseAt);
    event TransferCancelled(bytes32 indexed id);
    /// A certified id for an (origin, nonce) another id already took; the first id is in the indexed
    /// Delivered(id, origin, nonce) logs (or Dispatch on the origin chain). The bridge pauses.
    event Equivocation(uint32 indexed origin, uint64 indexed nonce, bytes32 conflictingId);

    // ---- governance events ----
    event Paused(address account);
    event Unpaused(address account);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event GuardianSet(address indexed guardian);
    event HandleGasLimitSet(uint32 gasLimit);
    event CommitteeRotated(uint64 indexed epoch, address[] signers, uint8 threshold, uint64 previousExpiresAt);
    event HomeAssetRegistered(bytes32 indexed assetId, address indexed token);
    event RemoteAssetRegistered(bytes32 indexed assetId, uint32 homeDomain, bytes32 homeToken, address wrapped);
    event RateLimitSet(bytes32 indexed assetId, bool enabled, uint128 capacity, uint128 refillPerSecond);
    event LargeTransferSet(bytes32 indexed assetId, uint256 threshold, uint64 delaySeconds);

    // ---- delivery ----
    error AlreadyDelivered(bytes32 id);
    error BridgePaused();
    error RateLimited(bytes32 assetId);
    error WrongDestination(uint32 destination);
    error LengthMismatch(uint256 messages, uint256 signatures);
    error UnexpectedStatus(bytes32 id, uint8 status);
    error ReleaseTooEarly(bytes32 id, uint64 releaseAt);
    error StillFailing(bytes32 id, bytes reason);
    error InsufficientGas(uint256 needed, uint256 available);
    error Reentrancy();
    // ---- failure reasons (abi-encoded into DeliveryFailed.reason, never reverted with) ----
    error UnknownAsset(bytes32 assetId);
    error InvalidBeneficiary(bytes32 beneficiary);
    error InvalidRecipient(bytes32 recipient);
    error ForbiddenRecipient(address recipient);
    error RecipientNotContract(address recipient);
    error TokenCallFailed(address token);
    // ---- certificate ----
    error UnknownEpoch(uint64 epoch);
    error EpochExpired(uint64 epoch, uint64 expiresAt);
    error MalformedSignatures(uint256 length);
    error InsufficientSignatures(uint256 count, uint256 threshold);
    error SignatureHighS(uint256 index);
    error SignatureBadV(uint256 index);
    error SignatureUnrecoverable(uint256 index);
    error SignersNotAscending(uint256 index);
    error NotCommitteeMember(uint256 index, address signer);
    // ---- committee configuration (constructor, rotateCommittee) ----
    error InvalidCommitteeSize(uint256 size);
    error InvalidThreshold(uint256 threshold, uint256 size);
    error InvalidSigner(address signer);
    error InvalidEpoch(uint64 epoch);
    error InvalidGrace(uint64 graceSeconds);
    // ---- governance and outbound ----
    error NotOwner(address caller);
    error NotGuardian(address caller);
    error NotPendingOwner(address caller);
    error ZeroAddress();
    error InvalidGasLimit(uint32 gasLimit);
    error InvalidToken(address token);
    error UnregisteredToken(address token);
    error AssetAlreadyRegistered(bytes32 assetId);
    error InvalidHomeToken(uint32 homeDomain, bytes32 homeToken);
    error InvalidLargeTransfer(uint256 threshold, uint64 delaySeconds);
    error InvalidDestination(uint32 destination);
    error ZeroAmount();
    error NothingReceived(address token);
}

/// @title IIsthmusBridge
/// @notice The relay-facing ABI every adapter and dApp relies on.
interface IIsthmusBridge is IIsthmusBridgeEvents {
    function dispatch(uint32 destination, bytes32 recipient, bytes calldata payload) external returns (bytes32 id);
    function sendToken(address token, uint256 amount, uint32 destination, bytes32 beneficiary)
        external
        returns (bytes32 id);
    function deliver(bytes calldata message, uint64 epoch, bytes calldata signatures) external;
    function deliverBatch(bytes[] calldata messages, uint64 epoch, bytes[] calldata signatures) external;
    function retryFailed(bytes calldata message) external;
    function releaseQueued(bytes calldata message) external;
    function messageStatus(bytes32 id) external view returns (uint8);
    function isDelivered(bytes32 id) external view returns (bool);
    function committee() external view returns (uint64 epoch, address[] memory signers, uint8 threshold);
    function localDomain() external view returns (uint32);
    function bridgeRef() external view returns (bytes32);
    function nextNonce() external view returns (uint64);
    function paused() external view returns (bool);
}
