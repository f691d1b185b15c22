// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {OracleLib} from "../libraries/OracleLib.sol";

/// @title PerpMarket
/// @notice A single-market, oracle-priced, collateral-margined linear perpetual exchange (e.g.
/// ETH-USD margined in USDC). Sizes are base units with 18 decimals (negative = short), prices are
/// WADs (quote per whole base token), margin and every cash flow are collateral-token units.
///
/// Pricing: trades fill at the Chainlink price moved by a skew premium,
///     fillPrice = oracle * (1 + (skewBefore + skewAfter) / 2 / skewScale),
/// where skew = long open interest - short open interest. A trade that grows the skew pays the
/// premium, one that shrinks it earns it; a taker fee (bps of the fill notional) is charged on top.
///
/// Funding (premium model): while the skew is non-zero the heavy side pays the light side,
///     ratePerDay = clamp(skew / skewScale, -1, 1) * maxFundingRatePerDay,
/// and the cumulative funding index (quote per whole base token, WAD) grows by
///     ratePerDay * oraclePrice * dt / 1 day
/// at every interaction. An account owes size * (index - its last index): longs pay when the skew
/// is positive, shorts pay when it is negative. Funding is settled into margin on every position
/// change, withdrawal and liquidation, and `positionOf` extrapolates it to the current second.
///
/// Counterparty: the pool (`poolBalance`, funded by anyone through `fundPool`) takes the other
/// side of every cash flow: realised PnL, funding and fees move between account margins and the
/// pool, so collateral.balanceOf(this) == sum(margins) + poolBalance holds to the wei. The pool is
/// also the insurance fund: a liquidation with negative equity leaves the shortfall with the pool.
/// `poolBalance` is signed: a negative balance is a deficit (traders hold margin that no token
/// backs); withdrawals pause until the pool is refunded, and the part of a liquidation shortfall
/// the pool could not cover is recorded in `badDebt` (monotonic) with an event.
///
/// Rounding: every conversion is rounded against the account (credits down, debits up).
/// @dev Collateral must be a plain ERC-20 (no fee on transfer, no rebasing).
contract PerpMarket is Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    // ---------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------

    /// @notice Risk and pricing parameters (API form; stored packed).
    /// @param takerFeeBps Fee on the fill notional of every trade, bps.
    /// @param initialMarginBps Equity / notional required to open, grow or flip a position, bps.
    /// @param maintenanceMarginBps Equity / notional below which the account is liquidatable, bps.
    /// @param liquidationRewardBps Liquidator reward, bps of the closed notional (capped at equity).
    /// @param maxFundingRatePerDay Funding rate at |skew| >= skewScale, WAD per day (1e16 = 1%).
    /// @param skewScale Skew, in WHOLE base tokens, at which the premium reaches 100% and funding
    /// its maximum.
    /// @param maxLongOpenInterest Cap on total long size, in WHOLE base tokens.
    /// @param maxShortOpenInterest Cap on total short size, in WHOLE base tokens.
    struct MarketParams {
        uint256 takerFeeBps;
        uint256 initialMarginBps;
        uint256 maintenanceMarginBps;
        uint256 liquidationRewardBps;
        uint256 maxFundingRatePerDay;
        uint256 skewScale;
        uint256 maxLongOpenInterest;
        uint256 maxShortOpenInterest;
    }

    /// @notice An account valued at the oracle price now.
    /// @param size Signed size, base units (negative = short).
    /// @param entryPrice Average entry price, WAD (0 with no position).
    /// @param margin Settled margin, collateral units.
    /// @param unrealizedPnl PnL of the open position at the oracle price.
    /// @param accruedFunding Funding since the last settlement, extrapolated to now (+ = received).
    /// @param equity margin + unrealizedPnl + accruedFunding.
    /// @param marginRatioBps equity / notional in bps (0 when equity <= 0); max with no position.
    struct PositionView {
        int256 size;
        uint256 entryPrice;
        uint256 margin;
        int256 unrealizedPnl;
        int256 accruedFunding;
        int256 equity;
        uint256 marginRatioBps;
    }

    /// @dev One account in two slots.
    struct Account {
        uint128 margin;
        int128 size;
        uint128 entryPrice;
        int128 lastFundingIndex;
    }

    /// @dev Every parameter in one slot (256 bits). Skew scale and caps are whole base tokens so
    /// they fit; the bounds keep each value inside its field.
    struct Params {
        uint16 takerFeeBps;
        uint16 initialMarginBps;
        uint16 maintenanceMarginBps;
        uint16 liquidationRewardBps;
        uint64 maxFundingRatePerDay;
        uint64 skewScaleTokens;
        uint32 maxLongTokens;
        uint32 maxShortTokens;
    }

    /// @dev Open interest per side and the last funding accrual, in one slot (232 bits).
    struct OpenInterest {
        uint96 long;
        uint96 short;
        uint40 lastFundingTime;
    }

    /// @dev The funding index and the pool, in one slot.
    struct Ledger {
        int128 fundingIndex;
        int128 poolBalance;
    }

    /// @dev Outcome of one trade on one account, before it is written.
    struct Trade {
        int256 newSize;
        uint256 newEntry;
        int256 funding;
        int256 realizedPnl;
        uint256 fee;
        int256 newMargin;
        bool grows;
    }

    // ---------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------

    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    uint8 internal constant BASE_DECIMALS = 18;

    bytes32 public constant TAKER_FEE_BPS = "takerFeeBps";
    bytes32 public constant INITIAL_MARGIN_BPS = "initialMarginBps";
    bytes32 public constant MAINTENANCE_MARGIN_BPS = "maintenanceMarginBps";
    bytes32 public constant LIQUIDATION_REWARD_BPS = "liquidationRewardBps";
    bytes32 public constant MAX_FUNDING_RATE_PER_DAY = "maxFundingRatePerDay";
    bytes32 public constant SKEW_SCALE = "skewScale";
    bytes32 public constant MAX_LONG_OPEN_INTEREST = "maxLongOpenInterest";
    bytes32 public constant MAX_SHORT_OPEN_INTEREST = "maxShortOpenInterest";

    /// @notice Hard bounds on the owner's parameters. Margin bounds are further tied together:
    /// liquidationReward <= maintenance < initial, so a liquidation can always pay its reward
    /// from an account that still holds maintenance equity.
    uint256 public constant MAX_TAKER_FEE_BPS = 100;
    uint256 public constant MIN_INITIAL_MARGIN_BPS = 100;
    uint256 public constant MAX_INITIAL_MARGIN_BPS = 10_000;
    uint256 public constant MIN_MAINTENANCE_MARGIN_BPS = 20;
    uint256 public constant MAX_LIQUIDATION_REWARD_BPS = 500;
    uint256 public constant MAX_FUNDING_RATE_PER_DAY_LIMIT = 0.1e18;
    /// @notice Skew scale and open-interest bounds, whole base tokens.
    uint256 public constant MIN_SKEW_SCALE = 1;
    uint256 public constant MAX_SKEW_SCALE = 1e10;
    uint256 public constant MAX_OPEN_INTEREST_LIMIT = 1e9;

    // ---------------------------------------------------------------------------------------
    // State
    // ---------------------------------------------------------------------------------------

    /// @notice Margin token.
    IERC20 public immutable collateral;
    /// @notice Decimals of `collateral`.
    uint8 public immutable collateralDecimals;
    /// @dev 10^(18 + 18 - collateralDecimals): turns base units times a WAD price into collateral
    /// units. The same divisor OracleLib.baseToQuoteUp/Down derive on every call, computed once
    /// here because a trade converts four or five times (a fuzz test pins the equivalence).
    uint256 internal immutable _quoteDivisor;

    // The feed is immutable: one market, one price source. Stored unpacked as immutables so an
    // oracle read costs no storage access on this side.
    address internal immutable _aggregator;
    uint32 internal immutable _heartbeat;
    address internal immutable _sequencerUptimeFeed;
    uint32 internal immutable _sequencerGracePeriod;
    /// @dev The feed's decimals, read once: Chainlink feeds never change them.
    uint8 internal immutable _feedDecimals;

    Params internal _params;
    OpenInterest internal _oi;
    Ledger internal _ledger;
    /// @notice Cumulative liquidation shortfall the pool could not cover (collateral units).
    uint256 public badDebt;

    mapping(address account => Account) internal _accounts;

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    event MarginDeposited(address indexed account, uint256 amount);
    event MarginWithdrawn(address indexed account, address indexed to, uint256 amount);
    /// @param funding Funding settled into margin (+ = received).
    /// @param realizedPnl PnL realised on the closed part of the position.
    /// @param fundingIndex The market's funding index after accruing to this block.
    event PositionModified(
        address indexed account,
        int256 sizeDelta,
        uint256 fillPrice,
        int256 newSize,
        uint256 newEntryPrice,
        uint256 fee,
        int256 realizedPnl,
        int256 funding,
        int256 fundingIndex
    );
    /// @notice Funding settled into an account's margin outside a trade (withdrawals).
    /// @notice Unrealised profit was paid into margin on a withdrawal; the entry is now `price`.
    event ProfitRealized(address indexed account, int256 profit, uint256 price);
    event FundingSettled(address indexed account, int256 funding, int256 fundingIndex);
    /// @notice Funding accrued outside an account action (before a funding-parameter change);
    /// trades, withdrawals and liquidations report the index in their own events.
    event FundingAccrued(int256 fundingIndex, int256 ratePerDay);
    event PoolFunded(address indexed funder, uint256 amount);
    /// @param equity Equity at the oracle price before the reward (negative under bad debt).
    event Liquidated(
        address indexed account,
        address indexed liquidator,
        int256 size,
        uint256 price,
        int256 equity,
        uint256 reward,
        int256 fundingIndex
    );
    /// @notice The pool took a liquidation shortfall (negative equity) onto itself.
    event ShortfallAbsorbed(address indexed account, uint256 shortfall);
    /// @notice Part of a shortfall the pool could not cover; `totalBadDebt` is the new `badDebt`.
    event BadDebtRecorded(address indexed account, uint256 amount, uint256 totalBadDebt);
    event ParameterSet(bytes32 indexed name, uint256 value);

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice A zero amount or size was passed (same selector as IPerpVenue.ZeroAmount).
    error ZeroAmount();
    /// @notice A zero address was passed where a contract is required.
    error ZeroAddress();
    /// @notice Fill price worse than the caller's bound (same selector as IPerpVenue's error).
    error FillPriceOutOfBounds(uint256 fillPrice, uint256 bound);
    /// @notice The skew premium would push the fill price to zero or below.
    error FillPriceNotPositive(int256 fillPrice);
    /// @notice Equity after a trade is below what the trade requires (initial margin when the
    /// position opens, grows or flips; maintenance when it shrinks; zero for settled margin).
    error InsufficientMargin(int256 equity, uint256 required);
    /// @notice Equity after a withdrawal would be below the initial margin of the open position.
    error WithdrawalBelowInitialMargin(int256 equityAfter, uint256 required);
    /// @notice A side's open interest would exceed its cap.
    error OpenInterestCapExceeded(bool isLong, uint256 openInterest, uint256 cap);
    /// @notice The account holds at least maintenance equity (or no position).
    error NotLiquidatable(int256 equity, uint256 maintenanceMargin);
    /// @notice The pool owes traders more than it holds; margin withdrawals wait for a refund.
    error PoolDeficit(uint256 deficit);
    /// @notice A parameter outside its hard bounds.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice No parameter has this name.
    error UnknownParameter(bytes32 name);

    /// @param collateral_ Margin token (decimals <= 18).
    /// @param feed_ Price feed of the base asset in the collateral's unit of account.
    /// @param initialParams Parameters, each checked against its hard bounds.
    constructor(
        IERC20Metadata collateral_,
        OracleLib.Feed memory feed_,
        MarketParams memory initialParams
    ) Ownable(msg.sender) {
        if (address(collateral_) == address(0) || address(feed_.aggregator) == address(0)) revert ZeroAddress();
        uint8 decimals = collateral_.decimals();
        if (decimals > OracleLib.MAX_DECIMALS) revert OracleLib.DecimalsTooLarge(decimals);
        collateral = collateral_;
        collateralDecimals = decimals;
        _quoteDivisor = 10 ** (uint256(BASE_DECIMALS) + OracleLib.WAD_DECIMALS - decimals);
        _aggregator = address(feed_.aggregator);
        _heartbeat = feed_.heartbeat;
        _sequencerUptimeFeed = address(feed_.sequencerUptimeFeed);
        _sequencerGracePeriod = feed_.sequencerGracePeriod;
        _feedDecimals = feed_.aggregator.decimals();
        _oi.lastFundingTime = uint40(block.timestamp);
        // Order matters: each margin bound refers to the ones set before it.
        _setParameter(SKEW_SCALE, initialParams.skewScale);
        _setParameter(MAX_FUNDING_RATE_PER_DAY, initialParams.maxFundingRatePerDay);
        _setParameter(TAKER_FEE_BPS, initialParams.takerFeeBps);
        _setParameter(INITIAL_MARGIN_BPS, initialParams.initialMarginBps);
        _setParameter(MAINTENANCE_MARGIN_BPS, initialParams.maintenanceMarginBps);
        _setParameter(LIQUIDATION_REWARD_BPS, initialParams.liquidationRewardBps);
        _setParameter(MAX_LONG_OPEN_INTEREST, initialParams.maxLongOpenInterest);
        _setParameter(MAX_SHORT_OPEN_INTEREST, initialParams.maxShortOpenInterest);
    }

    // ---------------------------------------------------------------------------------------
    // Margin and pool
    // ---------------------------------------------------------------------------------------

    /// @notice Adds `amount` collateral to the caller's margin. Needs no oracle, so margin can be
    /// topped up even while the feed is stale.
    function depositMargin(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Account storage account = _accounts[msg.sender];
        account.margin = (uint256(account.margin) + amount).toUint128();
        emit MarginDeposited(msg.sender, amount);
        collateral.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Sends `amount` of the caller's margin to `to`. With an open position, funding is
    /// settled first and equity after the withdrawal must stay at or above the initial margin of
    /// the position's notional at the oracle price. When the withdrawal exceeds settled margin and
    /// the position is in profit, the profit is realised first (entry re-based to the oracle price).
    function withdrawMargin(uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Ledger memory ledger = _ledger;
        if (ledger.poolBalance < 0) revert PoolDeficit(uint256(-int256(ledger.poolBalance)));
        Account memory account = _accounts[msg.sender];
        int256 margin = int256(uint256(account.margin));
        if (account.size == 0) {
            if (amount > uint256(margin)) revert WithdrawalBelowInitialMargin(margin - amount.toInt256(), 0);
            _accounts[msg.sender].margin = uint128(uint256(margin) - amount);
        } else {
            uint256 price = _readPrice();
            Params memory params = _params;
            OpenInterest memory oi = _oi;
            _accrueView(oi, ledger, params, price);
            int256 funding = _signedValue(-account.size, ledger.fundingIndex - account.lastFundingIndex);
            margin += funding;
            int256 marginAfter = margin - amount.toInt256();
            int256 pnl = _signedValue(account.size, _priceDelta(price, account.entryPrice));
            uint256 entryPrice = account.entryPrice;
            int256 realized;
            if (marginAfter < 0 && pnl > 0) {
                // Paying out unrealised profit: realise it into margin at the oracle price and
                // re-base the entry there. Equity is unchanged; the pool pays the profit now.
                realized = pnl;
                marginAfter += pnl;
                pnl = 0;
                entryPrice = price;
            }
            int256 equityAfter = marginAfter + pnl;
            uint256 required = _bpsUp(_notionalUp(account.size, price), params.initialMarginBps);
            if (marginAfter < 0 || equityAfter < required.toInt256()) {
                revert WithdrawalBelowInitialMargin(equityAfter, required);
            }
            // The pool pays (or receives) the funding and pays any realised profit; margin and
            // pool move by equal amounts.
            ledger.poolBalance = (ledger.poolBalance - funding - realized).toInt128();
            if (ledger.poolBalance < 0) revert PoolDeficit(uint256(-int256(ledger.poolBalance)));
            _ledger = ledger;
            _oi = oi;
            _accounts[msg.sender] = Account({
                margin: uint256(marginAfter).toUint128(),
                size: account.size,
                entryPrice: entryPrice.toUint128(),
                lastFundingIndex: ledger.fundingIndex
            });
            if (funding != 0) emit FundingSettled(msg.sender, funding, ledger.fundingIndex);
            if (realized != 0) emit ProfitRealized(msg.sender, realized, price);
        }
        emit MarginWithdrawn(msg.sender, to, amount);
        collateral.safeTransfer(to, amount);
    }

    /// @notice Adds `amount` collateral to the pool (the traders' counterparty and insurance
    /// fund). Pool capital is not withdrawable: it backs open positions.
    function fundPool(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _ledger.poolBalance = (int256(_ledger.poolBalance) + amount.toInt256()).toInt128();
        emit PoolFunded(msg.sender, amount);
        collateral.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ---------------------------------------------------------------------------------------
    // Trading
    // ---------------------------------------------------------------------------------------

    /// @notice Changes the caller's position by `sizeDelta` base units (positive buys, negative
    /// sells) at `fillPrice(sizeDelta)`. Settles funding, realises PnL on any closed part, charges
    /// the taker fee, then checks margin: initial margin when the position opens, grows or flips,
    /// maintenance margin when it shrinks, and non-negative settled margin always.
    /// @param acceptablePrice Worst accepted fill: a buy reverts above it, a sell below it.
    /// @return fill The fill price, WAD.
    function modifyPosition(int256 sizeDelta, uint256 acceptablePrice) external nonReentrant returns (uint256 fill) {
        if (sizeDelta == 0) revert ZeroAmount();
        uint256 price = _readPrice();
        Params memory params = _params;
        OpenInterest memory oi = _oi;
        Ledger memory ledger = _ledger;
        _accrueView(oi, ledger, params, price);

        fill = _fillPrice(
            price,
            int256(uint256(oi.long)) - int256(uint256(oi.short)),
            sizeDelta,
            params.skewScaleTokens
        );
        if (sizeDelta > 0 ? fill > acceptablePrice : fill < acceptablePrice) {
            revert FillPriceOutOfBounds(fill, acceptablePrice);
        }

        Account memory account = _accounts[msg.sender];
        Trade memory trade = _applyTrade(account, sizeDelta, fill, ledger.fundingIndex, params.takerFeeBps);
        _updateOpenInterest(oi, params, account.size, trade.newSize);
        _checkTradeMargin(trade, price, params);

        // The pool is the counterparty of every flow: it moves by exactly what margin does not.
        ledger.poolBalance = (ledger.poolBalance + int256(uint256(account.margin)) - trade.newMargin).toInt128();
        _ledger = ledger;
        _oi = oi;
        _accounts[msg.sender] = Account({
            margin: uint256(trade.newMargin).toUint128(),
            size: trade.newSize.toInt128(),
            entryPrice: trade.newEntry.toUint128(),
            lastFundingIndex: ledger.fundingIndex
        });
        emit PositionModified(
            msg.sender,
            sizeDelta,
            fill,
            trade.newSize,
            trade.newEntry,
            trade.fee,
            trade.realizedPnl,
            trade.funding,
            ledger.fundingIndex
        );
    }

    /// @notice Closes `account`'s whole position at the oracle price when its equity is below the
    /// maintenance margin. The caller earns `liquidationRewardBps` of the closed notional, capped
    /// at the account's remaining positive equity; the rest of the equity stays in its margin. A
    /// negative equity is absorbed by the pool; any part the pool cannot cover is added to
    /// `badDebt`.
    /// @return reward Collateral paid to the caller.
    function liquidate(address account) external nonReentrant returns (uint256 reward) {
        uint256 price = _readPrice();
        Params memory params = _params;
        OpenInterest memory oi = _oi;
        Ledger memory ledger = _ledger;
        _accrueView(oi, ledger, params, price);

        Account memory acct = _accounts[account];
        (int256 equity, uint256 maintenance) = _equityAndRequirement(
            acct,
            ledger.fundingIndex,
            price,
            params.maintenanceMarginBps
        );
        if (acct.size == 0 || equity >= maintenance.toInt256()) revert NotLiquidatable(equity, maintenance);

        uint256 remaining;
        if (equity > 0) {
            uint256 notionalDown = _toCollateralDown(SignedMath.abs(acct.size), price);
            reward = Math.min((notionalDown * params.liquidationRewardBps) / BPS, uint256(equity));
            remaining = uint256(equity) - reward;
        }

        _updateOpenInterest(oi, params, acct.size, 0);
        // Margin leaves the account as (remaining + reward); the pool gets the rest, i.e. its PnL
        // and funding against the account, less any shortfall.
        int256 pool = ledger.poolBalance + int256(uint256(acct.margin)) - (remaining + reward).toInt256();
        ledger.poolBalance = pool.toInt128();
        _ledger = ledger;
        _oi = oi;
        _accounts[account] = Account({
            margin: remaining.toUint128(),
            size: 0,
            entryPrice: 0,
            lastFundingIndex: ledger.fundingIndex
        });
        emit Liquidated(account, msg.sender, acct.size, price, equity, reward, ledger.fundingIndex);
        if (equity < 0) _recordShortfall(account, uint256(-equity), pool);
        if (reward != 0) collateral.safeTransfer(msg.sender, reward);
    }

    // ---------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------

    /// @notice Sets one parameter (see the *_BPS / name constants) within its hard bounds.
    /// Funding parameters accrue funding under the old values first.
    function setParameter(bytes32 name, uint256 value) external onlyOwner nonReentrant {
        if (name == SKEW_SCALE || name == MAX_FUNDING_RATE_PER_DAY) _accrueStored();
        _setParameter(name, value);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice `account`'s position valued at the current oracle price, funding extrapolated to now.
    function positionOf(address account) external view returns (PositionView memory view_) {
        Account memory acct = _accounts[account];
        view_.size = acct.size;
        view_.entryPrice = acct.entryPrice;
        view_.margin = acct.margin;
        view_.marginRatioBps = type(uint256).max;
        if (acct.size == 0) {
            // No position, nothing to price: an account without one stays readable while the
            // feed is stale.
            view_.equity = int256(uint256(acct.margin));
            return view_;
        }
        uint256 price = _readPrice();
        OpenInterest memory oi = _oi;
        Ledger memory ledger = _ledger;
        _accrueView(oi, ledger, _params, price);
        view_.unrealizedPnl = _signedValue(acct.size, _priceDelta(price, acct.entryPrice));
        view_.accruedFunding = _signedValue(-acct.size, ledger.fundingIndex - acct.lastFundingIndex);
        view_.equity = int256(uint256(acct.margin)) + view_.unrealizedPnl + view_.accruedFunding;
        view_.marginRatioBps = view_.equity <= 0 ? 0 : (uint256(view_.equity) * BPS) / _notionalUp(acct.size, price);
    }

    /// @notice Signed size of `account` (no oracle read).
    function sizeOf(address account) external view returns (int256) {
        return _accounts[account].size;
    }

    /// @notice True when `account` has a position and equity below the maintenance margin.
    function isLiquidatable(address account) external view returns (bool) {
        Account memory acct = _accounts[account];
        if (acct.size == 0) return false;
        uint256 price = _readPrice();
        Params memory params = _params;
        OpenInterest memory oi = _oi;
        Ledger memory ledger = _ledger;
        _accrueView(oi, ledger, params, price);
        (int256 equity, uint256 maintenance) = _equityAndRequirement(
            acct,
            ledger.fundingIndex,
            price,
            params.maintenanceMarginBps
        );
        return equity < maintenance.toInt256();
    }

    /// @notice Price a trade of `sizeDelta` would fill at now (before the fee).
    function fillPrice(int256 sizeDelta) external view returns (uint256) {
        if (sizeDelta == 0) revert ZeroAmount();
        return _fillPrice(_readPrice(), skew(), sizeDelta, _params.skewScaleTokens);
    }

    /// @notice Long open interest minus short open interest, base units.
    function skew() public view returns (int256) {
        OpenInterest memory oi = _oi;
        return int256(uint256(oi.long)) - int256(uint256(oi.short));
    }

    /// @notice Total long and short size, base units.
    function openInterest() external view returns (uint256 long, uint256 short) {
        return (_oi.long, _oi.short);
    }

    /// @notice Current funding rate, WAD per day; positive when longs pay shorts.
    function fundingRatePerDay() external view returns (int256) {
        return _fundingRate(skew(), _params);
    }

    /// @notice Stored cumulative funding index (quote per whole base token, WAD) and its timestamp.
    function fundingIndex() external view returns (int256 index, uint256 lastUpdated) {
        return (_ledger.fundingIndex, _oi.lastFundingTime);
    }

    /// @notice Pool balance, collateral units; negative when the pool owes traders.
    function poolBalance() external view returns (int256) {
        return _ledger.poolBalance;
    }

    /// @notice Current parameters.
    function marketParams() external view returns (MarketParams memory) {
        Params memory p = _params;
        return
            MarketParams({
                takerFeeBps: p.takerFeeBps,
                initialMarginBps: p.initialMarginBps,
                maintenanceMarginBps: p.maintenanceMarginBps,
                liquidationRewardBps: p.liquidationRewardBps,
                maxFundingRatePerDay: p.maxFundingRatePerDay,
                skewScale: p.skewScaleTokens,
                maxLongOpenInterest: p.maxLongTokens,
                maxShortOpenInterest: p.maxShortTokens
            });
    }

    /// @notice Initial margin requirement, bps of notional.
    function initialMarginBps() external view returns (uint256) {
        return _params.initialMarginBps;
    }

    /// @notice The price feed and its checks.
    function feed() public view returns (OracleLib.Feed memory) {
        return
            OracleLib.Feed({
                aggregator: AggregatorV3Interface(_aggregator),
                heartbeat: _heartbeat,
                sequencerUptimeFeed: AggregatorV3Interface(_sequencerUptimeFeed),
                sequencerGracePeriod: _sequencerGracePeriod
            });
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    function _readPrice() internal view returns (uint256) {
        return OracleLib.readPriceWad(feed(), _feedDecimals);
    }

    /// @dev Advances the funding index in memory to now; callers write the structs back.
    /// index += rate * price * dt / 1 day, truncated toward zero. The index moves no
    /// tokens by itself; each account's settlement rounds against the account.
    function _accrueView(
        OpenInterest memory oi,
        Ledger memory ledger,
        Params memory params,
        uint256 price
    ) internal view returns (int256 rate) {
        uint256 dt = block.timestamp - oi.lastFundingTime;
        if (dt == 0) return 0;
        rate = _fundingRate(int256(uint256(oi.long)) - int256(uint256(oi.short)), params);
        if (rate != 0) {
            int256 delta = (rate * price.toInt256() * int256(dt)) / int256(1 days * WAD);
            ledger.fundingIndex = (ledger.fundingIndex + delta).toInt128();
        }
        oi.lastFundingTime = uint40(block.timestamp);
    }

    /// @dev Accrues stored state; reads the oracle only when funding actually flows.
    function _accrueStored() internal {
        OpenInterest memory oi = _oi;
        if (oi.lastFundingTime == block.timestamp) return;
        if (oi.long == oi.short) {
            _oi.lastFundingTime = uint40(block.timestamp);
            return;
        }
        Ledger memory ledger = _ledger;
        int256 rate = _accrueView(oi, ledger, _params, _readPrice());
        _oi = oi;
        _ledger = ledger;
        emit FundingAccrued(ledger.fundingIndex, rate);
    }

    /// @dev clamp(skew / skewScale, -1, 1) * maxFundingRatePerDay, WAD per day.
    function _fundingRate(int256 skew_, Params memory params) internal pure returns (int256) {
        if (skew_ == 0) return 0;
        // skew is in base units and the scale in whole tokens: skew * WAD / (scale * 1e18) = skew / scale.
        int256 proportional = skew_ / int256(uint256(params.skewScaleTokens));
        if (proportional > int256(WAD)) proportional = int256(WAD);
        else if (proportional < -int256(WAD)) proportional = -int256(WAD);
        return (proportional * int256(uint256(params.maxFundingRatePerDay))) / int256(WAD);
    }

    /// @dev oracle * (1 + (2 * skew + delta) / (2 * skewScale * 1e18)); buys round up, sells down.
    function _fillPrice(
        uint256 price,
        int256 skew_,
        int256 sizeDelta,
        uint256 skewScaleTokens
    ) internal pure returns (uint256) {
        int256 numerator = price.toInt256() * (2 * skew_ + sizeDelta);
        int256 denominator = 2 * int256(skewScaleTokens * WAD);
        int256 premium = numerator / denominator; // truncates toward zero
        if (numerator % denominator != 0) {
            if (sizeDelta > 0 && numerator > 0) premium += 1;
            else if (sizeDelta < 0 && numerator < 0) premium -= 1;
        }
        int256 fill = int256(price) + premium;
        if (fill <= 0) revert FillPriceNotPositive(fill);
        return uint256(fill);
    }

    /// @dev Settles funding, realises PnL on the closing part and charges the fee. A trade in
    /// the position's direction (or from flat) grows it at an averaged entry; an opposite trade
    /// closes min(|old|, |delta|) at the fill, and a flip opens the rest at the fill.
    function _applyTrade(
        Account memory account,
        int256 sizeDelta,
        uint256 fill,
        int256 index,
        uint256 takerFeeBps
    ) internal view returns (Trade memory trade) {
        int256 oldSize = account.size;
        trade.newSize = oldSize + sizeDelta;
        trade.funding = _signedValue(-oldSize, index - account.lastFundingIndex);
        if (oldSize == 0 || (oldSize > 0) == (sizeDelta > 0)) {
            trade.grows = true;
            trade.newEntry = oldSize == 0 ? fill : _averageEntry(oldSize, account.entryPrice, sizeDelta, fill);
        } else {
            // The closed part carries the old position's sign.
            int256 closed = SignedMath.abs(sizeDelta) < SignedMath.abs(oldSize) ? -sizeDelta : oldSize;
            trade.realizedPnl = _signedValue(closed, _priceDelta(fill, account.entryPrice));
            if (trade.newSize == 0) {
                trade.newEntry = 0;
            } else if ((trade.newSize > 0) == (oldSize > 0)) {
                trade.newEntry = account.entryPrice;
            } else {
                trade.grows = true;
                trade.newEntry = fill;
            }
        }
        trade.fee = _bpsUp(_notionalUp(sizeDelta, fill), takerFeeBps);
        trade.newMargin = int256(uint256(account.margin)) + trade.funding + trade.realizedPnl - trade.fee.toInt256();
    }

    /// @dev Equity at the oracle price after the trade (the figure `positionOf` then reports)
    /// against initial margin for a growing position, maintenance for a shrinking one; settled
    /// margin may never go negative (such an account must be liquidated instead).
    function _checkTradeMargin(Trade memory trade, uint256 price, Params memory params) internal view {
        int256 equity = trade.newMargin + _signedValue(trade.newSize, _priceDelta(price, trade.newEntry));
        if (trade.newSize != 0) {
            uint256 required = _bpsUp(
                _notionalUp(trade.newSize, price),
                trade.grows ? params.initialMarginBps : params.maintenanceMarginBps
            );
            if (equity < required.toInt256()) revert InsufficientMargin(equity, required);
        }
        if (trade.newMargin < 0) revert InsufficientMargin(trade.newMargin, 0);
    }

    /// @dev Equity of a stored account at `price` with funding up to `index`, and `bps` of its
    /// notional (rounded up).
    function _equityAndRequirement(
        Account memory acct,
        int256 index,
        uint256 price,
        uint256 bps
    ) internal view returns (int256 equity, uint256 requirement) {
        equity =
            int256(uint256(acct.margin)) +
            _signedValue(-acct.size, index - acct.lastFundingIndex) +
            _signedValue(acct.size, _priceDelta(price, acct.entryPrice));
        requirement = _bpsUp(_notionalUp(acct.size, price), bps);
    }

    /// @dev The pool has already taken the shortfall (it received the account's whole margin and
    /// no more); whatever it could not cover shows as a negative pool and is recorded.
    function _recordShortfall(address account, uint256 shortfall, int256 pool) internal {
        emit ShortfallAbsorbed(account, shortfall);
        if (pool < 0) {
            uint256 uncovered = Math.min(shortfall, uint256(-pool));
            uint256 total = badDebt + uncovered;
            badDebt = total;
            emit BadDebtRecorded(account, uncovered, total);
        }
    }

    /// @dev Size-weighted entry of a growing position; longs round up, shorts down (both lower
    /// the account's PnL).
    function _averageEntry(
        int256 oldSize,
        uint256 oldEntry,
        int256 sizeDelta,
        uint256 fill
    ) internal pure returns (uint256) {
        uint256 oldAbs = SignedMath.abs(oldSize);
        uint256 deltaAbs = SignedMath.abs(sizeDelta);
        uint256 numerator = oldAbs * oldEntry + deltaAbs * fill;
        uint256 total = oldAbs + deltaAbs;
        return oldSize > 0 ? Math.ceilDiv(numerator, total) : numerator / total;
    }

    /// @dev Moves `oldSize` out of and `newSize` into the side totals; a side that grows must
    /// stay within its cap.
    function _updateOpenInterest(
        OpenInterest memory oi,
        Params memory params,
        int256 oldSize,
        int256 newSize
    ) internal pure {
        uint256 long = oi.long;
        uint256 short = oi.short;
        if (oldSize > 0) long -= uint256(oldSize);
        else short -= uint256(-oldSize);
        if (newSize > 0) long += uint256(newSize);
        else short += uint256(-newSize);
        if (long > oi.long && long > uint256(params.maxLongTokens) * WAD) {
            revert OpenInterestCapExceeded(true, long, uint256(params.maxLongTokens) * WAD);
        }
        if (short > oi.short && short > uint256(params.maxShortTokens) * WAD) {
            revert OpenInterestCapExceeded(false, short, uint256(params.maxShortTokens) * WAD);
        }
        // Both fit in uint96: caps are at most MAX_OPEN_INTEREST_LIMIT tokens, and a side over its
        // cap (after the owner lowers it) can only shrink.
        oi.long = uint96(long);
        oi.short = uint96(short);
    }

    /// @dev size * priceDelta / 1e18 in collateral units, rounded toward negative infinity: a
    /// credit to the account rounds down, a debit rounds up.
    function _signedValue(int256 size, int256 priceDelta) internal view returns (int256) {
        if (size == 0 || priceDelta == 0) return 0;
        uint256 absSize = SignedMath.abs(size);
        uint256 absDelta = SignedMath.abs(priceDelta);
        if ((size < 0) != (priceDelta < 0)) {
            return -_toCollateralUp(absSize, absDelta).toInt256();
        }
        return _toCollateralDown(absSize, absDelta).toInt256();
    }

    /// @dev |size| * price in collateral units, rounded up (requirements and fees).
    function _notionalUp(int256 size, uint256 price) internal view returns (uint256) {
        return _toCollateralUp(SignedMath.abs(size), price);
    }

    /// @dev Collateral value of `baseAmount` at `priceWad`, rounded up (OracleLib.baseToQuoteUp).
    function _toCollateralUp(uint256 baseAmount, uint256 priceWad) internal view returns (uint256) {
        return Math.mulDiv(baseAmount, priceWad, _quoteDivisor, Math.Rounding.Ceil);
    }

    /// @dev Collateral value of `baseAmount` at `priceWad`, rounded down (OracleLib.baseToQuoteDown).
    function _toCollateralDown(uint256 baseAmount, uint256 priceWad) internal view returns (uint256) {
        return Math.mulDiv(baseAmount, priceWad, _quoteDivisor, Math.Rounding.Floor);
    }

    function _bpsUp(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.ceilDiv(amount * bps, BPS);
    }

    function _priceDelta(uint256 price, uint256 entry) internal pure returns (int256) {
        return int256(price) - int256(entry);
    }

    function _setParameter(bytes32 name, uint256 value) internal {
        Params memory p = _params;
        if (name == TAKER_FEE_BPS) {
            _checkBounds(name, value, 0, MAX_TAKER_FEE_BPS);
            _params.takerFeeBps = uint16(value);
        } else if (name == INITIAL_MARGIN_BPS) {
            _checkBounds(
                name,
                value,
                Math.max(MIN_INITIAL_MARGIN_BPS, p.maintenanceMarginBps + 1),
                MAX_INITIAL_MARGIN_BPS
            );
            _params.initialMarginBps = uint16(value);
        } else if (name == MAINTENANCE_MARGIN_BPS) {
            _checkBounds(
                name,
                value,
                Math.max(MIN_MAINTENANCE_MARGIN_BPS, p.liquidationRewardBps),
                uint256(p.initialMarginBps) - 1
            );
            _params.maintenanceMarginBps = uint16(value);
        } else if (name == LIQUIDATION_REWARD_BPS) {
            _checkBounds(name, value, 0, Math.min(MAX_LIQUIDATION_REWARD_BPS, p.maintenanceMarginBps));
            _params.liquidationRewardBps = uint16(value);
        } else if (name == MAX_FUNDING_RATE_PER_DAY) {
            _checkBounds(name, value, 0, MAX_FUNDING_RATE_PER_DAY_LIMIT);
            _params.maxFundingRatePerDay = uint64(value);
        } else if (name == SKEW_SCALE) {
            _checkBounds(name, value, MIN_SKEW_SCALE, MAX_SKEW_SCALE);
            _params.skewScaleTokens = uint64(value);
        } else if (name == MAX_LONG_OPEN_INTEREST) {
            _checkBounds(name, value, 0, MAX_OPEN_INTEREST_LIMIT);
            _params.maxLongTokens = uint32(value);
        } else if (name == MAX_SHORT_OPEN_INTEREST) {
            _checkBounds(name, value, 0, MAX_OPEN_INTEREST_LIMIT);
            _params.maxShortTokens = uint32(value);
        } else {
            revert UnknownParameter(name);
        }
        emit ParameterSet(name, value);
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
    }
}
