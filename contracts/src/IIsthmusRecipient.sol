// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IIsthmusRecipient
/// @notice What an app contract implements to receive kind-0 messages. The bridge calls only this
/// selector, with a fixed gas limit; a recipient must check `msg.sender` is the bridge and trust
/// `(origin, sender)` itself.
interface IIsthmusRecipient {
    function handle(uint32 origin, bytes32 sender, bytes calldata payload) external;
}
