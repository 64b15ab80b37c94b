// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AssetRegistry} from "./AssetRegistry.sol";
import {CommitteeRegistry} from "./CommitteeRegistry.sol";
import {Governed} from "./Governed.sol";
import {IERC20Minimal} from "./IERC20Minimal.sol";
import {IIsthmusRecipient} from "./IIsthmusRecipient.sol";
import {IsthmusBody} from "./IsthmusBody.sol";
import {BodyTooLarge, IsthmusMessage} from "./IsthmusMessage.sol";
import {WrappedToken} from "./WrappedToken.sol";

/// @title Bridge
/// @notice The Isthmus EVM endpoint. Outbound: `dispatch` (app messages) and `sendToken` (lock a home
/// token or burn a wrapped one). Inbound: `deliver`/`deliverBatch` verify a quorum certificate of the
/// stored committee over a digest recomputed here (bound to this chain id and this contract), execute
/// each message id at most once, and mark each (origin, nonce) used in a per-origin bitmap so a second
/// id for the same origin nonce is an equivocation that pauses the bridge instead of executing. See
/// docs/bridge-evm.md.
contract Bridge is CommitteeRegistry, AssetRegistry {
    using IsthmusMessage for bytes;

    uint8 internal constant NONE = 0;
    uint8 internal constant DELIVERED = 1;
    uint8 internal constant FAILED = 2;
    uint8 internal constant QUEUED = 3;
    uint8 internal constant CANCELLED = 4;

    uint8 internal constant SKIP_HANDLED = 1;
    uint8 internal constant SKIP_RATE_LIMITED = 2;

    /// Revert data kept in DeliveryFailed.reason (a return-data bomb cannot grow the cost).
    uint256 internal constant MAX_REASON_BYTES = 256;
    /// Gas kept back around a `handle` call: the call's own cost plus recording the outcome.
    uint256 internal constant HANDLE_GAS_RESERVE = 20_000;

    enum Outcome {
        Delivered,
        Failed,
        Queued,
        RateLimited,
        Equivocated
    }

    struct Record {
        uint8 status;
        uint64 releaseAt; // Queued only
    }

    uint64 public nextNonce;
    mapping(bytes32 id => Record) internal _records;
    /// Bit `nonce & 255` of word `origin << 56 | nonce >> 8` is set once some id with that (origin, nonce)
    /// has left status None. Origin nonces are sequential, so 256 deliveries share one slot.
    mapping(uint256 originNonceWord => uint256 bits) internal _usedNonces;

    bool private transient _delivering;
    bool private transient _sending;

    constructor(
        uint32 localDomain_,
        address[] memory signers,
        uint8 threshold,
        uint64 epoch,
        address guardian_,
        uint32 handleGasLimit_
    ) Governed(localDomain_, guardian_, handleGasLimit_) CommitteeRegistry(epoch, signers, threshold) {}

    modifier deliveryLock() {
        if (_delivering) revert Reentrancy();
        _delivering = true;
        _;
        _delivering = false;
    }

    // ------------------------------------------------------------------ outbound

    /// @notice Send an app message: body = 0x00 ‖ payload, sender = msg.sender.
    function dispatch(uint32 destination, bytes32 recipient, bytes calldata payload)
        external
        whenNotPaused
        returns (bytes32)
    {
        if (payload.length >= IsthmusMessage.MAX_BODY_BYTES) revert BodyTooLarge(payload.length + 1);
        if (recipient == bytes32(0)) revert InvalidRecipient(recipient);
        return _dispatch(destination, recipient, abi.encodePacked(IsthmusBody.KIND_APP, payload));
    }

    /// @notice Lock a registered home token (crediting the measured balance delta) or burn a wrapped
    /// token, then dispatch a kind-1 transfer to `beneficiary` on `destination`.
    function sendToken(address token, uint256 amount, uint32 destination, bytes32 beneficiary)
        external
        whenNotPaused
        returns (bytes32)
    {
        if (_sending) revert Reentrancy();
        _sending = true;
        if (beneficiary == bytes32(0)) revert InvalidBeneficiary(beneficiary);
        if (amount == 0) revert ZeroAmount();
        if (token == address(0) || token.code.length == 0) revert InvalidToken(token);
        bytes32 assetId = assetIdOfToken[token];
        if (assetId == bytes32(0)) revert UnregisteredToken(token);
        uint256 credited;
        if (_assets[assetId].kind == HOME) {
            credited = _pull(token, amount);
        } else {
            WrappedToken(token).burn(msg.sender, amount);
            credited = amount;
        }
        _sending = false;
        return _dispatch(
            destination, beneficiary, abi.encodePacked(IsthmusBody.KIND_TRANSFER, assetId, credited, beneficiary)
        );
    }

    // ------------------------------------------------------------------ inbound

    /// @notice Verify and execute one message. Reverts AlreadyDelivered(id) for a handled id and
    /// RateLimited(assetId) when the asset's bucket cannot take it now (retry later).
    function deliver(bytes calldata message, uint64 epoch, bytes calldata signatures)
        external
        whenNotPaused
        deliveryLock
    {
        (bytes32 id, bool fresh) = _check(message);
        if (!fresh) revert AlreadyDelivered(id);
        _verifyCertificate(_digest(epoch, id), epoch, signatures);
        (Outcome o, bytes32 assetId) = _accept(message, id);
        if (o == Outcome.RateLimited) revert RateLimited(assetId);
    }

    /// @notice `deliver` for many messages of one epoch. Handled ids and rate-limited transfers are
    /// skipped (DeliverySkipped) instead of reverting; an invalid message or certificate reverts all.
    function deliverBatch(bytes[] calldata messages, uint64 epoch, bytes[] calldata signatures)
        external
        whenNotPaused
        deliveryLock
    {
        if (messages.length != signatures.length) revert LengthMismatch(messages.length, signatures.length);
        for (uint256 i; i < messages.length; ++i) {
            bytes calldata message = messages[i];
            (bytes32 id, bool fresh) = _check(message);
            if (!fresh) {
                emit DeliverySkipped(id, SKIP_HANDLED);
                continue;
            }
            _verifyCertificate(_digest(epoch, id), epoch, signatures[i]);
            (Outcome o,) = _accept(message, id);
            if (o == Outcome.RateLimited) emit DeliverySkipped(id, SKIP_RATE_LIMITED);
            else if (o == Outcome.Equivocated) return; // paused: nothing after it may execute
        }
    }

    /// @notice Re-attempt a Failed message (permissionless: it was certified when it failed).
    function retryFailed(bytes calldata message) external whenNotPaused deliveryLock {
        (bytes32 id,) = _check(message);
        uint8 status = _records[id].status;
        if (status != FAILED) revert UnexpectedStatus(id, status);
        (Outcome o, bytes32 assetId, bytes memory reason) = _execute(message, id, true);
        if (o == Outcome.RateLimited) revert RateLimited(assetId);
        if (o == Outcome.Failed) revert StillFailing(id, reason);
    }

    /// @notice Execute a queued large transfer once its delay has passed (permissionless).
    function releaseQueued(bytes calldata message) external whenNotPaused deliveryLock {
        (bytes32 id,) = _check(message);
        Record memory r = _records[id];
        if (r.status != QUEUED) revert UnexpectedStatus(id, r.status);
        if (block.timestamp < r.releaseAt) revert ReleaseTooEarly(id, r.releaseAt);
        (Outcome o, bytes32 assetId,) = _execute(message, id, false);
        if (o == Outcome.RateLimited) revert RateLimited(assetId);
    }

    /// @notice Guardian veto of a queued large transfer (terminal).
    function cancelQueued(bytes32 id) external onlyGuardian {
        uint8 status = _records[id].status;
        if (status != QUEUED) revert UnexpectedStatus(id, status);
        _records[id].status = CANCELLED;
        emit TransferCancelled(id);
    }

    // ------------------------------------------------------------------ views

    /// @notice 0 None, 1 Delivered, 2 Failed, 3 Queued, 4 Cancelled.
    function messageStatus(bytes32 id) external view returns (uint8) {
        return _records[id].status;
    }

    function isDelivered(bytes32 id) external view returns (bool) {
        return _records[id].status == DELIVERED;
    }

    /// @notice When a Queued message may be released (0 if it is not queued).
    function queuedReleaseAt(bytes32 id) external view returns (uint64) {
        return _records[id].status == QUEUED ? _records[id].releaseAt : 0;
    }

    /// @notice Whether some id with this (origin, nonce) has left status None (its id is in the indexed
    /// Delivered/Dispatch logs; see docs/bridge-evm.md).
    function isNonceUsed(uint32 origin, uint64 nonce) external view returns (bool) {
        (uint256 word, uint256 mask) = _nonceBit(origin, nonce);
        return _usedNonces[word] & mask != 0;
    }

    /// @notice bytes32(uint96 chainid ‖ address(this)), read at call time so a fork with another chain
    /// id computes another digest (BI-40).
    function bridgeRef() public view returns (bytes32) {
        return bytes32((block.chainid << 160) | uint256(uint160(address(this))));
    }

    // ------------------------------------------------------------------ internals

    function _dispatch(uint32 destination, bytes32 recipient, bytes memory body) private returns (bytes32 id) {
        if (destination == localDomain) revert InvalidDestination(destination);
        uint64 nonce = nextNonce++;
        bytes memory message = abi.encodePacked(
            IsthmusMessage.VERSION,
            nonce,
            localDomain,
            bytes32(uint256(uint160(msg.sender))),
            destination,
            recipient,
            body
        );
        id = keccak256(message);
        emit Dispatch(id, destination, nonce, message);
    }

    /// @dev Pull `amount` and return what actually arrived (fee-on-transfer safe, NT-15).
    function _pull(address token, uint256 amount) private returns (uint256) {
        uint256 before = IERC20Minimal(token).balanceOf(address(this));
        (bool ok, bytes memory ret) =
            token.call(abi.encodeCall(IERC20Minimal.transferFrom, (msg.sender, address(this), amount)));
        if (!ok || (ret.length != 0 && (ret.length < 32 || abi.decode(ret, (uint256)) != 1))) {
            revert TokenCallFailed(token);
        }
        uint256 afterwards = IERC20Minimal(token).balanceOf(address(this));
        if (afterwards <= before) revert NothingReceived(token);
        return afterwards - before;
    }

    /// @dev Shape checks shared by every inbound entrypoint; `fresh` = status None.
    function _check(bytes calldata message) private view returns (bytes32 id, bool fresh) {
        message.validate();
        uint32 destination = message.destination();
        if (destination != localDomain) revert WrongDestination(destination);
        IsthmusBody.kindOf(message.body());
        id = message.id();
        fresh = _records[id].status == NONE;
    }

    /// @dev keccak256("ISTHMUS/v1" ‖ uint64 epoch ‖ uint32 localDomain ‖ bytes32 bridgeRef ‖ bytes32 id).
    function _digest(uint64 epoch, bytes32 id) private view returns (bytes32) {
        return keccak256(abi.encodePacked("ISTHMUS/v1", epoch, localDomain, bridgeRef(), id));
    }

    /// @dev A certified id whose status is None: refuse it if its (origin, nonce) is already used, else
    /// mark the nonce used and execute. The bit is set only when a status leaves None, and a status never
    /// returns to None, so a set bit next to this id's None status means another id took the nonce.
    function _accept(bytes calldata message, bytes32 id) private returns (Outcome o, bytes32 assetId) {
        uint32 origin = message.origin();
        uint64 nonce = message.nonce();
        (uint256 word, uint256 mask) = _nonceBit(origin, nonce);
        uint256 bits = _usedNonces[word];
        if (bits & mask != 0) {
            // The committee signed two messages for one origin nonce: fail closed (S2, S5).
            paused = true;
            emit Equivocation(origin, nonce, id);
            emit Paused(address(this));
            return (Outcome.Equivocated, bytes32(0));
        }
        _usedNonces[word] = bits | mask; // before any external call, like the status
        (o, assetId,) = _execute(message, id, true);
        if (o == Outcome.RateLimited) _usedNonces[word] = bits; // nothing happened: the nonce stays free
    }

    function _nonceBit(uint32 origin, uint64 nonce) private pure returns (uint256 word, uint256 mask) {
        word = (uint256(origin) << 56) | (nonce >> 8);
        mask = 1 << (nonce & 0xff);
    }

    function _execute(bytes calldata message, bytes32 id, bool allowQueue)
        private
        returns (Outcome, bytes32, bytes memory)
    {
        bytes calldata body = message.body();
        if (uint8(body[0]) == IsthmusBody.KIND_TRANSFER) return _executeTransfer(message, id, body, allowQueue);
        return _executeApp(message, id, body);
    }

    function _executeTransfer(bytes calldata message, bytes32 id, bytes calldata body, bool allowQueue)
        private
        returns (Outcome, bytes32, bytes memory)
    {
        (bytes32 assetId, uint256 amount, bytes32 beneficiary) = IsthmusBody.transfer(body);
        Asset storage a = _assets[assetId];
        // one SLOAD: these four share the asset's first slot
        (address token, uint8 kind, bool limited, uint64 delaySeconds) = (a.token, a.kind, a.limited, a.delaySeconds);
        if (token == address(0)) return _fail(id, abi.encodeWithSelector(UnknownAsset.selector, assetId));
        if (beneficiary == bytes32(0) || uint256(beneficiary) >> 160 != 0) {
            return _fail(id, abi.encodeWithSelector(InvalidBeneficiary.selector, beneficiary));
        }
        if (allowQueue && delaySeconds != 0 && amount >= a.largeThreshold) {
            uint64 releaseAt = uint64(block.timestamp) + delaySeconds;
            _records[id] = Record({status: QUEUED, releaseAt: releaseAt});
            emit TransferQueued(id, releaseAt);
            return (Outcome.Queued, assetId, "");
        }
        uint256 level;
        if (limited) {
            level = _level(a);
            // also rejects any single amount above capacity, however full the bucket (NT-03)
            if (amount > level) return (Outcome.RateLimited, assetId, "");
        }
        _records[id].status = DELIVERED; // before the call: a re-entrant path sees the id handled
        address to = address(uint160(uint256(beneficiary)));
        bytes memory data = kind == HOME
            ? abi.encodeCall(IERC20Minimal.transfer, (to, amount))
            : abi.encodeCall(WrappedToken.mint, (to, amount));
        (bool ok, bytes memory reason) = _callToken(token, data);
        if (!ok) return _fail(id, reason);
        if (limited) {
            a.available = uint128(level - amount);
            a.updatedAt = uint64(block.timestamp);
        }
        emit Delivered(id, message.origin(), message.nonce());
        return (Outcome.Delivered, assetId, "");
    }

    function _executeApp(bytes calldata message, bytes32 id, bytes calldata body)
        private
        returns (Outcome, bytes32, bytes memory)
    {
        bytes32 recipient = message.recipient();
        if (uint256(recipient) >> 160 != 0) {
            return _fail(id, abi.encodeWithSelector(InvalidRecipient.selector, recipient));
        }
        address to = address(uint160(uint256(recipient)));
        // Never a privileged target (NT-09): the bridge, its roles, or any token it holds or issues.
        if (to == address(this) || to == owner || to == guardian || assetIdOfToken[to] != bytes32(0)) {
            return _fail(id, abi.encodeWithSelector(ForbiddenRecipient.selector, to));
        }
        if (to.code.length == 0) return _fail(id, abi.encodeWithSelector(RecipientNotContract.selector, to));
        _records[id].status = DELIVERED;
        uint32 origin = message.origin();
        // The only selector ever called is handle(); nothing in the payload chooses it (NT-10).
        bytes memory data =
            abi.encodeCall(IIsthmusRecipient.handle, (origin, message.sender(), IsthmusBody.payload(body)));
        (bool ok, bytes memory reason) = _callHandle(to, data);
        if (!ok) return _fail(id, reason);
        emit Delivered(id, origin, message.nonce());
        return (Outcome.Delivered, bytes32(0), "");
    }

    function _fail(bytes32 id, bytes memory reason) private returns (Outcome, bytes32, bytes memory) {
        _records[id].status = FAILED;
        emit DeliveryFailed(id, reason);
        return (Outcome.Failed, bytes32(0), reason);
    }

    /// @dev Call with exactly `handleGasLimit`. EIP-150 forwards at most 63/64 of what is left, so refuse
    /// (revert) when less remains: a relayer must not be able to starve a call into a "failure".
    function _callHandle(address to, bytes memory data) private returns (bool ok, bytes memory reason) {
        uint256 gasLimit = handleGasLimit;
        uint256 needed = gasLimit + gasLimit / 63 + HANDLE_GAS_RESERVE;
        if (gasleft() < needed) revert InsufficientGas(needed, gasleft());
        assembly ("memory-safe") {
            ok := call(gasLimit, to, 0, add(data, 32), mload(data), 0, 0)
        }
        if (!ok) reason = _returnData();
    }

    /// @dev Token call with all gas. A callee left with too little gas by the relayer reverts the
    /// delivery (retry) rather than marking it Failed. ERC-20s returning nothing are accepted.
    function _callToken(address token, bytes memory data) private returns (bool ok, bytes memory reason) {
        uint256 gasBefore = gasleft();
        uint256 size;
        uint256 word;
        assembly ("memory-safe") {
            ok := call(gas(), token, 0, add(data, 32), mload(data), 0, 0)
            size := returndatasize()
            if and(ok, gt(size, 31)) {
                returndatacopy(0, 0, 32)
                word := mload(0)
            }
        }
        if (ok) {
            if (size == 0 ? token.code.length != 0 : (size >= 32 && word == 1)) return (true, "");
            return (false, abi.encodeWithSelector(TokenCallFailed.selector, token));
        }
        if (gasleft() <= gasBefore / 63) revert InsufficientGas(gasBefore, gasleft());
        reason = _returnData();
        if (reason.length == 0) reason = abi.encodeWithSelector(TokenCallFailed.selector, token);
    }

    /// @dev The last call's return data, truncated to MAX_REASON_BYTES.
    function _returnData() private pure returns (bytes memory r) {
        assembly ("memory-safe") {
            let n := returndatasize()
            if gt(n, MAX_REASON_BYTES) { n := MAX_REASON_BYTES }
            r := mload(0x40)
            mstore(r, n)
            returndatacopy(add(r, 32), 0, n)
            mstore(0x40, add(add(r, 32), and(add(n, 31), not(31))))
        }
    }
}
