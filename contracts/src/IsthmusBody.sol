// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// The body has no kind byte, or a token transfer body is not exactly 97 bytes (BI-43).
error InvalidBody(uint256 length);
/// The body kind byte is neither 0 (app message) nor 1 (token transfer) (BI-43).
error UnknownBodyKind(uint8 kind);

/// @title IsthmusBody
/// @notice Body kinds: 0 = app message (0x00 ‖ payload), 1 = token transfer
/// (0x01 ‖ bytes32 assetId ‖ uint256 amount ‖ bytes32 beneficiary, exactly 97 bytes).
library IsthmusBody {
    uint8 internal constant KIND_APP = 0;
    uint8 internal constant KIND_TRANSFER = 1;
    uint256 internal constant TRANSFER_BYTES = 97;

    /// @notice The body's kind; reverts on an empty body, an unknown kind or a transfer of the wrong length.
    function kindOf(bytes calldata body) internal pure returns (uint8 kind) {
        if (body.length == 0) revert InvalidBody(0);
        kind = uint8(body[0]);
        if (kind == KIND_APP) return kind;
        if (kind != KIND_TRANSFER) revert UnknownBodyKind(kind);
        if (body.length != TRANSFER_BYTES) revert InvalidBody(body.length);
    }

    /// @notice Fields of a kind-1 body already checked by `kindOf`.
    function transfer(bytes calldata body)
        internal
        pure
        returns (bytes32 assetId, uint256 amount, bytes32 beneficiary)
    {
        assembly ("memory-safe") {
            assetId := calldataload(add(body.offset, 1))
            amount := calldataload(add(body.offset, 33))
            beneficiary := calldataload(add(body.offset, 65))
        }
    }

    /// @notice The payload of a kind-0 body.
    function payload(bytes calldata body) internal pure returns (bytes calldata) {
        return body[1:];
    }
}
