// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Test-only app recipient: records every `handle` from its bridge; `setFailing(true)` makes it
/// revert (a switchable failing recipient for the Failed → retryFailed path).
contract RecordingRecipient {
    address public immutable bridge;
    bool public failing;
    uint256 public calls;
    uint32 public lastOrigin;
    bytes32 public lastSender;
    bytes public lastPayload;

    event Handled(uint32 origin, bytes32 sender, bytes payload);

    error NotBridge(address caller);
    error RecipientRefused(uint256 code);

    constructor(address bridge_) {
        bridge = bridge_;
    }

    function setFailing(bool failing_) external {
        failing = failing_;
    }

    function handle(uint32 origin, bytes32 sender, bytes calldata payload) external {
        if (msg.sender != bridge) revert NotBridge(msg.sender);
        if (failing) revert RecipientRefused(42);
        calls += 1;
        lastOrigin = origin;
        lastSender = sender;
        lastPayload = payload;
        emit Handled(origin, sender, payload);
    }
}
