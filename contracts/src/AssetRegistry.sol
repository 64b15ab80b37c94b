// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Governed} from "./Governed.sol";
import {WrappedToken} from "./WrappedToken.sol";

/// @title AssetRegistry
/// @notice Assets the bridge moves, with their damage limits (RELIABILITY.md rule 11): a home asset is
/// an ERC-20 native to this chain (locked/unlocked), a remote asset is issued here as a WrappedToken
/// (minted/burned). Each asset has an optional token bucket (NT-03) and an optional large-transfer delay
/// (NT-17). Asset id = keccak256("ISTHMUS/asset" ‖ uint32 homeDomain ‖ bytes32 homeToken).
abstract contract AssetRegistry is Governed {
    uint8 internal constant HOME = 1;
    uint8 internal constant WRAPPED = 2;

    struct Asset {
        address token; // 0 = not registered
        uint8 kind; // HOME or WRAPPED
        bool limited; // token bucket enabled
        uint64 delaySeconds; // large-transfer delay; 0 = no delay
        uint128 capacity;
        uint128 refillPerSecond;
        uint128 available; // bucket level at `updatedAt`
        uint64 updatedAt;
        uint256 largeThreshold; // amounts >= this are queued when delaySeconds > 0
    }

    mapping(bytes32 assetId => Asset) internal _assets;
    /// @notice Asset id of a registered home token or of a wrapped token this bridge issued; 0 if neither.
    mapping(address token => bytes32 assetId) public assetIdOfToken;

    /// @notice keccak256(abi.encodePacked("ISTHMUS/asset", homeDomain, homeToken)).
    function assetIdOf(uint32 homeDomain, bytes32 homeToken) public pure returns (bytes32) {
        return keccak256(abi.encodePacked("ISTHMUS/asset", homeDomain, homeToken));
    }

    /// @notice The local token of an asset and its kind (1 home, 2 wrapped); (0, 0) if unknown.
    function assetOf(bytes32 assetId) external view returns (address token, uint8 kind) {
        Asset storage a = _assets[assetId];
        return (a.token, a.kind);
    }

    /// @notice Bucket settings and the amount deliverable right now.
    function rateLimitOf(bytes32 assetId)
        external
        view
        returns (bool enabled, uint128 capacity, uint128 refillPerSecond, uint256 available)
    {
        Asset storage a = _assets[assetId];
        return (a.limited, a.capacity, a.refillPerSecond, a.limited ? _level(a) : type(uint256).max);
    }

    function largeTransferOf(bytes32 assetId) external view returns (uint256 threshold, uint64 delaySeconds) {
        Asset storage a = _assets[assetId];
        return (a.largeThreshold, a.delaySeconds);
    }

    /// @notice Register an ERC-20 native to this chain; inbound transfers unlock it.
    function registerHomeAsset(address token) external onlyOwner returns (bytes32 assetId) {
        if (token == address(0) || token == address(this) || token.code.length == 0) revert InvalidToken(token);
        assetId = assetIdOf(localDomain, bytes32(uint256(uint160(token))));
        if (_assets[assetId].token != address(0) || assetIdOfToken[token] != 0) {
            revert AssetAlreadyRegistered(assetId);
        }
        _assets[assetId].token = token;
        _assets[assetId].kind = HOME;
        assetIdOfToken[token] = assetId;
        emit HomeAssetRegistered(assetId, token);
    }

    /// @notice Register an asset native to another domain: deploys its WrappedToken (CREATE2, salt = id).
    function registerRemoteAsset(
        uint32 homeDomain,
        bytes32 homeToken,
        string calldata name,
        string calldata symbol,
        uint8 decimals
    ) external onlyOwner returns (address wrapped) {
        if (homeDomain == localDomain || homeToken == bytes32(0)) revert InvalidHomeToken(homeDomain, homeToken);
        bytes32 assetId = assetIdOf(homeDomain, homeToken);
        if (_assets[assetId].token != address(0)) revert AssetAlreadyRegistered(assetId);
        wrapped = address(new WrappedToken{salt: assetId}(name, symbol, decimals, assetId));
        _assets[assetId].token = wrapped;
        _assets[assetId].kind = WRAPPED;
        assetIdOfToken[wrapped] = assetId;
        emit RemoteAssetRegistered(assetId, homeDomain, homeToken, wrapped);
    }

    /// @notice Enable the token bucket (full at first). Capacity 0 halts the asset's inbound transfers.
    function setRateLimit(bytes32 assetId, uint128 capacity, uint128 refillPerSecond) external onlyOwner {
        Asset storage a = _registered(assetId);
        a.limited = true;
        a.capacity = capacity;
        a.refillPerSecond = refillPerSecond;
        a.available = capacity;
        a.updatedAt = uint64(block.timestamp);
        emit RateLimitSet(assetId, true, capacity, refillPerSecond);
    }

    function clearRateLimit(bytes32 assetId) external onlyOwner {
        Asset storage a = _registered(assetId);
        a.limited = false;
        emit RateLimitSet(assetId, false, 0, 0);
    }

    /// @notice Inbound amounts >= `threshold` wait `delaySeconds` (0 disables the delay).
    function setLargeTransfer(bytes32 assetId, uint256 threshold, uint64 delaySeconds) external onlyOwner {
        Asset storage a = _registered(assetId);
        if (delaySeconds != 0 && threshold == 0) revert InvalidLargeTransfer(threshold, delaySeconds);
        a.largeThreshold = threshold;
        a.delaySeconds = delaySeconds;
        emit LargeTransferSet(assetId, threshold, delaySeconds);
    }

    function _registered(bytes32 assetId) private view returns (Asset storage a) {
        a = _assets[assetId];
        if (a.token == address(0)) revert UnknownAsset(assetId);
    }

    /// @dev Bucket level now: refilled linearly in chain time, capped at capacity.
    function _level(Asset storage a) internal view returns (uint256 level) {
        level = uint256(a.available) + (block.timestamp - a.updatedAt) * uint256(a.refillPerSecond);
        if (level > a.capacity) level = a.capacity;
    }
}
