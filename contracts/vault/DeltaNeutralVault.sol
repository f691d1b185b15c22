// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";
import {IPerpVenue} from "../interfaces/IPerpVenue.sol";
import {ISpotVenue} from "../interfaces/ISpotVenue.sol";
import {OracleLib} from "../libraries/OracleLib.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {VaultParams} from "./VaultParams.sol";

/// @title DeltaNeutralVault
/// @notice See IDeltaNeutralVault. The vault keeps the state machine; band maths lives in
/// VaultMath, parameter bounds in VaultParams, prices in OracleLib, trading behind the venues.
contract DeltaNeutralVault is IDeltaNeutralVault, ERC4626, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Math for uint256;
    using VaultMath for VaultMath.Snapshot;

    /// @notice Virtual shares: 10^6 share units per asset unit at start. Makes a first-depositor
    /// donation attack cost the attacker ~10^6 times what it could steal (OpenZeppelin ERC4626).
    uint8 private constant DECIMALS_OFFSET = 6;
    /// @notice Largest trade, in bps of NAV, a rebalance skips as too small to matter.
    uint256 private constant MAX_SKIP_BPS = 10;
    /// @notice Spot held below this (size units, 1e-6 of a token) with no short is dust: it is
    /// valued at zero rather than make an all-idle vault depend on the oracle (a donation of one
    /// wei would otherwise do that).
    uint256 private constant SPOT_DUST = 1e12;

    /// @notice Everything the constructor needs.
    struct Config {
        IERC20Metadata asset;
        IERC20Metadata spotToken;
        ISpotVenue spotVenue;
        IPerpVenue perpVenue;
        OracleLib.Feed feed;
        address admin;
        address guardian;
        string name;
        string symbol;
        Bands bands;
        Strategy strategy;
        uint256 depositCap;
    }

    IERC20 private immutable SPOT;
    ISpotVenue private immutable SPOT_VENUE;
    IPerpVenue private immutable PERP_VENUE;
    AggregatorV3Interface private immutable FEED_AGGREGATOR;
    uint32 private immutable FEED_HEARTBEAT;
    AggregatorV3Interface private immutable SEQUENCER_FEED;
    uint32 private immutable SEQUENCER_GRACE;
    /// @notice The feed's decimals, read once: Chainlink feeds never change them.
    uint8 private immutable FEED_DECIMALS;
    uint8 private immutable ASSET_DECIMALS;
    /// @notice Perp size units (18 decimals) per spot token unit.
    uint256 private immutable SIZE_PER_SPOT_UNIT;

    Bands private _bands;
    Strategy private _strategy;
    FeeConfig private _fees;
    uint64 private _lastRebalanceAt;
    uint256 private _depositCap;
    /// @inheritdoc IDeltaNeutralVault
    uint256 public highWaterMark;
    /// @inheritdoc IDeltaNeutralVault
    mapping(address account => bool) public isGuardian;
    /// @inheritdoc IDeltaNeutralVault
    mapping(address account => bool) public isKeeper;

    modifier onlyGuardian() {
        if (!isGuardian[_msgSender()]) revert NotGuardian(_msgSender());
        _;
    }

    constructor(Config memory config) ERC4626(config.asset) ERC20(config.name, config.symbol) Ownable(config.admin) {
        if (
            address(config.spotToken) == address(0) ||
            address(config.spotVenue) == address(0) ||
            address(config.perpVenue) == address(0) ||
            address(config.feed.aggregator) == address(0)
        ) revert ZeroAddress();
        if (config.perpVenue.collateralToken() != address(config.asset))
            revert VenueMismatch(address(config.perpVenue));
        uint8 spotDecimals = config.spotToken.decimals();
        ASSET_DECIMALS = config.asset.decimals();
        if (spotDecimals > 18) revert OracleLib.DecimalsTooLarge(spotDecimals);
        if (ASSET_DECIMALS > 18) revert OracleLib.DecimalsTooLarge(ASSET_DECIMALS);
        SIZE_PER_SPOT_UNIT = 10 ** (18 - spotDecimals);

        SPOT = config.spotToken;
        SPOT_VENUE = config.spotVenue;
        PERP_VENUE = config.perpVenue;
        FEED_AGGREGATOR = config.feed.aggregator;
        FEED_HEARTBEAT = config.feed.heartbeat;
        SEQUENCER_FEED = config.feed.sequencerUptimeFeed;
        SEQUENCER_GRACE = config.feed.sequencerGracePeriod;
        FEED_DECIMALS = config.feed.aggregator.decimals();
        if (config.guardian != address(0)) _setRole(isGuardian, config.guardian, true, false);

        VaultParams.checkStrategy(config.strategy);
        VaultParams.checkBands(config.bands, config.strategy, config.perpVenue.initialMarginBps());
        _bands = config.bands;
        _strategy = config.strategy;
        _depositCap = config.depositCap;
        emit BandsUpdated(config.bands);
        emit StrategyUpdated(config.strategy);
        emit DepositCapUpdated(config.depositCap);

        // Venues pull what they trade; approving once saves an approval per trade. The venues are
        // immutable and trusted with the vault's balances (see the threat model).
        IERC20(address(config.asset)).forceApprove(address(config.spotVenue), type(uint256).max);
        IERC20(address(config.spotToken)).forceApprove(address(config.spotVenue), type(uint256).max);
        IERC20(address(config.asset)).forceApprove(address(config.perpVenue), type(uint256).max);
    }

    // ---------------------------------------------------------------------------------------
    // ERC-4626 flows. Each computes the books once and prices every conversion from that snapshot.
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ERC4626
    /// @dev Fees owed are paid in new shares, so they dilute the supply rather than reduce assets.
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        return _snapshot().totalAssets;
    }

    /// @inheritdoc ERC4626
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 shares) {
        VaultMath.Snapshot memory s = _snapshot();
        _accrueFees(s);
        uint256 room = _maxDepositFor(s.totalAssets);
        if (assets > room) revert ERC4626ExceededMaxDeposit(receiver, assets, room);
        shares = _toShares(s, assets, Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc IDeltaNeutralVault
    function deposit(uint256 assets, address receiver, uint256 minShares) external returns (uint256 shares) {
        shares = deposit(assets, receiver);
        if (shares < minShares) revert DepositSharesBelowMin(shares, minShares);
    }

    /// @inheritdoc ERC4626
    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 assets) {
        VaultMath.Snapshot memory s = _snapshot();
        _accrueFees(s);
        assets = _toAssets(s, shares, Math.Rounding.Ceil);
        uint256 room = _maxDepositFor(s.totalAssets);
        if (assets > room) revert ERC4626ExceededMaxMint(receiver, shares, _maxMintFor(s, room));
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc IDeltaNeutralVault
    function mint(uint256 shares, address receiver, uint256 maxAssets) external returns (uint256 assets) {
        assets = mint(shares, receiver);
        if (assets > maxAssets) revert MintAssetsAboveMax(assets, maxAssets);
    }

    /// @inheritdoc ERC4626
    /// @dev Works while paused. Pays from idle first, else unwinds positions pro rata in the same
    /// transaction; the leaver pays the unwind's actual cost (measured on the books at the oracle
    /// price), never more than the worst case that `previewWithdraw` charges.
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        VaultMath.Snapshot memory s = _snapshot();
        _accrueFees(s);
        (uint256 worstShares, uint256 fractionWad) = _previewWithdraw(s, assets);
        uint256 maxShares = balanceOf(owner);
        if (worstShares > maxShares || fractionWad > VaultMath.WAD) {
            revert ERC4626ExceededMaxWithdraw(owner, assets, _previewRedeem(s, maxShares));
        }
        uint256 cost = _unwind(s, owner, fractionWad);
        // Rounded up against the leaver; priced on the books before the unwind.
        shares = _toShares(s, assets + cost, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IDeltaNeutralVault
    function withdraw(
        uint256 assets,
        address receiver,
        address owner,
        uint256 maxShares
    ) external returns (uint256 shares) {
        shares = withdraw(assets, receiver, owner);
        if (shares > maxShares) revert WithdrawSharesAboveMax(shares, maxShares);
    }

    /// @inheritdoc ERC4626
    /// @dev Works while paused; see `withdraw`. The leaver receives the shares' value less the
    /// unwind's actual cost.
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        uint256 maxShares = balanceOf(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        VaultMath.Snapshot memory s = _snapshot();
        _accrueFees(s);
        assets = _toAssets(s, shares, Math.Rounding.Floor);
        if (assets > s.idle) {
            uint256 cost = _unwind(s, owner, s.fractionForValue(assets - s.idle));
            // A dust redeem can cost its rounding allowance in full.
            assets = assets > cost ? assets - cost : 0;
            // The stayers' shares of spot and equity are rounded in their favour, which can leave
            // idle a unit or two short of value - cost: the leaver bears that rounding.
            assets = Math.min(assets, IERC20(asset()).balanceOf(address(this)));
        }
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IDeltaNeutralVault
    function redeem(
        uint256 shares,
        address receiver,
        address owner,
        uint256 minAssets
    ) external returns (uint256 assets) {
        assets = redeem(shares, receiver, owner);
        if (assets < minAssets) revert RedeemAssetsBelowMin(assets, minAssets);
    }

    /// @inheritdoc ERC4626
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        if (paused()) return 0;
        return _maxDepositFor(_snapshot().totalAssets);
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        if (paused()) return 0;
        VaultMath.Snapshot memory s = _viewSnapshot();
        return _maxMintFor(s, _maxDepositFor(s.totalAssets));
    }

    /// @inheritdoc ERC4626
    /// @dev The worst-case value of all the owner's shares, less a few units when an unwind is
    /// needed: withdraw and redeem round their worst cases separately, so the last units of a
    /// full redeem may not fit a withdraw of the same assets.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        VaultMath.Snapshot memory s = _viewSnapshot();
        uint256 assets = _previewRedeem(s, balanceOf(owner));
        if (assets <= s.idle) return assets;
        uint256 slack = 2 * VaultMath.UNWIND_ROUNDING_UNITS;
        return assets > s.idle + slack ? assets - slack : s.idle;
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        return balanceOf(owner);
    }

    /// @inheritdoc ERC4626
    /// @dev Counts the fee shares owed but not yet minted, as the flow itself mints them first.
    function previewWithdraw(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256 shares) {
        (shares, ) = _previewWithdraw(_viewSnapshot(), assets);
    }

    /// @inheritdoc ERC4626
    function previewRedeem(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return _previewRedeem(_viewSnapshot(), shares);
    }

    // ---------------------------------------------------------------------------------------
    // Rebalance
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDeltaNeutralVault
    function rebalance() public nonReentrant whenNotPaused returns (Band band, Tier tier) {
        VaultMath.Snapshot memory before = _snapshot();
        if (before.venueOrderPending) revert VenueOrderPending();
        _accrueFees(before);
        Strategy memory strat = _strategy;
        Bands memory b = _bands;
        (band, tier) = _classify(before, b, strat.idleBufferBps);
        _checkGate(_msgSender(), before, band, tier, strat.minRebalanceInterval);
        _lastRebalanceAt = uint64(block.timestamp);

        _moveToTargets(before, strat);

        VaultMath.Snapshot memory after_ = _snapshot();
        (Band left, ) = after_.classify(b, strat.idleBufferBps);
        if (left != Band.None) {
            revert BandStillBreached(left, after_.deltaBps(), after_.marginRatioBps(), after_.idleBps());
        }
        uint256 maxLoss = before.totalAssets.mulDiv(strat.maxRebalanceCostBps, VaultMath.BPS);
        if (after_.totalAssets + maxLoss < before.totalAssets) {
            revert CostTooHigh(before.totalAssets, after_.totalAssets, maxLoss);
        }
        emit Rebalanced(
            _msgSender(),
            band,
            tier,
            before.totalAssets,
            after_.totalAssets,
            after_.spotQty,
            after_.shortQty,
            after_.equityOrZero()
        );
    }

    /// @inheritdoc IDeltaNeutralVault
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        (Band band, Tier tier, bool allowedForKeeper) = _gateFor(true);
        return (allowedForKeeper, abi.encode(band, tier));
    }

    /// @inheritdoc IDeltaNeutralVault
    /// @dev `performData` is ignored: the gate is re-checked from live state, so a stale or forged
    /// payload cannot force a trade.
    function performUpkeep(bytes calldata) external {
        rebalance();
    }

    /// @inheritdoc IDeltaNeutralVault
    function rebalanceGate(address caller) external view returns (Band band, Tier tier, bool allowed) {
        return _gateFor(isKeeper[caller]);
    }

    /// @inheritdoc IDeltaNeutralVault
    function vaultState() external view returns (VaultState memory state) {
        VaultMath.Snapshot memory s = _viewSnapshot();
        (state.band, state.tier) = _classify(s, _bands, _strategy.idleBufferBps);
        state.totalAssets = s.totalAssets;
        state.totalSupply = totalSupply();
        state.sharePrice = _toAssets(s, 10 ** decimals(), Math.Rounding.Floor);
        state.price = s.price;
        state.spotQty = s.spotQty;
        state.shortQty = s.shortQty;
        state.perpEquity = s.equityOrZero();
        state.marginRatioBps = s.marginRatioBps();
        state.deltaBps = s.deltaBps();
        state.idle = s.idle;
        state.idleBps = s.idleBps();
        state.secondsSinceRebalance = block.timestamp - _lastRebalanceAt;
        state.nextKeeperRebalanceAt = uint256(_lastRebalanceAt) + _strategy.minRebalanceInterval;
        state.paused = paused();
    }

    // ---------------------------------------------------------------------------------------
    // Guardian
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDeltaNeutralVault
    function pause() external onlyGuardian {
        _pause();
    }

    /// @inheritdoc IDeltaNeutralVault
    function unpause() external onlyGuardian {
        _unpause();
    }

    /// @inheritdoc IDeltaNeutralVault
    function emergencyUnwind() external nonReentrant onlyGuardian {
        if (!paused()) _pause();
        VaultMath.Snapshot memory s = _snapshot();
        if (s.venueOrderPending) revert VenueOrderPending();
        uint256 slippage = _strategy.maxSlippageBps;
        // Spot dust without a short is left alone (unpriced, and too small to swap).
        if (s.price != 0) _sellSpot(s.spotQty / SIZE_PER_SPOT_UNIT, s.price, slippage);
        if (s.shortQty != 0) _decreaseShort(s.shortQty, VaultMath.plusBps(s.price, slippage));
        uint256 margin = _perpPosition().margin;
        // A venue that refuses to pay margin out (e.g. its pool in deficit) must not stop the
        // guardian from closing the positions: the margin stays claimable on the venue.
        if (margin != 0) {
            try PERP_VENUE.withdrawMargin(margin, address(this)) {} catch {} // solhint-disable-line no-empty-blocks
        }
        emit EmergencyUnwound(_msgSender(), _snapshot().totalAssets);
    }

    // ---------------------------------------------------------------------------------------
    // Admin: parameters within hard bounds (VaultParams), each setter emits its event.
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDeltaNeutralVault
    function setBands(Bands calldata newBands) external onlyOwner {
        VaultParams.checkBands(newBands, _strategy, PERP_VENUE.initialMarginBps());
        if (keccak256(abi.encode(newBands)) == keccak256(abi.encode(_bands))) revert ParameterUnchanged("bands");
        _bands = newBands;
        emit BandsUpdated(newBands);
    }

    /// @inheritdoc IDeltaNeutralVault
    function setStrategy(Strategy calldata newStrategy) external onlyOwner {
        VaultParams.checkStrategy(newStrategy);
        VaultParams.checkBands(_bands, newStrategy, PERP_VENUE.initialMarginBps());
        if (keccak256(abi.encode(newStrategy)) == keccak256(abi.encode(_strategy)))
            revert ParameterUnchanged("strategy");
        _strategy = newStrategy;
        emit StrategyUpdated(newStrategy);
    }

    /// @inheritdoc IDeltaNeutralVault
    function setDepositCap(uint256 newDepositCap) external onlyOwner {
        if (newDepositCap == _depositCap) revert ParameterUnchanged("depositCap");
        _depositCap = newDepositCap;
        emit DepositCapUpdated(newDepositCap);
    }

    /// @inheritdoc IDeltaNeutralVault
    function setFees(uint16 managementFeeBps, uint16 performanceFeeBps, address recipient) external onlyOwner {
        VaultParams.checkFees(managementFeeBps, performanceFeeBps);
        if ((managementFeeBps != 0 || performanceFeeBps != 0) && recipient == address(0)) revert ZeroAddress();
        FeeConfig memory current = _fees;
        if (
            current.managementFeeBps == managementFeeBps &&
            current.performanceFeeBps == performanceFeeBps &&
            current.recipient == recipient
        ) revert ParameterUnchanged("fees");
        // Settle what the old rates owe before the new ones apply.
        VaultMath.Snapshot memory s = _snapshot();
        _accrueFees(s);
        _fees = FeeConfig(recipient, managementFeeBps, performanceFeeBps, uint64(block.timestamp));
        // A performance fee only charges gains made after it is switched on.
        uint256 price = _toAssets(s, 10 ** decimals(), Math.Rounding.Floor);
        if (price > highWaterMark) highWaterMark = price;
        emit FeesUpdated(managementFeeBps, performanceFeeBps, recipient);
    }

    /// @inheritdoc IDeltaNeutralVault
    function setGuardian(address account, bool enabled) external onlyOwner {
        _setRole(isGuardian, account, enabled, false);
    }

    /// @inheritdoc IDeltaNeutralVault
    function setKeeper(address account, bool enabled) external onlyOwner {
        _setRole(isKeeper, account, enabled, true);
    }

    /// @inheritdoc IDeltaNeutralVault
    function accrueFees() external nonReentrant {
        _accrueFees(_snapshot());
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    function bands() external view returns (Bands memory) {
        return _bands;
    }

    function strategy() external view returns (Strategy memory) {
        return _strategy;
    }

    function depositCap() external view returns (uint256) {
        return _depositCap;
    }

    /// @inheritdoc IDeltaNeutralVault
    function fees() external view returns (FeeConfig memory) {
        return _fees;
    }

    function spotToken() external view returns (address) {
        return address(SPOT);
    }

    function spotVenue() external view returns (address) {
        return address(SPOT_VENUE);
    }

    function perpVenue() external view returns (address) {
        return address(PERP_VENUE);
    }

    function priceFeed() external view returns (address) {
        return address(FEED_AGGREGATOR);
    }

    /// @inheritdoc ERC4626
    function decimals() public view override(ERC4626, IERC20Metadata) returns (uint8) {
        return super.decimals();
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    /// @dev The books at the oracle price now.
    function _snapshot() internal view returns (VaultMath.Snapshot memory s) {
        s.idle = IERC20(asset()).balanceOf(address(this));
        s.spotQty = SPOT.balanceOf(address(this)) * SIZE_PER_SPOT_UNIT;
        IPerpVenue.Position memory p = _perpPosition();
        s.shortQty = p.shortSize;
        s.perpMargin = p.margin;
        s.venueOrderPending = p.pendingOrder;
        s.perpEquity = int256(p.margin) + p.unrealizedPnl + p.accruedFunding;
        if (s.shortQty != 0 || s.spotQty > SPOT_DUST) {
            s.price = _price();
            s.spotValue = OracleLib.baseToQuoteDown(s.spotQty, s.price, 18, ASSET_DECIMALS);
            s.shortNotional = OracleLib.baseToQuoteUp(s.shortQty, s.price, 18, ASSET_DECIMALS);
            uint256 gap = s.spotQty > s.shortQty ? s.spotQty - s.shortQty : s.shortQty - s.spotQty;
            s.gapValue = OracleLib.baseToQuoteUp(gap, s.price, 18, ASSET_DECIMALS);
        }
        // Otherwise the book is idle (or holds unpriced dust): it needs no price, and reports 0.
        s.totalAssets = s.idle + s.spotValue + s.equityOrZero();
        s.supply = totalSupply();
    }

    /// @dev The books as a flow will see them: the supply counts the fee shares owed now, which
    /// every flow mints before it prices anything (ERC-4626 previews must match execution).
    function _viewSnapshot() internal view returns (VaultMath.Snapshot memory s) {
        s = _snapshot();
        (uint256 feeShares, , ) = _feesOwed(s, _fees);
        s.supply += feeShares;
    }

    /// @dev OpenZeppelin's previewDeposit, previewMint and convertTo* price through these.
    function _convertToShares(uint256 assets, Math.Rounding rounding) internal view override returns (uint256) {
        return _toShares(_viewSnapshot(), assets, rounding);
    }

    function _convertToAssets(uint256 shares, Math.Rounding rounding) internal view override returns (uint256) {
        return _toAssets(_viewSnapshot(), shares, rounding);
    }

    function _perpPosition() internal view returns (IPerpVenue.Position memory) {
        return PERP_VENUE.position();
    }

    function _price() internal view returns (uint256) {
        return
            OracleLib.readPriceWad(
                OracleLib.Feed(FEED_AGGREGATOR, FEED_HEARTBEAT, SEQUENCER_FEED, SEQUENCER_GRACE),
                FEED_DECIMALS
            );
    }

    function _toShares(
        VaultMath.Snapshot memory s,
        uint256 assets,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return assets.mulDiv(s.supply + 10 ** DECIMALS_OFFSET, s.totalAssets + 1, rounding);
    }

    function _toAssets(
        VaultMath.Snapshot memory s,
        uint256 shares,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return shares.mulDiv(s.totalAssets + 1, s.supply + 10 ** DECIMALS_OFFSET, rounding);
    }

    function _maxDepositFor(uint256 nav) internal view returns (uint256) {
        uint256 cap = _depositCap;
        return nav >= cap ? 0 : cap - nav;
    }

    /// @dev Shares `room` assets buy, saturating at type(uint256).max: with an unlimited cap the
    /// exact figure overflows, and ERC-4626's maxMint must not revert.
    function _maxMintFor(VaultMath.Snapshot memory s, uint256 room) internal pure returns (uint256) {
        if (room == type(uint256).max) return room;
        (bool fits, uint256 product) = Math.tryMul(room, s.supply + 10 ** DECIMALS_OFFSET);
        return fits ? product / (s.totalAssets + 1) : type(uint256).max;
    }

    /// @dev Worst-case shares to burn for `assets` and the unwind fraction it needs.
    function _previewWithdraw(
        VaultMath.Snapshot memory s,
        uint256 assets
    ) internal view returns (uint256 shares, uint256 fractionWad) {
        uint256 slippage = _strategy.maxSlippageBps;
        fractionWad = s.fractionForProceeds(assets > s.idle ? assets - s.idle : 0, slippage);
        uint256 worstCost = fractionWad > VaultMath.WAD ? 0 : s.worstUnwindCost(fractionWad, slippage);
        // Rounded up: the leaver never burns fewer shares than their assets and costs are worth.
        shares = _toShares(s, assets + worstCost, Math.Rounding.Ceil);
    }

    /// @dev Worst-case assets paid for `shares`: their value less the worst-case unwind cost.
    function _previewRedeem(VaultMath.Snapshot memory s, uint256 shares) internal view returns (uint256) {
        uint256 value = _toAssets(s, shares, Math.Rounding.Floor);
        if (value <= s.idle) return value;
        uint256 worstCost = s.worstUnwindCost(s.fractionForValue(value - s.idle), _strategy.maxSlippageBps);
        return value > worstCost ? value - worstCost : 0;
    }

    /// @dev Sells `fractionWad` of the spot, buys back the same share of the short and frees the
    /// same share of the equity. Each trade is bounded by the oracle price and the slippage
    /// setting, and the books may lose at most the worst case the previews charge.
    /// @return cost What the books lost, at the oracle price (the leaver pays it).
    function _unwind(VaultMath.Snapshot memory s, address owner, uint256 fractionWad) internal returns (uint256 cost) {
        if (fractionWad == 0) return 0;
        if (s.venueOrderPending) revert VenueOrderPending();
        uint256 slippage = _strategy.maxSlippageBps;
        uint256 spotHeld = s.spotQty / SIZE_PER_SPOT_UNIT;
        // Rounded up so the proceeds cover what the leaver is owed; capped at what is held.
        uint256 spotUnits = Math.min(spotHeld.mulDiv(fractionWad, VaultMath.WAD, Math.Rounding.Ceil), spotHeld);
        uint256 shortReduce = Math.min(s.shortQty.mulDiv(fractionWad, VaultMath.WAD, Math.Rounding.Ceil), s.shortQty);
        // The stayers keep their share of the perp equity, rounded in their favour; the leaver's
        // proceeds carry the buy-back's cost. (A skew-premium gain lands in idle, and with the
        // cost floored at zero it stays with the stayers.)
        uint256 stayersEquity = s.equityOrZero().mulDiv(VaultMath.WAD - fractionWad, VaultMath.WAD, Math.Rounding.Ceil);

        _sellSpot(spotUnits, s.price, slippage);
        if (shortReduce != 0) _decreaseShort(shortReduce, VaultMath.plusBps(s.price, slippage));
        uint256 equityNow = VaultMath.positivePart(PERP_VENUE.equity());
        uint256 marginOut = equityNow > stayersEquity ? equityNow - stayersEquity : 0;
        if (marginOut != 0) PERP_VENUE.withdrawMargin(marginOut, address(this));

        uint256 navAfter = _snapshot().totalAssets;
        cost = navAfter >= s.totalAssets ? 0 : s.totalAssets - navAfter;
        uint256 worstCost = s.worstUnwindCost(fractionWad, slippage);
        if (cost > worstCost) revert CostTooHigh(s.totalAssets, navAfter, worstCost);
        emit Unwound(owner, spotUnits, shortReduce, marginOut, cost);
    }

    /// @dev Buys back part of the short; an order only queued by an asynchronous venue reverts the
    /// whole flow, so no margin is freed against a buy-back still to come.
    function _decreaseShort(uint256 size, uint256 maxFillPrice) internal {
        (bool filled, ) = PERP_VENUE.decreaseShort(size, maxFillPrice);
        if (!filled) revert VenueOrderPending();
    }

    /// @dev Sells `units` spot tokens for the asset with an oracle-bounded minimum.
    function _sellSpot(uint256 units, uint256 price, uint256 slippage) internal {
        if (units == 0) return;
        uint256 minOut = VaultMath.lessBps(
            OracleLib.baseToQuoteDown(units * SIZE_PER_SPOT_UNIT, price, 18, ASSET_DECIMALS),
            slippage
        );
        _swap(SPOT, IERC20(asset()), units, minOut);
    }

    /// @dev Buys spot with `assetsIn` of the asset with an oracle-bounded minimum.
    function _buySpot(uint256 assetsIn, uint256 price, uint256 slippage) internal {
        if (assetsIn == 0) return;
        uint256 minOut = VaultMath.lessBps(
            OracleLib.quoteToBaseDown(assetsIn, price, 18, ASSET_DECIMALS) / SIZE_PER_SPOT_UNIT,
            slippage
        );
        _swap(IERC20(asset()), SPOT, assetsIn, minOut);
    }

    /// @dev Swaps through the spot venue and checks what actually arrived: the venue enforces the
    /// minimum too, but the vault does not take its word for it.
    function _swap(IERC20 tokenIn, IERC20 tokenOut, uint256 amountIn, uint256 minOut) internal {
        uint256 before = tokenOut.balanceOf(address(this));
        SPOT_VENUE.swapExactIn(address(tokenIn), address(tokenOut), amountIn, minOut, address(this));
        uint256 received = tokenOut.balanceOf(address(this)) - before;
        if (received < minOut) revert SpotOutputTooLow(received, minOut);
    }

    /// @dev Restores the targets: spot at S*, the short equal to the spot actually held, perp
    /// equity at notional / L, the rest idle. Order keeps every step within the venue's margin
    /// rules: excess margin is freed first (after a fall it pays for the spot to buy), margin is
    /// added before the short grows, and the last excess is freed only after the short shrinks.
    function _moveToTargets(VaultMath.Snapshot memory s, Strategy memory strat) internal {
        uint256 price = s.price == 0 ? _price() : s.price;
        uint256 slippage = strat.maxSlippageBps;
        // Trades smaller than a quarter of the narrowest soft band would not move any band; skip them.
        Bands memory b = _bands;
        // Capped at 10 bps of NAV so wide bands never skip a trade that a margin top-up needs.
        uint256 narrowest = Math.min(Math.min(b.deltaSoftBps, b.idleSoftBps), MAX_SKIP_BPS * 4);
        uint256 tolerance = s.totalAssets.mulDiv(narrowest, 4 * VaultMath.BPS);
        uint256 spotTarget = VaultMath.targetSpotValue(s.totalAssets, strat.idleBufferBps, strat.targetLeverageBps);
        uint256 equity = s.equityOrZero();

        // 1. Free margin beyond what the planned short needs (this funds spot bought after a fall).
        uint256 plannedMargin = VaultMath.targetMargin(spotTarget, strat.targetLeverageBps);
        if (equity > plannedMargin + tolerance) {
            uint256 freed = equity - plannedMargin;
            // A withdrawal within settled margin leaves the rest of it to pay the venue's fees on
            // the trades that follow; keep a reserve for them. (Beyond settled margin the venue
            // realises profit first and the whole planned margin stays settled.)
            uint256 feeReserve = spotTarget.mulDiv(slippage, VaultMath.BPS, Math.Rounding.Ceil);
            if (freed <= s.perpMargin && s.perpMargin - freed < feeReserve) {
                freed = s.perpMargin > feeReserve ? s.perpMargin - feeReserve : 0;
            }
            if (freed != 0) PERP_VENUE.withdrawMargin(freed, address(this));
            equity -= freed;
        }

        // 2. Spot to its target value.
        if (spotTarget > s.spotValue + tolerance) {
            _buySpot(Math.min(spotTarget - s.spotValue, IERC20(asset()).balanceOf(address(this))), price, slippage);
        } else if (s.spotValue > spotTarget + tolerance) {
            uint256 sellSize = OracleLib.quoteToBaseUp(s.spotValue - spotTarget, price, 18, ASSET_DECIMALS);
            _sellSpot(Math.min(sellSize, s.spotQty) / SIZE_PER_SPOT_UNIT, price, slippage);
        }

        // 3. Margin for the short sized from the spot actually held, then the short itself.
        uint256 shortTarget = SPOT.balanceOf(address(this)) * SIZE_PER_SPOT_UNIT;
        uint256 marginTarget = VaultMath.targetMargin(
            OracleLib.baseToQuoteUp(shortTarget, price, 18, ASSET_DECIMALS),
            strat.targetLeverageBps
        );
        if (marginTarget > equity) {
            uint256 topUp = Math.min(marginTarget - equity, IERC20(asset()).balanceOf(address(this)));
            if (topUp != 0) PERP_VENUE.depositMargin(topUp);
        }
        if (shortTarget > s.shortQty) {
            (bool filled, ) = PERP_VENUE.increaseShort(shortTarget - s.shortQty, VaultMath.lessBps(price, slippage));
            // An asynchronous venue that only queued the order: nothing may be priced on it yet.
            if (!filled) revert VenueOrderPending();
        } else if (s.shortQty > shortTarget) {
            _decreaseShort(s.shortQty - shortTarget, VaultMath.plusBps(price, slippage));
        }

        // 4. Whatever margin the smaller short no longer needs goes back to idle.
        if (equity > marginTarget) {
            IPerpVenue.Position memory p = _perpPosition();
            uint256 equityNow = VaultMath.positivePart(int256(p.margin) + p.unrealizedPnl + p.accruedFunding);
            if (equityNow > marginTarget) PERP_VENUE.withdrawMargin(equityNow - marginTarget, address(this));
        }
    }

    function _setRole(mapping(address => bool) storage role, address account, bool enabled, bool keeper) internal {
        if (account == address(0)) revert ZeroAddress();
        if (role[account] == enabled) revert ParameterUnchanged(keeper ? bytes32("keeper") : bytes32("guardian"));
        role[account] = enabled;
        if (keeper) emit KeeperSet(account, enabled);
        else emit GuardianSet(account, enabled);
    }

    function _gateFor(bool callerIsKeeper) internal view returns (Band band, Tier tier, bool allowed) {
        VaultMath.Snapshot memory s = _snapshot();
        (band, tier) = _classify(s, _bands, _strategy.idleBufferBps);
        if (paused() || tier == Tier.None) return (band, tier, false);
        if (tier == Tier.Hard) return (band, tier, true);
        allowed = callerIsKeeper && block.timestamp >= uint256(_lastRebalanceAt) + _strategy.minRebalanceInterval;
    }

    /// @dev Bands of the books; a vault without shares has nobody to manage for, so dust donated
    /// to it is never a breach (it could not be traded anyway).
    function _classify(
        VaultMath.Snapshot memory s,
        Bands memory b,
        uint256 idleBufferBps
    ) internal view returns (Band, Tier) {
        if (totalSupply() == 0) return (Band.None, Tier.None);
        return s.classify(b, idleBufferBps);
    }

    function _checkGate(
        address caller,
        VaultMath.Snapshot memory s,
        Band band,
        Tier tier,
        uint256 interval
    ) internal view {
        if (tier == Tier.None) revert WithinBands(s.deltaBps(), s.marginRatioBps(), s.idleBps());
        if (tier == Tier.Hard) return;
        if (!isKeeper[caller]) revert RebalanceNotAllowed(caller, band, tier);
        uint256 next = uint256(_lastRebalanceAt) + interval;
        if (block.timestamp < next) revert RebalanceTooSoon(next);
    }

    /// @dev Mints the management and performance fees owed as shares and brings `s.supply` up
    /// to date (fees dilute shares, they do not move assets). One storage read when fees are off.
    function _accrueFees(VaultMath.Snapshot memory s) internal {
        FeeConfig memory f = _fees;
        if (f.managementFeeBps == 0 && f.performanceFeeBps == 0) return;
        if (block.timestamp == f.lastAccruedAt) return;
        _fees.lastAccruedAt = uint64(block.timestamp);
        (uint256 feeShares, uint256 managementShares, uint256 mark) = _feesOwed(s, f);
        if (feeShares == 0) return;
        _mint(f.recipient, feeShares);
        s.supply += feeShares;
        if (mark != highWaterMark) highWaterMark = mark;
        emit FeesAccrued(managementShares, feeShares - managementShares, mark);
    }

    /// @dev Fee shares owed on the books `s` since the last accrual (see VaultMath.feesOwed).
    function _feesOwed(
        VaultMath.Snapshot memory s,
        FeeConfig memory f
    ) internal view returns (uint256 feeShares, uint256 managementShares, uint256 mark) {
        if (f.managementFeeBps == 0 && f.performanceFeeBps == 0) return (0, 0, highWaterMark);
        return
            VaultMath.feesOwed(
                VaultMath.FeeInput({
                    nav: s.totalAssets,
                    supply: s.supply,
                    virtualShares: 10 ** DECIMALS_OFFSET,
                    oneShare: 10 ** decimals(),
                    elapsed: block.timestamp - f.lastAccruedAt,
                    managementFeeBps: f.managementFeeBps,
                    performanceFeeBps: f.performanceFeeBps,
                    highWaterMark: highWaterMark
                })
            );
    }
}
