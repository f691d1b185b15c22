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
import {IPerpMarket} from "../interfaces/IPerpMarket.sol";
import {IOracleErrors} from "../interfaces/IOracleErrors.sol";
import {OracleLib} from "../libraries/OracleLib.sol";
import {PerpMath} from "./libraries/PerpMath.sol";
import {SkewMath} from "./libraries/SkewMath.sol";
import {PositionLib} from "./libraries/PositionLib.sol";
import {PoolLib} from "./libraries/PoolLib.sol";
import {ParamsLib} from "./libraries/ParamsLib.sol";
import {EdgeLib} from "./libraries/EdgeLib.sol";
import {CollateralLib} from "./libraries/CollateralLib.sol";

/// @title PerpMarket
/// @notice The market's state and its entry points; the maths lives in `libraries/` (see
/// IPerpMarket for the rules). Every account action loads the market once (`_load`: oracle,
/// parameters, open interest, funding, pool), applies library functions in memory and writes back.
/// @dev Both tokens must be plain ERC-20s (no fee on transfer, no rebasing).
contract PerpMarket is IPerpMarket, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;
    using PositionLib for PositionLib.Account;
    using PositionLib for PositionLib.Context;
    using PoolLib for PoolLib.Claims;
    using ParamsLib for ParamsLib.Params;
    using EdgeLib for EdgeLib.Growth;

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

    /// @dev A parameter change waiting for its time.
    struct Pending {
        uint192 value;
        uint64 effectiveAt;
    }

    /// @dev The market as one account action sees it, loaded once.
    struct State {
        ParamsLib.Params params;
        OpenInterest oi;
        Ledger ledger;
        PoolLib.Claims claims;
        PositionLib.Context ctx;
        EdgeLib.Feed feed;
    }

    /// @notice Seconds between proposing a parameter change and its effect.
    uint256 public constant PARAMETER_DELAY = 2 days;
    /// @notice The oracle-edge window a new market starts with: one Ethereum slot and some slack,
    /// so a trade placed on a pending feed transaction and hedged or closed in the blocks right
    /// after it lands gets the previous answer on both legs (IPerpMarket, "Trading ahead").
    uint256 public constant DEFAULT_ORACLE_EDGE_WINDOW = 15;
    /// @notice The base-token collateral's haircut a new market starts with (10%).
    uint256 public constant DEFAULT_COLLATERAL_HAIRCUT_BPS = 1_000;
    /// @inheritdoc IPerpMarket
    /// @dev A constant, not a parameter: the parameters share the one slot every flow reads, and
    /// it is full.
    uint256 public constant SEIZED_SALE_DISCOUNT_BPS = CollateralLib.SALE_DISCOUNT_BPS;
    uint8 internal constant BASE_DECIMALS = 18;

    /// @inheritdoc IPerpMarket
    IERC20 public immutable collateral;
    /// @notice Decimals of `collateral`.
    uint8 public immutable collateralDecimals;
    /// @inheritdoc IPerpMarket
    IERC20 public immutable baseToken;
    /// @inheritdoc IPerpMarket
    address public immutable orderBook;
    /// @dev See PerpMath: computed once because a trade converts several times.
    uint256 internal immutable _quoteDivisor;
    // The feed is immutable: one market, one price source, read with no storage access.
    address internal immutable _aggregator;
    uint32 internal immutable _heartbeat;
    address internal immutable _sequencerUptimeFeed;
    uint32 internal immutable _sequencerGracePeriod;
    /// @dev The feed's decimals, read once: Chainlink feeds never change them.
    uint8 internal immutable _feedDecimals;

    ParamsLib.Params internal _params;
    OpenInterest internal _oi;
    Ledger internal _ledger;
    PoolLib.Claims internal _claims;
    /// @inheritdoc IPerpMarket
    uint256 public badDebt;
    /// @inheritdoc IPerpMarket
    uint256 public poolCollateral;

    mapping(address account => PositionLib.Account) internal _accounts;
    mapping(bytes32 name => Pending) internal _pending;
    /// @dev Each account's latest growth (EdgeLib), kept apart from the account's own slots.
    mapping(address account => EdgeLib.Growth) internal _growths;

    /// @param collateral_ Margin token (decimals <= 18).
    /// @param feed_ Price feed of the base asset in the collateral's unit of account.
    /// @param initialParams Parameters, each checked against its hard bounds; the oracle-edge
    /// window starts at DEFAULT_ORACLE_EDGE_WINDOW and the collateral haircut at
    /// DEFAULT_COLLATERAL_HAIRCUT_BPS.
    /// @param baseToken_ The base asset's token (18 decimals), accepted as a second collateral;
    /// zero for a market that takes only `collateral_`.
    /// @param orderBook_ The order book of a delayed-mode market (a DelayedOrders deployed first and
    /// bound to this market after); zero for a synchronous market.
    constructor(
        IERC20Metadata collateral_,
        OracleLib.Feed memory feed_,
        MarketParams memory initialParams,
        IERC20Metadata baseToken_,
        address orderBook_
    ) Ownable(msg.sender) {
        if (address(collateral_) == address(0) || address(feed_.aggregator) == address(0)) revert ZeroAddress();
        uint8 decimals = collateral_.decimals();
        if (decimals > OracleLib.MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(decimals);
        if (address(baseToken_) != address(0)) {
            // Sizes and collateral share the base unit, so the token must have its 18 decimals.
            uint8 baseDecimals = baseToken_.decimals();
            if (baseToken_ == collateral_ || baseDecimals != BASE_DECIMALS) {
                revert BaseTokenUnsupported(address(baseToken_), baseDecimals);
            }
        }
        // The book trades every account: it must be deployed code (its own review is the user's).
        if (orderBook_ != address(0) && orderBook_.code.length == 0) revert OrderBookNotContract(orderBook_);
        baseToken = baseToken_;
        orderBook = orderBook_;
        collateral = collateral_;
        collateralDecimals = decimals;
        _quoteDivisor = 10 ** (uint256(BASE_DECIMALS) + OracleLib.WAD_DECIMALS - decimals);
        _aggregator = address(feed_.aggregator);
        _heartbeat = feed_.heartbeat;
        _sequencerUptimeFeed = address(feed_.sequencerUptimeFeed);
        _sequencerGracePeriod = feed_.sequencerGracePeriod;
        _feedDecimals = feed_.aggregator.decimals();
        _oi.lastFundingTime = uint40(block.timestamp);
        _claims.live = true;
        uint256[10] memory values = [
            initialParams.skewScale,
            initialParams.maxFundingRatePerDay,
            initialParams.takerFeeBps,
            initialParams.initialMarginBps,
            initialParams.maintenanceMarginBps,
            initialParams.liquidationRewardBps,
            initialParams.maxLongOpenInterest,
            initialParams.maxShortOpenInterest,
            DEFAULT_ORACLE_EDGE_WINDOW,
            DEFAULT_COLLATERAL_HAIRCUT_BPS
        ];
        bytes32[10] memory names = ParamsLib.names();
        ParamsLib.Params memory p;
        for (uint256 i; i < names.length; ++i) {
            p.set(names[i], values[i]);
            emit ParameterSet(names[i], values[i]);
        }
        _params = p;
    }

    // ---------------------------------------------------------------------------------------
    // Margin and pool
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IPerpMarket
    function depositMargin(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        PositionLib.Account storage account = _accounts[msg.sender];
        int256 oldMargin = account.margin;
        int256 newMargin = oldMargin + amount.toInt256();
        account.margin = newMargin.toInt96();
        // A deposit into a debt repays it: the pool's receivable becomes cash.
        if (oldMargin < 0) {
            PoolLib.Claims memory claims = _claims;
            claims.replaceDebt(oldMargin, newMargin);
            _claims = claims;
        }
        emit MarginDeposited(msg.sender, amount);
        collateral.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPerpMarket
    function withdrawMargin(uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        PositionLib.Account memory account = _accounts[msg.sender];
        if (account.size == 0) {
            // Only positive margin leaves: a withdrawal never creates or keeps a debt.
            int256 left = int256(account.margin) - amount.toInt256();
            if (left < 0) revert WithdrawalBelowInitialMargin(left, 0);
            _accounts[msg.sender].margin = int96(left);
        } else {
            _withdrawWithPosition(account, amount);
        }
        emit MarginWithdrawn(msg.sender, to, amount);
        collateral.safeTransfer(to, amount);
    }

    /// @inheritdoc IPerpMarket
    function depositCollateral(uint256 qty) external nonReentrant {
        IERC20 token = _baseTokenOrRevert();
        if (qty == 0) revert ZeroAmount();
        PositionLib.Account memory account = _accounts[msg.sender];
        account.setCollateral(account.collateralOf() + qty);
        _accounts[msg.sender] = account;
        emit CollateralDeposited(msg.sender, qty);
        token.safeTransferFrom(msg.sender, address(this), qty);
    }

    /// @inheritdoc IPerpMarket
    function withdrawCollateral(uint256 qty, address to) external nonReentrant {
        IERC20 token = _baseTokenOrRevert();
        if (qty == 0) revert ZeroAmount();
        PositionLib.Account memory account = _accounts[msg.sender];
        uint256 held = account.collateralOf();
        if (qty > held) revert CollateralWithdrawalExceedsBalance(qty, held);
        account.setCollateral(held - qty);
        // Without a position or a debt nothing rests on the collateral, and no price is needed.
        if (account.size != 0 || account.margin < 0) {
            State memory s = _load();
            // A pending oracle-edge charge settles first, as on a margin withdrawal (its re-priced
            // entry moves the open-claims sums, stored below).
            _settleEdgeAndStore(s, msg.sender, account);
            int256 equityAfter = account.marginEquity(s.ctx, s.params.collateralHaircutBps);
            uint256 required = PositionLib.requirement(account.size, s.params.initialMarginBps, s.ctx);
            // Pending funding settles into the same margin at the account's next action, so the
            // collateral left must cover the debt with it (as after a margin withdrawal or a trade).
            int256 settledAfter =
                int256(account.margin) +
                    account.pendingFunding(s.ctx) +
                    int256(account.collateralValue(s.ctx, s.params.collateralHaircutBps));
            if (equityAfter < required.toInt256()) revert WithdrawalBelowInitialMargin(equityAfter, required);
            if (settledAfter < 0) revert WithdrawalBelowInitialMargin(settledAfter, 0);
            _store(s);
        }
        _accounts[msg.sender] = account;
        emit CollateralWithdrawn(msg.sender, to, qty);
        token.safeTransfer(to, qty);
    }

    /// @inheritdoc IPerpMarket
    function fundPool(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _addToPool(amount);
        emit PoolFunded(msg.sender, amount);
        collateral.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPerpMarket
    function buySeizedCollateral(uint256 qty, uint256 maxCost) external nonReentrant returns (uint256 cost) {
        IERC20 token = _baseTokenOrRevert();
        if (qty == 0) revert ZeroAmount();
        uint256 held = poolCollateral;
        if (qty > held) revert SeizedCollateralExceeded(qty, held);
        uint256 price;
        (cost, price) = _seizedSaleCost(_load(), qty);
        if (cost > maxCost) revert SeizedCollateralCostAboveMax(cost, maxCost);
        poolCollateral = held - qty;
        _addToPool(cost);
        emit SeizedCollateralSold(msg.sender, qty, cost, price);
        collateral.safeTransferFrom(msg.sender, address(this), cost);
        token.safeTransfer(msg.sender, qty);
    }

    // ---------------------------------------------------------------------------------------
    // Trading
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IPerpMarket
    function modifyPosition(int256 sizeDelta, uint256 acceptablePrice) external nonReentrant returns (uint256 fill) {
        if (orderBook != address(0)) revert DelayedOrdersOnly(orderBook);
        fill = _modify(msg.sender, sizeDelta, acceptablePrice);
    }

    /// @inheritdoc IPerpMarket
    function fillOrder(
        address account,
        int256 sizeDelta,
        uint256 acceptablePrice
    ) external nonReentrant returns (uint256 fill) {
        // A synchronous market has no book: no caller can match the zero address.
        if (msg.sender != orderBook) revert NotOrderBook(msg.sender);
        fill = _modify(account, sizeDelta, acceptablePrice);
    }

    /// @inheritdoc IPerpMarket
    function liquidate(address account) external nonReentrant returns (uint256 reward) {
        State memory s = _load();
        PositionLib.Account memory acct = _accounts[account];
        _requireLiquidatable(s, account, acct);
        // The close is a trade against the whole position: inside the next round's window its
        // fill already gives the guarded size's move up, so the charge waits as for any such trade
        // (EdgeLib.pendingMove, `reducing`), and the closed position leaves it moot.
        _settleEdge(s, account, acct, true);
        (PositionLib.Trade memory t, uint256 fill, int256 left, uint256 notional) = _closeAll(s, account, acct);
        // A debt is covered from collateral at the oracle; the reward is paid from what is left.
        CollateralLib.Liquidation memory split = CollateralLib.liquidate(
            left,
            acct.collateralOf(),
            notional,
            s.params.liquidationRewardBps,
            s.ctx.price,
            s.ctx.divisor
        );
        reward = split.rewardFromMargin;
        // Seized collateral leaves the account but stays in the market, as the pool's.
        if (split.seized != 0) poolCollateral += split.seized;
        // A negative remainder stays with the pool (the account is left with zero margin).
        _commit(
            s,
            account,
            acct,
            _traded(s, t, split.margin > 0 ? split.margin : int256(0), split.collateral),
            t,
            fill,
            reward
        );
        emit Liquidated(account, msg.sender, acct.size, fill, left, reward, s.ctx.fundingIndex);
        _payLiquidation(s, account, split);
    }

    // ---------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IPerpMarket
    function setParameter(bytes32 name, uint256 value) external onlyOwner nonReentrant {
        ParamsLib.Params memory p = _params;
        uint256 current = p.get(name);
        if (value == current) {
            // Proposing the value in force withdraws a pending change.
            if (_pending[name].effectiveAt == 0) revert ParameterUnchanged(name, value);
            delete _pending[name];
            emit ParameterProposalCancelled(name);
            return;
        }
        // Within the bounds of today's parameters (`applyParameter` checks them again); a
        // tightening change also within one step of the value in force.
        ParamsLib.Params memory check = p;
        check.set(name, value);
        if (ParamsLib.tightens(name, current, value)) ParamsLib.checkStep(name, current, value);
        uint256 effectiveAt = block.timestamp + PARAMETER_DELAY;
        _pending[name] = Pending({value: uint192(value), effectiveAt: uint64(effectiveAt)});
        emit ParameterProposed(name, value, effectiveAt);
    }

    /// @inheritdoc IPerpMarket
    function applyParameter(bytes32 name) external nonReentrant {
        Pending memory change = _pending[name];
        if (change.effectiveAt == 0) revert NoPendingParameter(name);
        if (block.timestamp < change.effectiveAt) revert ParameterNotYetEffective(name, change.effectiveAt);
        delete _pending[name];
        _writeParameter(_params, name, change.value);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IPerpMarket
    function positionOf(address account) external view returns (PositionView memory view_) {
        PositionLib.Account memory acct = _accounts[account];
        view_.size = acct.size;
        view_.entryPrice = acct.entryPrice;
        view_.margin = acct.margin > 0 ? uint256(int256(acct.margin)) : 0;
        view_.signedMargin = acct.margin;
        view_.collateral = acct.collateralOf();
        view_.marginRatioBps = type(uint256).max;
        view_.equity = acct.margin;
        view_.marginEquity = acct.margin;
        // Nothing to price: an account without a position or collateral stays readable while the
        // feed is stale.
        if (acct.size == 0 && view_.collateral == 0) return view_;
        State memory s = _load();
        if (view_.collateral != 0) {
            view_.collateralValue = CollateralLib.valueDown(view_.collateral, s.ctx.price, s.ctx.divisor);
            view_.marginEquity += int256(acct.collateralValue(s.ctx, s.params.collateralHaircutBps));
        }
        if (acct.size == 0) return view_;
        _edgeCharge(s, _growths[account], acct, false);
        view_.entryPrice = acct.entryPrice;
        view_.unrealizedPnl = acct.unrealizedPnl(s.ctx);
        view_.accruedFunding = acct.pendingFunding(s.ctx);
        int256 claim = view_.unrealizedPnl + view_.accruedFunding;
        if (claim > 0) {
            // Valued at what the pool would pay now, not at face: the cut comes off the PnL.
            view_.unrealizedPnl -= claim - _payable(s, claim, acct.margin);
        }
        int256 pnl = view_.unrealizedPnl + view_.accruedFunding;
        view_.equity += pnl;
        view_.marginEquity += pnl;
        uint256 notional = PerpMath.notionalUp(acct.size, s.ctx.price, s.ctx.divisor);
        view_.marginRatioBps = view_.marginEquity <= 0 ? 0 : (uint256(view_.marginEquity) * PerpMath.BPS) / notional;
    }

    /// @inheritdoc IPerpMarket
    function sizeOf(address account) external view returns (int256) {
        return _accounts[account].size;
    }

    /// @inheritdoc IPerpMarket
    function isLiquidatable(address account) external view returns (bool) {
        PositionLib.Account memory acct = _accounts[account];
        // Without a position or a debt there is nothing to liquidate (and no price to read).
        if (acct.size == 0 && acct.margin >= 0) return false;
        (int256 equity, uint256 maintenance) = _maintenanceTest(_load(), account, acct);
        return equity < maintenance.toInt256();
    }

    /// @inheritdoc IPerpMarket
    function edgeGrowthOf(
        address account
    ) external view returns (uint256 roundId, uint256 grownAt, int256 guardedSize, uint256 pendingCharge) {
        EdgeLib.Growth memory growth = _growths[account];
        (roundId, grownAt, guardedSize) = (growth.roundId, growth.grownAt, growth.guardedSize);
        PositionLib.Account memory acct = _accounts[account];
        // A flat account's record is moot (a close leaves it unwritten).
        if (acct.size == 0) guardedSize = 0;
        if (guardedSize != 0) pendingCharge = _edgeCharge(_load(), growth, acct, false);
    }

    /// @inheritdoc IPerpMarket
    function fillPrice(int256 sizeDelta) external view returns (uint256) {
        if (sizeDelta == 0) revert ZeroAmount();
        State memory s = _load();
        return SkewMath.fillPrice(s.ctx.tradePrice(sizeDelta > 0), _skew(s.oi), sizeDelta, s.params.skewScaleTokens);
    }

    /// @inheritdoc IPerpMarket
    function skew() public view returns (int256) {
        return _skew(_oi);
    }

    /// @inheritdoc IPerpMarket
    function openInterest() external view returns (uint256 long, uint256 short) {
        return (_oi.long, _oi.short);
    }

    /// @inheritdoc IPerpMarket
    function fundingRatePerDay() external view returns (int256) {
        ParamsLib.Params memory p = _params;
        return SkewMath.fundingRate(skew(), p.skewScaleTokens, p.maxFundingRatePerDay);
    }

    /// @inheritdoc IPerpMarket
    function fundingIndex() external view returns (int256 index, uint256 lastUpdated) {
        return (_ledger.fundingIndex, _oi.lastFundingTime);
    }

    /// @inheritdoc IPerpMarket
    function poolBalance() external view returns (int256) {
        return _ledger.poolBalance;
    }

    /// @inheritdoc IPerpMarket
    function openClaims() public view returns (int256) {
        State memory s = _load();
        return _openClaims(s);
    }

    /// @inheritdoc IPerpMarket
    function poolEquity() external view returns (int256) {
        State memory s = _load();
        return int256(s.ledger.poolBalance) + _poolCollateralValue(s) - _openClaims(s);
    }

    /// @inheritdoc IPerpMarket
    function seizedCollateralCost(uint256 qty) external view returns (uint256 cost, uint256 price) {
        return _seizedSaleCost(_load(), qty);
    }

    /// @inheritdoc IPerpMarket
    function totalMarginDebt() external view returns (uint256) {
        return _claims.debt;
    }

    /// @inheritdoc IPerpMarket
    function poolCash() external view returns (int256) {
        return int256(_ledger.poolBalance) - int256(uint256(_claims.debt));
    }

    /// @inheritdoc IPerpMarket
    function collateralHaircutBps() external view returns (uint256) {
        return _params.collateralHaircutBps;
    }

    /// @inheritdoc IPerpMarket
    function marketParams() external view returns (MarketParams memory) {
        ParamsLib.Params memory p = _params;
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

    /// @inheritdoc IPerpMarket
    function oracleEdgeWindow() external view returns (uint256) {
        return _params.oracleEdgeWindow;
    }

    /// @inheritdoc IPerpMarket
    function pendingParameters() external view returns (PendingParameter[] memory list) {
        bytes32[10] memory names = ParamsLib.names();
        list = new PendingParameter[](names.length);
        uint256 count;
        for (uint256 i; i < names.length; ++i) {
            Pending memory change = _pending[names[i]];
            if (change.effectiveAt == 0) continue;
            list[count++] = PendingParameter(names[i], change.value, change.effectiveAt);
        }
        // Trim the array to the pending entries.
        assembly ("memory-safe") {
            mstore(list, count)
        }
    }

    /// @inheritdoc IPerpMarket
    function initialMarginBps() external view returns (uint256) {
        return _params.initialMarginBps;
    }

    /// @inheritdoc IPerpMarket
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

    /// @dev The one load step: oracle (price and its time), parameters, open interest, ledger and
    /// claims, with funding accrued to now in memory. Callers write back with `_store`.
    function _load() internal view returns (State memory s) {
        s.params = _params;
        s.oi = _oi;
        s.ledger = _ledger;
        s.claims = _claims;
        (uint256 price, uint256 updatedAt, uint80 roundId) = OracleLib.readRoundWad(feed(), _feedDecimals, 0, 0);
        s.ctx.price = price;
        // Within the edge window the previous answer is still the price a trader placed ahead of
        // this round could have traded at; its age is counted from the feed, so no trade extends it.
        s.ctx.previousPrice =
            block.timestamp - updatedAt < s.params.oracleEdgeWindow
                ? OracleLib.previousAnswerWad(AggregatorV3Interface(_aggregator), roundId, _feedDecimals, price)
                : price;
        s.ctx.divisor = _quoteDivisor;
        s.feed = EdgeLib.Feed({
            aggregator: AggregatorV3Interface(_aggregator),
            decimals: _feedDecimals,
            roundId: roundId,
            updatedAt: updatedAt,
            price: price,
            window: s.params.oracleEdgeWindow
        });
        _accrue(s);
    }

    /// @dev A trade of `owner_`'s position: the one body of `modifyPosition` and `fillOrder`.
    function _modify(address owner_, int256 sizeDelta, uint256 acceptablePrice) internal returns (uint256 fill) {
        if (sizeDelta == 0) revert ZeroAmount();
        State memory s = _load();
        fill = SkewMath.fillPrice(s.ctx.tradePrice(sizeDelta > 0), _skew(s.oi), sizeDelta, s.params.skewScaleTokens);
        if (sizeDelta > 0 ? fill > acceptablePrice : fill < acceptablePrice) {
            revert FillPriceOutOfBounds(fill, acceptablePrice);
        }
        PositionLib.Account memory account = _accounts[owner_];
        // A trade against the position may wait out the next round's window (EdgeLib.pendingMove).
        (EdgeLib.Growth memory growth, bool changed) = _settleEdge(
            s,
            owner_,
            account,
            account.size != 0 && (account.size > 0) != (sizeDelta > 0)
        );
        (PositionLib.Trade memory t, int256 newMargin) = _trade(s, owner_, account, sizeDelta, fill);
        _checkTradeMargin(s, t, newMargin, account.collateralValue(s.ctx, s.params.collateralHaircutBps));
        _commit(s, owner_, account, _traded(s, t, newMargin, account.collateralOf()), t, fill, 0);
        _recordGrowth(s, owner_, growth, changed, account.size, t.newSize, fill);
    }

    /// @dev Settles `owner_`'s growth record (EdgeLib) into `account` in memory before an action
    /// and reports a charge; the caller stores the record when `settled`. `reducing`: see
    /// EdgeLib.pendingMove.
    function _settleEdge(
        State memory s,
        address owner_,
        PositionLib.Account memory account,
        bool reducing
    ) internal returns (EdgeLib.Growth memory growth, bool settled) {
        growth = _growths[owner_];
        int256 guarded = growth.guardedSize;
        uint256 entryBefore = account.entryPrice;
        uint256 charge = _edgeCharge(s, growth, account, reducing);
        settled = growth.guardedSize != guarded;
        if (charge != 0) {
            emit OracleEdgeCharged(owner_, growth.roundId, guarded, charge, entryBefore, account.entryPrice);
        }
    }

    /// @dev Moves `owner_`'s growth record by its trade (EdgeLib.afterTrade) and stores it when
    /// that or the settlement before the trade changed it, unless the trade closed the position.
    function _recordGrowth(
        State memory s,
        address owner_,
        EdgeLib.Growth memory growth,
        bool settled,
        int256 oldSize,
        int256 newSize,
        uint256 fill
    ) internal {
        bool moved = growth.afterTrade(oldSize, newSize, s.feed, fill, s.ctx.tradePrice(newSize > oldSize));
        if (moved || (settled && newSize != 0)) {
            _growths[owner_] = growth;
        }
    }

    /// @dev `_settleEdge` for an action that grows nothing: stores the record when it settled.
    function _settleEdgeAndStore(State memory s, address owner_, PositionLib.Account memory account) internal {
        (EdgeLib.Growth memory growth, bool settled) = _settleEdge(s, owner_, account, false);
        if (settled) _growths[owner_] = growth;
    }

    /// @dev When the record settles: re-prices the guarded part of `account` (its open-claims term
    /// moves with it) and clears the guarded size, all in memory; returns the charge.
    function _edgeCharge(
        State memory s,
        EdgeLib.Growth memory growth,
        PositionLib.Account memory account,
        bool reducing
    ) internal view returns (uint256 charge) {
        // A flat account's record is moot: the next growth starts a new one.
        if (account.size == 0) return 0;
        (bool settles, uint256 move) = growth.pendingMove(s.feed, reducing);
        if (!settles) return 0;
        if (move != 0) {
            uint256 entry = EdgeLib.reprice(
                account.size,
                account.entryPrice,
                growth.guardedSize,
                move,
                growth.premiumPpm
            );
            s.claims.replace(
                account.size,
                account.entryPrice,
                account.lastFundingIndex,
                account.size,
                entry,
                account.lastFundingIndex,
                s.ctx.divisor
            );
            uint256 shift = entry > account.entryPrice ? entry - account.entryPrice : account.entryPrice - entry;
            charge = PerpMath.notionalUp(account.size, shift, s.ctx.divisor);
            account.entryPrice = entry.toUint96();
        }
        growth.guardedSize = 0;
    }

    function _store(State memory s) internal {
        _oi = s.oi;
        _ledger = s.ledger;
        _claims = s.claims;
    }

    /// @dev Advances the funding index in memory to now.
    function _accrue(State memory s) internal view {
        uint256 dt = block.timestamp - s.oi.lastFundingTime;
        if (dt != 0) {
            int256 rate = _fundingRate(s);
            if (rate != 0) {
                s.ledger.fundingIndex = (s.ledger.fundingIndex + SkewMath.indexDelta(rate, s.ctx.price, dt)).toInt128();
            }
            s.oi.lastFundingTime = uint40(block.timestamp);
        }
        s.ctx.fundingIndex = s.ledger.fundingIndex;
    }

    /// @dev A trade's outcome with the pool's payment rule applied: the account's margin after
    /// funding and PnL (cut if the pool cannot pay it) and the fee. Also moves the open interest
    /// and reports the settled funding.
    function _trade(
        State memory s,
        address owner_,
        PositionLib.Account memory account,
        int256 sizeDelta,
        uint256 fill
    ) internal returns (PositionLib.Trade memory t, int256 newMargin) {
        t = account.trade(sizeDelta, fill, s.params.takerFeeBps, s.ctx);
        int256 paid = _pay(s, owner_, t.funding + t.realizedPnl, t.funding, account, account.keptPnl(t.newSize, s.ctx));
        // Report the realised PnL net of any cut (funding has its own event).
        t.realizedPnl = paid - t.funding;
        _updateOpenInterest(s, account.size, t.newSize);
        newMargin = int256(account.margin) + paid - t.fee.toInt256();
        _emitFunding(s, owner_, t.funding);
    }

    /// @dev What the pool pays of `credit`, of which `funding` is settled funding, to `account`
    /// (its state before the action), with an event when it is cut; `keptPnl` is the unrealised
    /// PnL the action leaves open, at the oracle on the entry before it
    /// (PoolLib.payableOffsettingFunding).
    function _pay(
        State memory s,
        address owner_,
        int256 credit,
        int256 funding,
        PositionLib.Account memory account,
        int256 keptPnl
    ) internal returns (int256 paid) {
        if (credit <= 0) return credit;
        paid = PoolLib.payableOffsettingFunding(credit, funding, keptPnl, _cashFor(s, account.margin), _openClaims(s));
        if (paid != credit) emit ProfitReduced(owner_, uint256(credit), uint256(paid));
    }

    /// @dev PoolLib.payable_ for a positive `credit` to an account with settled `margin`.
    function _payable(State memory s, int256 credit, int256 margin) internal pure returns (int256) {
        return PoolLib.payable_(credit, _cashFor(s, margin), _openClaims(s));
    }

    /// @dev The pool's cash for an account with settled `margin`: its balance less the debts of
    /// other accounts.
    function _cashFor(State memory s, int256 margin) internal pure returns (int256) {
        return s.ledger.poolBalance - int256(uint256(s.claims.debt) - PoolLib.debtOf(margin));
    }

    /// @dev Margin tokens that join the pool's balance and its cash (no account owes them).
    function _addToPool(uint256 amount) internal {
        _ledger.poolBalance = (int256(_ledger.poolBalance) + amount.toInt256()).toInt128();
    }

    /// @dev A sale of seized collateral is priced as a buy fills (the oracle-edge rule), less the
    /// sale discount (CollateralLib.saleCost).
    function _seizedSaleCost(State memory s, uint256 qty) internal pure returns (uint256 cost, uint256 price) {
        price = s.ctx.tradePrice(true);
        cost = CollateralLib.saleCost(qty, price, s.ctx.divisor);
    }

    /// @dev The pool's base-token holdings at the oracle, rounded down.
    function _poolCollateralValue(State memory s) internal view returns (int256) {
        uint256 qty = poolCollateral;
        return qty == 0 ? int256(0) : int256(CollateralLib.valueDown(qty, s.ctx.price, s.ctx.divisor));
    }

    /// @dev Equity after the trade, collateral at its haircut value `collateralValue`, against
    /// initial margin for a growing position, maintenance for a shrinking one; settled margin may
    /// go negative only as far as the collateral covers it (an account beyond that must be
    /// liquidated instead).
    function _checkTradeMargin(
        State memory s,
        PositionLib.Trade memory t,
        int256 newMargin,
        uint256 collateralValue
    ) internal pure {
        int256 settled = newMargin + int256(collateralValue);
        if (t.newSize != 0) {
            int256 equity =
                settled + PerpMath.signedValue(t.newSize, PerpMath.priceDelta(s.ctx.price, t.newEntry), s.ctx.divisor);
            uint256 bps = t.grows ? s.params.initialMarginBps : s.params.maintenanceMarginBps;
            uint256 required = PositionLib.requirement(t.newSize, bps, s.ctx);
            if (equity < required.toInt256()) revert InsufficientMargin(equity, required);
        }
        if (settled < 0) revert InsufficientMargin(settled, 0);
    }

    /// @dev Writes the traded account `next` (`_traded`), the pool (it moves by exactly what
    /// margin does not keep or pay out) and the market; emits PositionModified. `paidOut` is a
    /// liquidation reward.
    function _commit(
        State memory s,
        address owner_,
        PositionLib.Account memory account,
        PositionLib.Account memory next,
        PositionLib.Trade memory t,
        uint256 fill,
        uint256 paidOut
    ) internal {
        s.ledger.poolBalance = (s.ledger.poolBalance + account.margin - next.margin - int256(paidOut)).toInt128();
        _writeAccount(s, owner_, account, next);
        _store(s);
        emit PositionModified(
            owner_,
            t.newSize - account.size,
            fill,
            t.newSize,
            t.newEntry,
            t.fee,
            t.realizedPnl,
            s.ctx.fundingIndex
        );
    }

    /// @dev The account after a trade, keeping settled `margin` (negative: a debt the collateral
    /// covers) and base-token `collateral_`.
    function _traded(
        State memory s,
        PositionLib.Trade memory t,
        int256 margin,
        uint256 collateral_
    ) internal pure returns (PositionLib.Account memory next) {
        next.setCollateral(collateral_);
        next.margin = margin.toInt96();
        next.size = t.newSize.toInt96();
        next.entryPrice = t.newEntry.toUint96();
        next.lastFundingIndex = s.ctx.fundingIndex.toInt96();
    }

    /// @dev Reverts unless `_maintenanceTest` finds equity below maintenance.
    function _requireLiquidatable(State memory s, address owner_, PositionLib.Account memory acct) internal view {
        (int256 equity, uint256 maintenance) = _maintenanceTest(s, owner_, acct);
        if (equity >= maintenance.toInt256()) revert NotLiquidatable(equity, maintenance);
    }

    /// @dev The liquidation test: `acct`'s equity at the oracle (collateral at its haircut) and its
    /// maintenance requirement (zero with no position, so only a debt the collateral no longer
    /// covers), a pending growth charge counted at once, even inside the next round's window. It
    /// leaves `acct` and the open-claims sums as they were.
    function _maintenanceTest(
        State memory s,
        address owner_,
        PositionLib.Account memory acct
    ) internal view returns (int256 equity, uint256 maintenance) {
        (uint96 entry, int128 basis) = (acct.entryPrice, s.claims.basis);
        _edgeCharge(s, _growths[owner_], acct, false);
        equity = acct.marginEquity(s.ctx, s.params.collateralHaircutBps);
        maintenance = PositionLib.requirement(acct.size, s.params.maintenanceMarginBps, s.ctx);
        (acct.entryPrice, s.claims.basis) = (entry, basis);
    }

    /// @dev A liquidation's close of the whole position, an ordinary trade: the premium of the skew
    /// it moves and the taker fee. Returns the account's margin after it (`left`) and the closed
    /// notional at the fill; an account with no position closes nothing.
    function _closeAll(
        State memory s,
        address owner_,
        PositionLib.Account memory acct
    ) internal returns (PositionLib.Trade memory t, uint256 fill, int256 left, uint256 notional) {
        left = acct.margin;
        if (acct.size == 0) return (t, fill, left, notional);
        int256 sizeDelta = -int256(acct.size);
        fill = SkewMath.liquidationFillPrice(
            s.ctx.tradePrice(sizeDelta > 0),
            _skew(s.oi),
            sizeDelta,
            s.params.skewScaleTokens
        );
        (t, left) = _trade(s, owner_, acct, sizeDelta, fill);
        notional = PerpMath.toCollateralDown(SignedMath.abs(sizeDelta), fill, s.ctx.divisor);
    }

    /// @dev A liquidation's collateral event, shortfall and the liquidator's reward transfers.
    function _payLiquidation(State memory s, address account, CollateralLib.Liquidation memory split) internal {
        if (split.seized != 0 || split.rewardQty != 0) {
            emit CollateralLiquidated(account, msg.sender, split.seized, split.covered, split.rewardQty, s.ctx.price);
        }
        if (split.margin < 0) _recordShortfall(s, account, uint256(-split.margin));
        if (split.rewardFromMargin != 0) collateral.safeTransfer(msg.sender, split.rewardFromMargin);
        if (split.rewardQty != 0) baseToken.safeTransfer(msg.sender, split.rewardQty);
    }

    /// @dev A withdrawal from an account with a position: funding settles; a withdrawal beyond
    /// settled margin realises the profit at the price a close would get before its premium
    /// (`tradePrice` of the closing side; the entry is re-based there) through the same pool rule
    /// as a close.
    function _withdrawWithPosition(PositionLib.Account memory account, uint256 amount) internal {
        State memory s = _load();
        _settleEdgeAndStore(s, msg.sender, account);
        int256 funding = account.pendingFunding(s.ctx);
        uint256 closePrice = s.ctx.tradePrice(account.size < 0);
        int256 pnl = account.pnlAt(closePrice, s.ctx.divisor);
        bool realize = int256(account.margin) + funding < amount.toInt256() && pnl > 0;
        // What stays unrealised, at the oracle: all of it, or what lies between it and the close price.
        int256 keptPnl = account.unrealizedPnl(s.ctx) - (realize ? pnl : int256(0));
        int256 paid = _pay(s, msg.sender, realize ? funding + pnl : funding, funding, account, keptPnl);
        int256 marginAfter = int256(account.margin) + paid - amount.toInt256();
        // The collateral counts at its haircut.
        int256 rest = keptPnl + int256(account.collateralValue(s.ctx, s.params.collateralHaircutBps));
        _checkWithdrawal(s, account.size, marginAfter, rest);
        s.ledger.poolBalance = (s.ledger.poolBalance - paid).toInt128();
        // A copy: `account` stays the old state that _writeAccount takes out of the sums.
        PositionLib.Account memory next = PositionLib.Account({
            margin: marginAfter.toInt96(),
            size: account.size,
            collateralHigh: account.collateralHigh,
            entryPrice: realize ? closePrice.toUint96() : account.entryPrice,
            lastFundingIndex: s.ctx.fundingIndex.toInt96(),
            collateralLow: account.collateralLow
        });
        _writeAccount(s, msg.sender, account, next);
        _store(s);
        _emitFunding(s, msg.sender, funding);
        if (realize) emit ProfitRealized(msg.sender, paid - funding, closePrice);
    }

    /// @dev Equity after a withdrawal (margin plus `rest`: unrealised PnL and collateral at its
    /// haircut) must cover the initial margin, from non-negative margin: a withdrawal never
    /// creates a debt.
    function _checkWithdrawal(State memory s, int256 size, int256 marginAfter, int256 rest) internal pure {
        int256 equityAfter = marginAfter + rest;
        uint256 required = PositionLib.requirement(size, s.params.initialMarginBps, s.ctx);
        if (marginAfter < 0 || equityAfter < required.toInt256()) {
            revert WithdrawalBelowInitialMargin(equityAfter, required);
        }
    }

    /// @dev The only report of settled funding.
    function _emitFunding(State memory s, address owner_, int256 funding) internal {
        if (funding != 0) emit FundingSettled(owner_, funding, s.ctx.fundingIndex);
    }

    /// @dev Stores `next` for `owner_` and moves its terms in the open-claims and debt sums.
    function _writeAccount(
        State memory s,
        address owner_,
        PositionLib.Account memory old,
        PositionLib.Account memory next
    ) internal {
        s.claims.replace(
            old.size,
            old.entryPrice,
            old.lastFundingIndex,
            next.size,
            next.entryPrice,
            next.lastFundingIndex,
            s.ctx.divisor
        );
        s.claims.replaceDebt(old.margin, next.margin);
        _accounts[owner_] = next;
    }

    /// @dev The pool has already taken the shortfall (it received the account's whole margin and
    /// collateral and no more); the part its equity counting open claims cannot cover is bad debt.
    function _recordShortfall(State memory s, address account, uint256 shortfall) internal {
        emit ShortfallAbsorbed(account, shortfall);
        int256 equity = int256(s.ledger.poolBalance) + _poolCollateralValue(s) - _openClaims(s);
        if (equity < 0) {
            uint256 uncovered = Math.min(shortfall, uint256(-equity));
            uint256 total = badDebt + uncovered;
            badDebt = total;
            emit BadDebtRecorded(account, uncovered, total);
        }
    }

    /// @dev Moves `oldSize` out of and `newSize` into the side totals; a side that grows must
    /// stay within its cap.
    function _updateOpenInterest(State memory s, int256 oldSize, int256 newSize) internal pure {
        OpenInterest memory oi = s.oi;
        uint256 long = oi.long;
        uint256 short = oi.short;
        if (oldSize > 0) long -= uint256(oldSize);
        else short -= uint256(-oldSize);
        if (newSize > 0) long += uint256(newSize);
        else short += uint256(-newSize);
        uint256 longCap = uint256(s.params.maxLongTokens) * PerpMath.WAD;
        uint256 shortCap = uint256(s.params.maxShortTokens) * PerpMath.WAD;
        if (long > oi.long && long > longCap) revert OpenInterestCapExceeded(true, long, longCap);
        if (short > oi.short && short > shortCap) revert OpenInterestCapExceeded(false, short, shortCap);
        // Both fit in uint96: caps are at most 1e9 tokens, and a side over its cap (after the owner
        // lowers it) can only shrink.
        oi.long = uint96(long);
        oi.short = uint96(short);
    }

    function _openClaims(State memory s) internal pure returns (int256) {
        return s.claims.openClaims(_skew(s.oi), s.ctx.price, s.ctx.fundingIndex, s.ctx.divisor);
    }

    /// @dev Writes a parameter and emits; funding accrues under the old values first.
    function _writeParameter(ParamsLib.Params memory p, bytes32 name, uint256 value) internal {
        if (name == ParamsLib.SKEW_SCALE || name == ParamsLib.MAX_FUNDING_RATE_PER_DAY) _accrueStored();
        p.set(name, value);
        _params = p;
        emit ParameterSet(name, value);
    }

    /// @dev Accrues stored funding; reads the oracle only when funding actually flows.
    function _accrueStored() internal {
        OpenInterest memory oi = _oi;
        if (oi.lastFundingTime == block.timestamp) return;
        if (oi.long == oi.short) {
            _oi.lastFundingTime = uint40(block.timestamp);
            return;
        }
        State memory s = _load();
        _store(s);
        emit FundingAccrued(s.ledger.fundingIndex, _fundingRate(s));
    }

    function _fundingRate(State memory s) internal pure returns (int256) {
        return SkewMath.fundingRate(_skew(s.oi), s.params.skewScaleTokens, s.params.maxFundingRatePerDay);
    }

    function _baseTokenOrRevert() internal view returns (IERC20 token) {
        token = baseToken;
        if (address(token) == address(0)) revert SpotCollateralDisabled();
    }

    function _skew(OpenInterest memory oi) internal pure returns (int256) {
        return int256(uint256(oi.long)) - int256(uint256(oi.short));
    }
}
