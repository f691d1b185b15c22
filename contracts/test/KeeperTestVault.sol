// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";

/// @title KeeperTestVault
/// @notice TEST DOUBLE for the keeper's end-to-end tests, standing in for the real vault until it
/// lands. It implements only the keeper-facing part of IDeltaNeutralVault (`vaultState`,
/// `rebalance`, `bands`, `strategy`, `priceFeed`, `perpVenue`) with the same structs, errors and
/// event, and the same gate: `WithinBands` when nothing is breached, the KEEPER role plus
/// `minRebalanceInterval` at the soft tier, anyone at the hard tier, `EnforcedPause` when paused. Its book is a toy (no tokens move):
/// spot and short quantities, perp margin with a short entry price, idle assets, all valued at a
/// settable price. Every setter is open to anyone: never deploy it where value is real.
contract KeeperTestVault {
    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;

    /// @notice OpenZeppelin Pausable's error, so the keeper decodes the same selector.
    error EnforcedPause();

    IDeltaNeutralVault.Bands private _bands;
    IDeltaNeutralVault.Strategy private _strategy;

    uint256 public price; // WAD, asset per spot token
    uint256 public spotQty; // WAD
    uint256 public shortQty; // WAD
    uint256 public shortEntryPrice; // WAD
    uint256 public margin; // asset units (WAD)
    uint256 public idle; // asset units (WAD)
    uint256 public totalSupply;
    uint256 public lastRebalanceAt;
    uint256 public rebalanceCount;
    bool public paused;
    bytes public forcedRevert;
    mapping(address keeper => bool) public isKeeper;
    /// @notice Rebalances left that succeed but leave every position as it was (a partial step).
    uint256 public partialStepsLeft;
    /// @notice No feed: the double's price is set directly (the keeper skips a feed without code).
    address public priceFeed;
    /// @notice No perp venue: the double holds no venue account, so the keeper reads no order for it.
    address public perpVenue;

    constructor(uint256 initialPrice, uint256 initialAssets, address keeper) {
        _bands = IDeltaNeutralVault.Bands({
            deltaSoftBps: 200,
            deltaHardBps: 500,
            minMarginRatioSoftBps: 8_000,
            minMarginRatioHardBps: 6_000,
            maxMarginRatioSoftBps: 13_000,
            maxMarginRatioHardBps: 16_000,
            idleSoftBps: 500,
            idleHardBps: 1_000
        });
        _strategy = IDeltaNeutralVault.Strategy({
            targetLeverageBps: 10_000,
            idleBufferBps: 200,
            maxSlippageBps: 50,
            maxRebalanceCostBps: 30,
            minRebalanceInterval: 3_600,
            rebalanceTargetBps: 0
        });
        price = initialPrice;
        idle = initialAssets;
        totalSupply = initialAssets;
        isKeeper[keeper] = true;
        _restoreTargets();
        lastRebalanceAt = block.timestamp;
    }

    // ------------------------------------------------------------------ test knobs (open to all)

    function setPrice(uint256 newPrice) external {
        price = newPrice;
    }

    function setKeeper(address keeper, bool allowed) external {
        isKeeper[keeper] = allowed;
    }

    function setPaused(bool value) external {
        paused = value;
    }

    /// @notice Make `rebalance` revert with these exact bytes (an ABI-encoded error); empty clears.
    /// @notice The next `steps` rebalances make no progress yet succeed, as a stepwise rebalance
    /// that leaves a band breached does.
    function setPartialSteps(uint256 steps) external {
        partialStepsLeft = steps;
    }

    function setForcedRevert(bytes calldata data) external {
        forcedRevert = data;
    }

    function setBands(IDeltaNeutralVault.Bands calldata newBands) external {
        _bands = newBands;
    }

    function setStrategy(IDeltaNeutralVault.Strategy calldata newStrategy) external {
        _strategy = newStrategy;
    }

    /// @notice Add idle assets, as a deposit would (breaches the idle band when large enough).
    function addIdle(uint256 amount) external {
        idle += amount;
        totalSupply += amount;
    }

    // ------------------------------------------------------------------ keeper-facing surface

    function bands() external view returns (IDeltaNeutralVault.Bands memory) {
        return _bands;
    }

    function strategy() external view returns (IDeltaNeutralVault.Strategy memory) {
        return _strategy;
    }

    function vaultState() external view returns (IDeltaNeutralVault.VaultState memory s) {
        s.totalAssets = _totalAssets();
        s.totalSupply = totalSupply;
        s.sharePrice = totalSupply == 0 ? WAD : (s.totalAssets * WAD) / totalSupply;
        s.price = price;
        s.spotQty = spotQty;
        s.shortQty = shortQty;
        s.perpEquity = _perpEquity();
        s.marginRatioBps = _marginRatioBps();
        s.deltaBps = _deltaBps();
        s.idle = idle;
        s.idleBps = s.totalAssets == 0 ? 0 : (idle * BPS) / s.totalAssets;
        (s.band, s.tier) = _gate();
        s.secondsSinceRebalance = block.timestamp - lastRebalanceAt;
        s.nextKeeperRebalanceAt = lastRebalanceAt + _strategy.minRebalanceInterval;
        s.paused = paused;
    }

    function rebalance() external returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        if (paused) revert EnforcedPause();
        bytes memory forced = forcedRevert;
        if (forced.length != 0) {
            assembly {
                revert(add(forced, 32), mload(forced))
            }
        }
        (band, tier) = _gate();
        if (tier == IDeltaNeutralVault.Tier.None) {
            revert IDeltaNeutralVault.WithinBands(_deltaBps(), _marginRatioBps(), _idleExcessBps());
        }
        if (tier == IDeltaNeutralVault.Tier.Soft) {
            if (!isKeeper[msg.sender]) revert IDeltaNeutralVault.RebalanceNotAllowed(msg.sender, band, tier);
            uint256 nextAllowedAt = lastRebalanceAt + _strategy.minRebalanceInterval;
            if (block.timestamp < nextAllowedAt) revert IDeltaNeutralVault.RebalanceTooSoon(nextAllowedAt);
        }
        uint256 before = _totalAssets();
        if (partialStepsLeft > 0) --partialStepsLeft;
        else _restoreTargets();
        lastRebalanceAt = block.timestamp;
        ++rebalanceCount;
        emit IDeltaNeutralVault.Rebalanced(
            msg.sender,
            band,
            tier,
            before,
            _totalAssets(),
            spotQty,
            shortQty,
            _perpEquity()
        );
    }

    // ------------------------------------------------------------------ toy book

    function _perpEquity() private view returns (uint256) {
        int256 pnl = (int256(shortQty) * (int256(shortEntryPrice) - int256(price))) / int256(WAD);
        int256 equity = int256(margin) + pnl;
        return equity > 0 ? uint256(equity) : 0;
    }

    function _totalAssets() private view returns (uint256) {
        return idle + (spotQty * price) / WAD + _perpEquity();
    }

    function _marginRatioBps() private view returns (uint256) {
        uint256 notional = (shortQty * price) / WAD;
        if (notional == 0) return type(uint256).max;
        return (_perpEquity() * BPS) / notional;
    }

    function _deltaBps() private view returns (int256) {
        uint256 assets = _totalAssets();
        if (assets == 0) return 0;
        int256 net = int256(spotQty) - int256(shortQty);
        return (net * int256(price) * int256(BPS)) / int256(WAD) / int256(assets);
    }

    function _idleExcessBps() private view returns (uint256) {
        uint256 assets = _totalAssets();
        if (assets == 0) return 0;
        uint256 idleBps = (idle * BPS) / assets;
        return idleBps > _strategy.idleBufferBps ? idleBps - _strategy.idleBufferBps : 0;
    }

    /// @dev The most urgent breach: the highest tier wins; at equal tiers the order is margin low,
    /// delta, margin high, idle.
    function _gate() private view returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        IDeltaNeutralVault.Bands memory b = _bands;
        uint256 ratio = _marginRatioBps();
        int256 delta = _deltaBps();
        uint256 absDelta = uint256(delta >= 0 ? delta : -delta);
        uint256 idleExcess = _idleExcessBps();
        IDeltaNeutralVault.Tier t;
        t = _tier(ratio < b.minMarginRatioHardBps, ratio < b.minMarginRatioSoftBps);
        if (t > tier) (band, tier) = (IDeltaNeutralVault.Band.MarginLow, t);
        t = _tier(absDelta > b.deltaHardBps, absDelta > b.deltaSoftBps);
        if (t > tier) (band, tier) = (IDeltaNeutralVault.Band.Delta, t);
        bool hasShort = shortQty != 0;
        t = _tier(hasShort && ratio > b.maxMarginRatioHardBps, hasShort && ratio > b.maxMarginRatioSoftBps);
        if (t > tier) (band, tier) = (IDeltaNeutralVault.Band.MarginHigh, t);
        t = _tier(idleExcess > b.idleHardBps, idleExcess > b.idleSoftBps);
        if (t > tier) (band, tier) = (IDeltaNeutralVault.Band.Idle, t);
    }

    function _tier(bool hard, bool soft) private pure returns (IDeltaNeutralVault.Tier) {
        if (hard) return IDeltaNeutralVault.Tier.Hard;
        if (soft) return IDeltaNeutralVault.Tier.Soft;
        return IDeltaNeutralVault.Tier.None;
    }

    /// @dev The spec's targets: spot value S = (N - buffer)·L/(L+1), short = spot, margin S/L.
    function _restoreTargets() private {
        uint256 assets = _totalAssets();
        uint256 buffer = (assets * _strategy.idleBufferBps) / BPS;
        uint256 spotValue = ((assets - buffer) * _strategy.targetLeverageBps) / (_strategy.targetLeverageBps + BPS);
        uint256 newMargin = (spotValue * BPS) / _strategy.targetLeverageBps;
        spotQty = (spotValue * WAD) / price;
        shortQty = spotQty;
        shortEntryPrice = price;
        margin = newMargin;
        idle = assets - ((spotQty * price) / WAD) - newMargin;
    }
}
