// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Test-only token that lies (NT-11): absurd `decimals`, an `underlying()` pointing anywhere, a
/// constant `balanceOf`, and a fallback that answers `true` to any other call (transferFrom, permit...)
/// without moving anything — the Qubit pattern of an event with no value behind it.
contract LyingToken {
    address public immutable underlying;

    constructor(address underlying_) {
        underlying = underlying_;
    }

    function decimals() external pure returns (uint8) {
        return 255;
    }

    function balanceOf(address) external pure returns (uint256) {
        return 10 ** 30;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(true);
    }
}
