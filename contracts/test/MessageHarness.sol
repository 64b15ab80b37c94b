// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IsthmusBody} from "../src/IsthmusBody.sol";
import {IsthmusMessage} from "../src/IsthmusMessage.sol";

/// @notice Test-only window onto the message and body libraries (shared vector tests).
contract MessageHarness {
    using IsthmusMessage for bytes;

    function decode(bytes calldata m)
        external
        pure
        returns (
            uint8 version,
            uint64 nonce,
            uint32 origin,
            bytes32 sender,
            uint32 destination,
            bytes32 recipient,
            bytes memory body,
            bytes32 id
        )
    {
        m.validate();
        return (uint8(m[0]), m.nonce(), m.origin(), m.sender(), m.destination(), m.recipient(), m.body(), m.id());
    }

    function bodyKind(bytes calldata body) external pure returns (uint8) {
        return IsthmusBody.kindOf(body);
    }
}
