// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Test-only: always reverts, with revert data far larger than the bridge keeps.
contract RevertingRecipient {
    function handle(uint32, bytes32, bytes calldata) external pure {
        bytes memory junk = new bytes(4096);
        for (uint256 i; i < junk.length; ++i) junk[i] = 0x41;
        assembly ("memory-safe") {
            revert(add(junk, 32), mload(junk))
        }
    }
}

/// @notice Test-only: burns every unit of gas it is given.
contract GasGuzzler {
    uint256 public spins;

    function handle(uint32, bytes32, bytes calldata) external {
        for (;;) {
            spins += 1;
        }
    }
}

/// @notice Test-only confused deputy (NT-09/NT-10): forwards the message payload as raw calldata to a
/// target (the bridge, a token...). The bridge must never let this reach anything privileged.
contract ForwardingRecipient {
    address public immutable target;

    constructor(address target_) {
        target = target_;
    }

    function handle(uint32, bytes32, bytes calldata payload) external {
        (bool ok, bytes memory ret) = target.call(payload);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
