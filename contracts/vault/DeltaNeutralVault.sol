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
import {SpotCollateralTrading} from "./SpotCollateralTrading.sol";
import {VaultBands} from "./VaultBands.sol";
import {VaultParams} from "./VaultParams.sol";
import {VaultPrices} from "./VaultPrices.sol";
import {VaultTrading} from "./VaultTrading.sol";

/// @title DeltaNeutralVault
/// @notice See IDeltaNeutralVault. The vault keeps the state machine (flows, gate, roles, fees);
/// the maths lives in VaultMath (bands, rebalance plan, progress check, charges), parameter bounds
/// in VaultParams, prices in OracleLib, and how a plan, an unwind or the emergency close is
/// carried out on the venues in VaultTrading (CashMargin mode) or SpotCollateralTrading.
contract DeltaNeutralVault is IDeltaNeutralVault, ERC4626, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Math for uint256;
    using VaultMath for VaultMath.Snapshot;

    /// @notice Virtual shares: 10^6 share units per asset unit at start. Makes a first-depositor
    /// donation attack cost the attacker ~10^6 times what it could steal (OpenZeppelin ERC4626).
    uint8 private constant DECIMALS_OFFSET = 6;
    /// @notice Spot or short below this is dust (VaultMath.SPOT_DUST).
    uint256 private constant SPOT_DUST = VaultMath.SPOT_DUST;

    /// @notice Everything the constructor needs.
    struct Config {
        IERC20Metadata asset;
        IERC20Metadata spotToken;
        ISpotVenue spotVenue;
        IPerpVenue perpVenue;
        /// The spot token's USD feed (e.g. ETH/USD) and its checks.
        OracleLib.Feed feed;
        /// The asset's own USD feed (e.g. USDC/USD), checked like `feed`; a zero aggregator
        /// values the asset at one dollar. Its sequencer fields are unused (`feed`'s apply).
        OracleLib.Feed assetFeed;
        address admin;
        address guardian;
        string name;
        string symbol;
        Bands bands;
        Strategy strategy;
        uint256 depositCap;
        HedgeMode hedgeMode;
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
    /// @notice The bounds the feed's aggregator clamps answers to (0, 0 if it exposes none).
    int256 private immutable FEED_MIN_ANSWER;
    int256 private immutable FEED_MAX_ANSWER;
    AggregatorV3Interface private immutable ASSET_FEED_AGGREGATOR;
    uint32 private immutable ASSET_FEED_HEARTBEAT;
    uint8 private immutable ASSET_FEED_DECIMALS;
    int256 private immutable ASSET_FEED_MIN_ANSWER;
    int256 private immutable ASSET_FEED_MAX_ANSWER;
    uint8 private immutable ASSET_DECIMALS;
    /// @notice Perp size units (18 decimals) per spot token unit.
    uint256 private immutable SIZE_PER_SPOT_UNIT;
    /// @inheritdoc IDeltaNeutralVault
    HedgeMode public immutable hedgeMode;
    /// @notice The perp venue queues orders that fill later (IPerpVenue.fillsLater, read once).
    bool private immutable FILLS_LATER;

    Bands private _bands;
    Strategy private _strategy;
    FeeConfig private _fees;
    uint64 private _lastRebalanceAt;
    /// @notice When the guardian last unwound everything, until the admin unpauses (0 otherwise).
    uint64 private _unwoundAt;
    /// @dev When bands or strategy last changed (see VaultParams.PARAMS_SETTLE_DELAY).
    uint64 private _paramsChangedAt;
    uint256 private _depositCap;
    /// @notice The round awaiting `settleRound` (submittedAt 0 when none).
    PendingRound private _round;
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
        hedgeMode = config.hedgeMode;
        if (
            config.hedgeMode == HedgeMode.SpotCollateral &&
            config.perpVenue.baseCollateralToken() != address(config.spotToken)
        ) revert VenueTakesNoSpotCollateral(address(config.perpVenue), address(config.spotToken));
        uint8 spotDecimals = config.spotToken.decimals();
        ASSET_DECIMALS = config.asset.decimals();
        if (spotDecimals > 18) revert DecimalsTooLarge(spotDecimals);
        if (ASSET_DECIMALS > 18) revert DecimalsTooLarge(ASSET_DECIMALS);
        SIZE_PER_SPOT_UNIT = 10 ** (18 - spotDecimals);
        FILLS_LATER = config.perpVenue.fillsLater();

        SPOT = config.spotToken;
        SPOT_VENUE = config.spotVenue;
        PERP_VENUE = config.perpVenue;
        FEED_AGGREGATOR = config.feed.aggregator;
        FEED_HEARTBEAT = config.feed.heartbeat;
        SEQUENCER_FEED = config.feed.sequencerUptimeFeed;
        SEQUENCER_GRACE = config.feed.sequencerGracePeriod;
        FEED_DECIMALS = config.feed.aggregator.decimals();
        (FEED_MIN_ANSWER, FEED_MAX_ANSWER) = OracleLib.answerBounds(config.feed.aggregator);
        ASSET_FEED_AGGREGATOR = config.assetFeed.aggregator;
        ASSET_FEED_HEARTBEAT = config.assetFeed.heartbeat;
        if (address(config.assetFeed.aggregator) != address(0)) {
            ASSET_FEED_DECIMALS = config.assetFeed.aggregator.decimals();
            (ASSET_FEED_MIN_ANSWER, ASSET_FEED_MAX_ANSWER) = OracleLib.answerBounds(config.assetFeed.aggregator);
        }
        if (config.guardian != address(0)) _setRole(isGuardian, config.guardian, true, false);

        VaultParams.checkStrategy(config.strategy);
        VaultParams.checkBands(config.bands, config.strategy, config.perpVenue, config.hedgeMode);
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
        if (config.hedgeMode == HedgeMode.SpotCollateral) {
            IERC20(address(config.spotToken)).forceApprove(address(config.perpVenue), type(uint256).max);
        }
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
    /// @dev The depositor pays for deploying its deposit, so that nobody can make holders pay for
    /// it. A SpotCollateral vault whose book is hedged on a venue that fills now deploys the
    /// deposit in the same transaction (SpotCollateralTrading.hedgeDeposit) and charges its actual
    /// cost on the books at the oracle price, plus the entry charge on what the pool did not take
    /// (left idle for the idle band), never more than the entry charge in all; otherwise (and for
    /// a dust deposit) the deposit stays idle and pays the entry charge (see `previewDeposit`).
    /// `mint` always leaves its payment idle.
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 shares) {
        VaultMath.Snapshot memory s = _snapshot();
        _checkVenuePays(s);
        _accrueFees(s);
        uint256 room = _maxDepositFor(s.totalAssets);
        if (assets > room) revert ERC4626ExceededMaxDeposit(receiver, assets, room);
        uint256 charge = _entryCharge(assets);
        // A deposit whose charge cannot cover its trades' roundings (the allowance an unwind has)
        // stays idle: its deployment could only revert CostTooHigh.
        if (charge <= VaultMath.UNWIND_ROUNDING_UNITS || !_deploysDeposits(s)) return _depositIdle(s, assets, receiver);
        SafeERC20.safeTransferFrom(IERC20(asset()), _msgSender(), address(this), assets);
        uint256 buffer = _strategy.idleBufferBps;
        uint256 unspent = SpotCollateralTrading.hedgeDeposit(
            _venues(),
            s,
            assets,
            buffer,
            _tradingStrategy().maxSlippageBps
        );
        uint256 navAfter = _snapshot().totalAssets;
        uint256 navHeld = s.totalAssets + assets;
        // A gain (a fill better than the oracle) stays with the holders.
        uint256 cost = navHeld > navAfter ? navHeld - navAfter : 0;
        if (cost > charge) revert CostTooHigh(navHeld, navAfter, charge);
        // The unspent part pays what an idle deposit whose deployable part it is would pay.
        if (unspent != 0)
            cost += _entryCharge(unspent.mulDiv(VaultMath.BPS, VaultMath.BPS - buffer, Math.Rounding.Ceil));
        // Priced on the books before the deposit, rounded down (against the depositor).
        shares = _toShares(s, assets - Math.min(cost, charge), Math.Rounding.Floor);
        _mint(receiver, shares);
        emit Deposit(_msgSender(), receiver, assets, shares);
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
        _checkVenuePays(s);
        _accrueFees(s);
        assets = _assetsForMint(s, shares);
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
        if (paused() || !_booksReadable()) return 0;
        VaultMath.Snapshot memory s = _snapshot();
        return s.venueImpaired ? 0 : _maxDepositFor(s.totalAssets);
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        if (paused() || !_booksReadable()) return 0;
        VaultMath.Snapshot memory s = _viewSnapshot();
        return s.venueImpaired ? 0 : _maxMintFor(s, _maxDepositFor(s.totalAssets));
    }

    /// @inheritdoc ERC4626
    /// @dev The worst-case value of all the owner's shares, less a few units when an unwind is
    /// needed: withdraw and redeem round their worst cases separately, so the last units of a
    /// full redeem may not fit a withdraw of the same assets.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        if (!_booksReadable()) return 0;
        VaultMath.Snapshot memory s = _viewSnapshot();
        uint256 assets = _previewRedeem(s, balanceOf(owner));
        if (assets <= s.idle) return assets;
        if (_idleOnly(s)) return s.idle;
        uint256 slack = 2 * VaultMath.UNWIND_ROUNDING_UNITS;
        return assets > s.idle + slack ? assets - slack : s.idle;
    }

    /// @inheritdoc ERC4626
    /// @dev All the owner's shares, but only what idle pays when exits are paid from idle only.
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 shares = balanceOf(owner);
        if (shares == 0 || !_booksReadable()) return 0;
        VaultMath.Snapshot memory s = _viewSnapshot();
        if (!_idleOnly(s)) return shares;
        return Math.min(shares, _toShares(s, s.idle, Math.Rounding.Floor));
    }

    /// @inheritdoc ERC4626
    /// @dev Net of the entry charge: the worst-case cost of deploying the deposit, kept by the
    /// vault (VaultMath.entryChargeWad). Counts the fee shares owed but not yet minted.
    function previewDeposit(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return _sharesForDeposit(_viewSnapshot(), assets);
    }

    /// @inheritdoc ERC4626
    /// @dev The shares' value plus the entry charge on the whole payment (see `previewDeposit`).
    function previewMint(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return _assetsForMint(_viewSnapshot(), shares);
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
        if (before.venueOrderPending || _round.submittedAt != 0) revert VenueOrderPending();
        _checkVenuePays(before);
        _accrueFees(before);
        Strategy memory strat = _tradingStrategy();
        Bands memory b = _bands;
        (band, tier, ) = VaultBands.gate(before, b, strat, _gateInput(_msgSender(), isKeeper[_msgSender()], true));
        _lastRebalanceAt = uint64(block.timestamp);

        if (before.price == 0) (before.price, before.perpPrice) = _prices();
        VaultTrading.Queued memory q =
            hedgeMode == HedgeMode.SpotCollateral
                ? SpotCollateralTrading.carryOut(_venues(), before, strat, b, band)
                : VaultTrading.carryOut(_venues(), before, strat, b, band);

        VaultMath.Snapshot memory after_ = _snapshot();
        if (q.queued) {
            // Only the first phase's cost can be checked now (submitRound); the order's price
            // bound bounds its fill.
            VaultTrading.submitRound(
                _round,
                PERP_VENUE,
                band,
                tier,
                strat.maxRebalanceCostBps,
                before.totalAssets,
                after_.totalAssets,
                q
            );
            return (band, tier);
        }
        VaultBands.checkOutcome(before, after_, band, b, strat);
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
    function settleRound() public nonReentrant returns (bool orderFilled) {
        bool expiredOrderCancelled = VaultTrading.openSettlement(_round, PERP_VENUE);
        VaultMath.Snapshot memory s = _snapshot();
        if (s.price == 0) (s.price, s.perpPrice) = _prices();
        orderFilled = s.shortQty == _round.shortTarget;
        // A venue that cannot pay frees nothing: the round ends, and exits are paid from idle.
        if (!s.venueImpaired) {
            Strategy memory strat = _tradingStrategy();
            if (hedgeMode == HedgeMode.SpotCollateral) {
                SpotCollateralTrading.settle(_venues(), s, strat, _bands, _round, orderFilled);
            } else VaultTrading.settle(_venues(), s, strat.maxSlippageBps, _round, orderFilled);
        }
        VaultTrading.closeSettlement(_round, orderFilled, expiredOrderCancelled, _snapshot());
    }

    /// @inheritdoc IDeltaNeutralVault
    function pendingRound() external view returns (PendingRound memory) {
        return _round;
    }

    /// @inheritdoc IDeltaNeutralVault
    /// @dev While a round is pending, upkeep is needed once it can be settled.
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        if (_round.submittedAt != 0) return (VaultTrading.roundSettleable(_round, PERP_VENUE), "");
        (Band band, Tier tier, bool allowedForKeeper) = VaultBands.gate(
            _snapshot(),
            _bands,
            _strategy,
            _gateInput(address(0), true, false)
        );
        return (allowedForKeeper, abi.encode(band, tier));
    }

    /// @inheritdoc IDeltaNeutralVault
    /// @dev `performData` is ignored: the gate is re-checked from live state, so a stale or forged
    /// payload cannot force a trade.
    function performUpkeep(bytes calldata) external {
        if (_round.submittedAt != 0) settleRound();
        else rebalance();
    }

    /// @inheritdoc IDeltaNeutralVault
    function rebalanceGate(address caller) external view returns (Band band, Tier tier, bool allowed) {
        return VaultBands.gate(_snapshot(), _bands, _strategy, _gateInput(caller, isKeeper[caller], false));
    }

    /// @inheritdoc IDeltaNeutralVault
    function vaultState() external view returns (VaultState memory state) {
        VaultMath.Snapshot memory s = _viewSnapshot();
        uint256 sharePrice = _toAssets(s, 10 ** decimals(), Math.Rounding.Floor);
        return VaultBands.state(s, _bands, _strategy, _gateInput(address(0), false, false), sharePrice);
    }

    // ---------------------------------------------------------------------------------------
    // Guardian
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDeltaNeutralVault
    function pause() external onlyGuardian {
        _pause();
    }

    /// @inheritdoc IDeltaNeutralVault
    /// @dev After an emergency unwind, unpausing (which lets the book be redeployed) takes the
    /// admin and VaultParams.REDEPLOY_DELAY: the guardian alone cannot loop unwind, unpause,
    /// rebalance to sandwich each redeployment.
    function unpause() external {
        uint256 unwoundAt = _unwoundAt;
        if (unwoundAt == 0) {
            if (!isGuardian[_msgSender()]) revert NotGuardian(_msgSender());
        } else {
            _checkOwner();
            uint256 allowedAt = unwoundAt + VaultParams.REDEPLOY_DELAY;
            if (block.timestamp < allowedAt) revert RedeployTooSoon(allowedAt);
            _unwoundAt = 0;
        }
        _unpause();
    }

    /// @inheritdoc IDeltaNeutralVault
    function emergencyUnwind() external nonReentrant onlyGuardian {
        if (!paused()) _pause();
        VaultMath.Snapshot memory s = _snapshot();
        // A pending round settles first (settleRound); the pause stays meanwhile.
        if (s.venueOrderPending || _round.submittedAt != 0) return;
        VaultTrading.Queued memory q =
            hedgeMode == HedgeMode.SpotCollateral
                ? SpotCollateralTrading.closeAll(_venues(), s, _strategy.maxSlippageBps)
                : VaultTrading.closeAll(_venues(), s, _strategy.maxSlippageBps);
        // Only an unwind of positions starts the redeploy delay: re-running it on an idle book
        // would let the guardian postpone the admin's redeploy forever.
        if (s.shortQty != 0 || s.spotQty > SPOT_DUST) _unwoundAt = uint64(block.timestamp);
        uint256 navAfter = _snapshot().totalAssets;
        if (q.queued) VaultTrading.submitRound(_round, PERP_VENUE, Band.None, Tier.None, 0, s.totalAssets, navAfter, q);
        emit EmergencyUnwound(_msgSender(), navAfter);
    }

    // ---------------------------------------------------------------------------------------
    // Admin: parameters within hard bounds (VaultParams), each setter emits its event.
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IDeltaNeutralVault
    function setBands(Bands calldata newBands) external onlyOwner {
        VaultParams.checkBands(newBands, _strategy, PERP_VENUE, hedgeMode);
        if (keccak256(abi.encode(newBands)) == keccak256(abi.encode(_bands))) revert ParameterUnchanged("bands");
        _bands = newBands;
        _paramsChangedAt = uint64(block.timestamp);
        emit BandsUpdated(newBands);
    }

    /// @inheritdoc IDeltaNeutralVault
    function setStrategy(Strategy calldata newStrategy) external onlyOwner {
        VaultParams.checkStrategy(newStrategy);
        VaultParams.checkBands(_bands, newStrategy, PERP_VENUE, hedgeMode);
        if (keccak256(abi.encode(newStrategy)) == keccak256(abi.encode(_strategy)))
            revert ParameterUnchanged("strategy");
        _strategy = newStrategy;
        _paramsChangedAt = uint64(block.timestamp);
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

    /// @inheritdoc IDeltaNeutralVault
    function assetPriceFeed() external view returns (address) {
        return address(ASSET_FEED_AGGREGATOR);
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
        IPerpVenue.Position memory p = PERP_VENUE.position();
        s.shortQty = p.shortSize;
        s.perpMargin = p.margin;
        s.venueOrderPending = p.pendingOrder;
        s.perpEquity = int256(p.margin) - int256(p.marginDebt) + p.unrealizedPnl + p.accruedFunding;
        // The posted collateral is spot the vault owns: it counts in spotQty (delta) and, at the
        // oracle price, in the account's value.
        s.collateralQty = p.collateral;
        uint256 heldQty = s.spotQty;
        s.spotQty += p.collateral;
        if (s.shortQty != 0 || s.spotQty > SPOT_DUST) {
            (s.price, s.perpPrice) = _prices();
            s.spotValue = OracleLib.baseToQuoteDown(heldQty, s.price, 18, ASSET_DECIMALS);
            s.haircutBps = _haircutBps();
            s.collateralValue = OracleLib.baseToQuoteDown(p.collateral, s.price, 18, ASSET_DECIMALS);
            s.collateralMarginValue = OracleLib.baseToQuoteDown(p.collateral, s.perpPrice, 18, ASSET_DECIMALS).mulDiv(
                VaultMath.BPS - s.haircutBps,
                VaultMath.BPS
            );
            s.shortNotional = OracleLib.baseToQuoteUp(s.shortQty, s.perpPrice, 18, ASSET_DECIMALS);
            uint256 gap = s.spotQty > s.shortQty ? s.spotQty - s.shortQty : s.shortQty - s.spotQty;
            s.gapValue = OracleLib.baseToQuoteUp(gap, s.price, 18, ASSET_DECIMALS);
        }
        // Otherwise the book is idle (or holds unpriced dust): it needs no price, and reports 0.
        if (s.shortQty != 0 || p.margin != 0 || p.collateral != 0) _valueAtWhatVenuePays(s, p.payableEquity);
        s.totalAssets = s.idle + s.spotValue + s.equityOrZero();
        s.supply = totalSupply();
        // On a venue that fills later each round pays the venue's execution fee from idle: while a
        // position is open or ordered, NAV counts two fees (the next round's and the one after,
        // which refills idle if the next spent it) but no flow or plan spends them (exits are paid
        // from the rest), so a round can always be submitted. A book that is idle but for dust
        // needs no round: its last holder takes everything.
        if (FILLS_LATER && (s.shortQty > SPOT_DUST || s.venueOrderPending || s.spotQty > SPOT_DUST)) {
            s.idle -= Math.min(s.idle, VaultTrading.FEE_RESERVE_ORDERS * PERP_VENUE.orderExecutionFee());
        }
    }

    /// @dev A venue that can pay less than the account's equity is valued at what it can pay
    /// (IPerpVenue.payableEquity, reported in the position; a venue that cannot answer reverts
    /// every priced flow).
    function _valueAtWhatVenuePays(VaultMath.Snapshot memory s, uint256 payable_) internal view {
        // Compared in the venue's units: it counts the collateral at its own index, the vault at
        // the asset-priced oracle (they differ by the asset's peg).
        uint256 collateralAtVenue = OracleLib.baseToQuoteDown(s.collateralQty, s.perpPrice, 18, ASSET_DECIMALS);
        if (payable_ >= VaultMath.positivePart(s.perpEquity + int256(collateralAtVenue))) return;
        s.perpEquity = int256(payable_) - int256(s.collateralValue);
        s.venueImpaired = true;
    }

    /// @dev Reverts while the venue cannot pay: nothing may trade on it, nobody may buy in at
    /// the discounted value.
    function _checkVenuePays(VaultMath.Snapshot memory s) internal view {
        if (s.venueImpaired) revert VenueImpaired(VaultMath.positivePart(PERP_VENUE.equity()), s.equityOrZero());
    }

    /// @dev Whether the books can be valued now. When they cannot (a stale or pinned oracle, a
    /// venue that fails to report) every flow reverts, so the max* views report 0 rather than
    /// revert themselves (ERC-4626: max* must not revert).
    function _booksReadable() internal view returns (bool) {
        try this.totalAssets() returns (uint256) {
            return true;
        } catch {
            return false;
        }
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

    /// @dev The venue's collateral haircut in SpotCollateral mode; zero in CashMargin mode.
    function _haircutBps() internal view returns (uint256) {
        return hedgeMode == HedgeMode.SpotCollateral ? PERP_VENUE.collateralHaircutBps() : 0;
    }

    function _venues() internal view returns (VaultTrading.Venues memory) {
        return VaultTrading.Venues(IERC20(asset()), SPOT, SPOT_VENUE, PERP_VENUE, SIZE_PER_SPOT_UNIT, ASSET_DECIMALS);
    }

    /// @dev The spot token's price in the asset and the perp venue's index (VaultPrices.read).
    function _prices() internal view returns (uint256 price, uint256 perpPrice) {
        return
            VaultPrices.read(
                VaultPrices.Feeds(
                    OracleLib.Feed(FEED_AGGREGATOR, FEED_HEARTBEAT, SEQUENCER_FEED, SEQUENCER_GRACE),
                    FEED_DECIMALS,
                    FEED_MIN_ANSWER,
                    FEED_MAX_ANSWER,
                    ASSET_FEED_AGGREGATOR,
                    ASSET_FEED_HEARTBEAT,
                    ASSET_FEED_DECIMALS,
                    ASSET_FEED_MIN_ANSWER,
                    ASSET_FEED_MAX_ANSWER
                )
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

    /// @dev A cap of type(uint256).max means no limit, which ERC-4626 reports as that value.
    function _maxDepositFor(uint256 nav) internal view returns (uint256) {
        uint256 cap = _depositCap;
        if (cap == type(uint256).max) return cap;
        return nav >= cap ? 0 : cap - nav;
    }

    /// @dev Shares `room` assets buy, net of the entry charge, saturating at type(uint256).max:
    /// with an unlimited cap the exact figure overflows, and ERC-4626's maxMint must not revert.
    function _maxMintFor(VaultMath.Snapshot memory s, uint256 room) internal view returns (uint256) {
        if (room == type(uint256).max) return room;
        (bool fits, uint256 product) = Math.tryMul(room - _entryCharge(room), s.supply + 10 ** DECIMALS_OFFSET);
        return fits ? product / (s.totalAssets + 1) : type(uint256).max;
    }

    /// @dev The entry charge on `assets` deposited, rounded up (against the depositor).
    function _entryCharge(uint256 assets) internal view returns (uint256) {
        return assets.mulDiv(_entryChargeWad(), VaultMath.WAD, Math.Rounding.Ceil);
    }

    function _entryChargeWad() internal view returns (uint256) {
        Strategy memory strat = _strategy;
        return
            VaultMath.entryChargeWad(
                strat.idleBufferBps,
                strat.targetLeverageBps,
                strat.maxSlippageBps,
                hedgeMode == HedgeMode.SpotCollateral
            );
    }

    /// @dev A deposit is deployed at once (see `deposit`) into a SpotCollateral book that holds a
    /// short, when exits may unwind too (a venue that fills now, no order or round pending).
    function _deploysDeposits(VaultMath.Snapshot memory s) internal view returns (bool) {
        return hedgeMode == HedgeMode.SpotCollateral && s.shortQty != 0 && !_idleOnly(s);
    }

    /// @dev A deposit left idle, paying the entry charge.
    function _depositIdle(
        VaultMath.Snapshot memory s,
        uint256 assets,
        address receiver
    ) internal returns (uint256 shares) {
        shares = _sharesForDeposit(s, assets);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @dev Shares for a deposit of `assets`: what is left after the entry charge, rounded down.
    function _sharesForDeposit(VaultMath.Snapshot memory s, uint256 assets) internal view returns (uint256) {
        return _toShares(s, assets - _entryCharge(assets), Math.Rounding.Floor);
    }

    /// @dev Assets to mint `shares`: their value grossed up by the entry charge, rounded up.
    function _assetsForMint(VaultMath.Snapshot memory s, uint256 shares) internal view returns (uint256) {
        uint256 chargeWad = _entryChargeWad();
        return
            _toAssets(s, shares, Math.Rounding.Ceil).mulDiv(
                VaultMath.WAD,
                VaultMath.WAD - chargeWad,
                Math.Rounding.Ceil
            );
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
        if (s.venueOrderPending || _round.submittedAt != 0) revert VenueOrderPending();
        if (FILLS_LATER) revert ExitBeyondIdle(s.idle);
        _checkVenuePays(s);
        uint256 slippage = _strategy.maxSlippageBps;
        (uint256 spotUnits, uint256 shortReduce, uint256 marginOut) = hedgeMode == HedgeMode.SpotCollateral
            ? SpotCollateralTrading.unwind(_venues(), s, fractionWad, slippage)
            : VaultTrading.unwind(_venues(), s, fractionWad, slippage);
        uint256 navAfter = _snapshot().totalAssets;
        cost = navAfter >= s.totalAssets ? 0 : s.totalAssets - navAfter;
        uint256 worstCost = s.worstUnwindCost(fractionWad, slippage);
        if (cost > worstCost) revert CostTooHigh(s.totalAssets, navAfter, worstCost);
        emit Unwound(owner, spotUnits, shortReduce, marginOut, cost);
    }

    /// @dev Exits are paid from idle only: the venue cannot pay (every unwind is blocked), a round
    /// is pending, or the venue fills orders later (an unwind cannot fill in the leaver's
    /// transaction).
    function _idleOnly(VaultMath.Snapshot memory s) internal view returns (bool) {
        return s.venueImpaired || s.venueOrderPending || FILLS_LATER || _round.submittedAt != 0;
    }

    function _setRole(mapping(address => bool) storage role, address account, bool enabled, bool keeper) internal {
        if (account == address(0)) revert ZeroAddress();
        if (role[account] == enabled) revert ParameterUnchanged(keeper ? bytes32("keeper") : bytes32("guardian"));
        role[account] = enabled;
        if (keeper) emit KeeperSet(account, enabled);
        else emit GuardianSet(account, enabled);
    }

    /// @dev What the rebalance gate and the state report read from storage.
    function _gateInput(
        address caller,
        bool callerIsKeeper,
        bool enforce
    ) internal view returns (VaultBands.GateInput memory) {
        return
            VaultBands.GateInput({
                supply: totalSupply(),
                paused: paused(),
                lastRebalanceAt: _lastRebalanceAt,
                settledAt: _settledAt(),
                caller: caller,
                callerIsKeeper: callerIsKeeper,
                enforce: enforce,
                idleLowBreaches: FILLS_LATER
            });
    }

    /// @dev The strategy a trade runs under. While new parameters settle only a rescue runs (see
    /// VaultBands.gate), and every trade, a settlement's too, stays within the slippage floor:
    /// the admin cannot route a trade through a bound it has just widened.
    function _tradingStrategy() internal view returns (Strategy memory strat) {
        strat = _strategy;
        if (_settling()) strat.maxSlippageBps = uint16(Math.min(strat.maxSlippageBps, VaultParams.MIN_SLIPPAGE_BPS));
    }

    /// @dev Bands or strategy changed less than VaultParams.PARAMS_SETTLE_DELAY ago.
    function _settling() internal view returns (bool) {
        return block.timestamp < _settledAt();
    }

    function _settledAt() internal view returns (uint256) {
        return _paramsChangedAt + VaultParams.PARAMS_SETTLE_DELAY;
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
