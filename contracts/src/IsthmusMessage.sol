// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// The message is shorter than the 81-byte header.
error MessageTooShort(uint256 length);
/// The version byte is not 1 (BI-44).
error UnsupportedVersion(uint8 version);
/// The body is longer than 65536 bytes.
error BodyTooLarge(uint256 length);

/// @title IsthmusMessage
/// @notice The canonical Isthmus message, read in place from calldata:
/// abi.encodePacked(uint8 version, uint64 nonce, uint32 origin, bytes32 sender, uint32 destination,
/// bytes32 recipient, bytes body); id = keccak256 of those bytes.
library IsthmusMessage {
    uint8 internal constant VERSION = 1;
    uint256 internal constant HEADER_BYTES = 81;
    uint256 internal constant MAX_BODY_BYTES = 65536;

    /// @notice Reverts unless `m` is a well-formed version-1 message.
    function validate(bytes calldata m) internal pure {
        if (m.length < HEADER_BYTES) revert MessageTooShort(m.length);
        uint8 v = uint8(m[0]);
        if (v != VERSION) revert UnsupportedVersion(v);
        if (m.length - HEADER_BYTES > MAX_BODY_BYTES) revert BodyTooLarge(m.length - HEADER_BYTES);
    }

    /// @notice keccak256 of the encoding (scratch memory past the free pointer, not allocated).
    function id(bytes calldata m) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, m.offset, m.length)
            h := keccak256(p, m.length)
        }
    }

    function nonce(bytes calldata m) internal pure returns (uint64 r) {
        assembly ("memory-safe") {
            r := shr(192, calldataload(add(m.offset, 1)))
        }
    }

    function origin(bytes calldata m) internal pure returns (uint32 r) {
        assembly ("memory-safe") {
            r := shr(224, calldataload(add(m.offset, 9)))
        }
    }

    function sender(bytes calldata m) internal pure returns (bytes32 r) {
        assembly ("memory-safe") {
            r := calldataload(add(m.offset, 13))
        }
    }

    function destination(bytes calldata m) internal pure returns (uint32 r) {
        assembly ("memory-safe") {
            r := shr(224, calldataload(add(m.offset, 45)))
        }
    }

    function recipient(bytes calldata m) internal pure returns (bytes32 r) {
        assembly ("memory-safe") {
            r := calldataload(add(m.offset, 49))
        }
    }

    function body(bytes calldata m) internal pure returns (bytes calldata) {
        return m[HEADER_BYTES:];
    }
}
