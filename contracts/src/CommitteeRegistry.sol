// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Governed} from "./Governed.sol";

/// @title CommitteeRegistry
/// @notice The attestation committee, per epoch, stored only here (NT-05): a certificate is checked
/// against these signers and nothing the caller passes. The current epoch never expires; a rotated-out
/// epoch stays valid until its grace period ends (NT-02).
abstract contract CommitteeRegistry is Governed {
    struct Epoch {
        uint8 threshold; // 0 = no such epoch (NT-06: the default is never valid)
        uint8 size;
        uint64 expiresAt; // chain time; type(uint64).max while current
    }

    /// secp256k1n / 2: a larger s is the malleable twin of a valid signature.
    uint256 internal constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    uint256 internal constant SIGNATURE_BYTES = 65;
    uint256 internal constant MAX_COMMITTEE = 255;
    uint64 internal constant MAX_GRACE_SECONDS = 30 days;
    uint64 internal constant NEVER = type(uint64).max;

    uint64 public currentEpoch;
    mapping(uint64 epoch => Epoch) internal _epochs;
    mapping(uint64 epoch => mapping(address signer => bool)) internal _isMember;
    mapping(uint64 epoch => address[]) internal _signers;

    constructor(uint64 epoch, address[] memory signers, uint8 threshold) {
        if (epoch == 0) revert InvalidEpoch(epoch);
        currentEpoch = epoch;
        _install(epoch, signers, threshold);
        emit CommitteeRotated(epoch, signers, threshold, 0);
    }

    /// @notice The current committee.
    function committee() external view returns (uint64 epoch, address[] memory signers, uint8 threshold) {
        epoch = currentEpoch;
        return (epoch, _signers[epoch], _epochs[epoch].threshold);
    }

    /// @notice Any epoch's committee; threshold 0 means the epoch does not exist.
    function epochInfo(uint64 epoch)
        external
        view
        returns (address[] memory signers, uint8 threshold, uint64 expiresAt)
    {
        Epoch memory e = _epochs[epoch];
        return (_signers[epoch], e.threshold, e.expiresAt);
    }

    /// @notice Install epoch `currentEpoch + 1`; the old epoch stays valid for `graceSeconds` more.
    function rotateCommittee(address[] calldata signers, uint8 threshold, uint64 graceSeconds) external onlyOwner {
        if (graceSeconds > MAX_GRACE_SECONDS) revert InvalidGrace(graceSeconds);
        uint64 old = currentEpoch;
        uint64 next = old + 1;
        uint64 expiresAt = uint64(block.timestamp) + graceSeconds;
        _epochs[old].expiresAt = expiresAt;
        currentEpoch = next;
        _install(next, signers, threshold);
        emit CommitteeRotated(next, signers, threshold, expiresAt);
    }

    /// @dev N in [1, 255], 0 < M <= N, M > N/2, no zero or duplicate signer (NT-04, NT-08).
    function _install(uint64 epoch, address[] memory signers, uint8 threshold) private {
        uint256 n = signers.length;
        if (n == 0 || n > MAX_COMMITTEE) revert InvalidCommitteeSize(n);
        if (threshold == 0 || threshold > n || uint256(threshold) * 2 <= n) revert InvalidThreshold(threshold, n);
        mapping(address => bool) storage member = _isMember[epoch];
        for (uint256 i; i < n; ++i) {
            address s = signers[i];
            if (s == address(0) || member[s]) revert InvalidSigner(s);
            member[s] = true;
        }
        _signers[epoch] = signers;
        _epochs[epoch] = Epoch({threshold: threshold, size: uint8(n), expiresAt: NEVER});
    }

    /// @dev Reverts unless `signatures` holds at least `threshold` valid signatures over `digest` by
    /// distinct members of `epoch`, in strictly increasing signer order; every signature is checked.
    function _verifyCertificate(bytes32 digest, uint64 epoch, bytes calldata signatures) internal view {
        Epoch memory e = _epochs[epoch];
        if (e.threshold == 0) revert UnknownEpoch(epoch);
        if (block.timestamp >= e.expiresAt) revert EpochExpired(epoch, e.expiresAt);
        if (signatures.length % SIGNATURE_BYTES != 0) revert MalformedSignatures(signatures.length);
        uint256 count = signatures.length / SIGNATURE_BYTES;
        if (count < e.threshold) revert InsufficientSignatures(count, e.threshold);
        mapping(address => bool) storage member = _isMember[epoch];
        address previous;
        for (uint256 i; i < count; ++i) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(signatures.offset, mul(i, 65))
                r := calldataload(p)
                s := calldataload(add(p, 32))
                v := byte(0, calldataload(add(p, 64)))
            }
            if (uint256(s) > HALF_CURVE_ORDER) revert SignatureHighS(i);
            if (v != 27 && v != 28) revert SignatureBadV(i);
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) revert SignatureUnrecoverable(i);
            if (signer <= previous) revert SignersNotAscending(i);
            if (!member[signer]) revert NotCommitteeMember(i, signer);
            previous = signer;
        }
    }
}
