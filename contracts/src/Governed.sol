// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IIsthmusBridge} from "./IIsthmusBridge.sol";

/// @title Governed
/// @notice The bridge's identity (local domain) and its two roles: the owner (governance: committee,
/// assets, limits) and the guardian (pause/unpause, cancel queued transfers). The owner may also act
/// as guardian. Nothing a message carries can reach these functions (NT-09).
abstract contract Governed is IIsthmusBridge {
    uint32 public immutable localDomain;

    // slot 0: read together on every delivery
    address public owner;
    bool public paused;
    uint32 public handleGasLimit;

    address public guardian;
    address public pendingOwner;

    uint32 internal constant MIN_HANDLE_GAS = 10_000;
    uint32 internal constant MAX_HANDLE_GAS = 10_000_000;

    constructor(uint32 localDomain_, address guardian_, uint32 handleGasLimit_) {
        if (guardian_ == address(0)) revert ZeroAddress();
        localDomain = localDomain_;
        owner = msg.sender;
        guardian = guardian_;
        _setHandleGasLimit(handleGasLimit_);
        emit OwnershipTransferred(address(0), msg.sender);
        emit GuardianSet(guardian_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyGuardian() {
        if (msg.sender != guardian && msg.sender != owner) revert NotGuardian(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        if (paused) revert BridgePaused();
        _;
    }

    /// @notice Start a two-step ownership transfer; `newOwner` must call `acceptOwnership`.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert NotPendingOwner(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        pendingOwner = address(0);
    }

    function setGuardian(address guardian_) external onlyOwner {
        if (guardian_ == address(0)) revert ZeroAddress();
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @notice Gas every recipient's `handle` receives (the bridge refuses to call with less).
    function setHandleGasLimit(uint32 gasLimit) external onlyOwner {
        _setHandleGasLimit(gasLimit);
    }

    /// @notice Stop deliveries and dispatches (fail closed). Also triggered by an equivocation.
    function pause() external onlyGuardian {
        paused = true;
        emit Paused(msg.sender);
    }

    function unpause() external onlyGuardian {
        paused = false;
        emit Unpaused(msg.sender);
    }

    function _setHandleGasLimit(uint32 gasLimit) private {
        if (gasLimit < MIN_HANDLE_GAS || gasLimit > MAX_HANDLE_GAS) revert InvalidGasLimit(gasLimit);
        handleGasLimit = gasLimit;
        emit HandleGasLimitSet(gasLimit);
    }
}
