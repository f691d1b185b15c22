// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {OracleLib} from "../libraries/OracleLib.sol";

/// @title IPerpMarket
/// @notice A single-market, oracle-priced, collateral-margined linear perpetual exchange (e.g.
/// ETH-USD margined in USDC). Sizes are base units with 18 decimals (negative = short), prices are
/// WADs (quote per whole base token), margin and every cash flow are collateral-token units.
///
/// Pricing: every trade, liquidations included, fills at the Chainlink price moved by a skew
/// premium, fillPrice = oracle * (1 + (skewBefore + skewAfter) / 2 / skewScale), with
/// skew = long open interest - short open interest, and pays a taker fee (bps of the fill notional).
///
/// Funding: while the skew is non-zero the heavy side pays the light side at
/// clamp(skew / skewScale, -1, 1) * maxFundingRatePerDay, accrued per second into a cumulative
/// index (quote per whole base token, WAD) and settled into margin on every account action.
///
/// Counterparty: the pool (`poolBalance`) takes the other side of every cash flow, so
/// collateral.balanceOf(market) == sum(signed margins) + poolBalance holds to the wei. The pool's
/// solvency counts what open positions claim (`openClaims`):
/// `poolEquity = poolBalance + poolCollateral at the oracle - openClaims`. While open claims
/// exceed the margin tokens the pool holds (`poolCash`; with no margin debts that is its balance,
/// so its equity counting claims is negative), every profit paid out (realised PnL plus funding received) is cut pro rata to poolCash / openClaims, so
/// winners share what the pool holds instead of the first ones draining it (GMX v2 caps traders'
/// PnL against pool value the same way, `MAX_PNL_FACTOR_FOR_TRADERS`). Funding a losing position
/// earned is not a winner's profit: at an action that leaves the position open it offsets the
/// loss the position carried and is paid in full as far as the pool's cash goes
/// (PoolLib.payableOffsettingFunding), as `positionOf` values it. Settled margin is never frozen
/// by the pool's state.
///
/// Spot collateral (markets deployed with a `baseToken`): an account may post the base token
/// (`depositCollateral`). Every margin rule (trade and withdrawal checks, the liquidation test,
/// the margin ratio) counts it at the oracle price less `collateralHaircutBps`, and its settled
/// margin may then go negative (a debt to the pool, `totalMarginDebt`) through fees, funding and
/// realised losses, as far as the collateral at its haircut covers it. A debt is a receivable of
/// the pool: it is part of `poolBalance`, so the margin tokens the pool actually holds are
/// `poolCash = poolBalance - totalMarginDebt`, and baseToken.balanceOf(market) ==
/// sum(collateral) + poolCollateral holds to the wei. Margin withdrawals never create a debt.
/// Liquidation closes the position as any close, covers a remaining debt with collateral taken
/// at the oracle price (rounded up) into `poolCollateral`, then pays the reward from what is left,
/// collateral included; the rest stays the account's. Seized collateral stays in the market,
/// valued at the oracle in `poolEquity`; it pays no margin-token profit until anyone buys it
/// (`buySeizedCollateral`) at the price a buy fills at (the oracle-edge rule below) less
/// `SEIZED_SALE_DISCOUNT_BPS`, which turns it into the pool's cash.
///
/// Trading ahead of the oracle, in two rules that share `oracleEdgeWindow`:
/// - After a round: while the feed's latest round is younger than the window, every fill (trades,
///   liquidations, and the realisation of profit on a withdrawal) is priced at the worse, for the
///   trader, of that round's answer and the previous round's: a buyer at the higher, a seller at
///   the lower; after the window, at the latest answer alone. The skew premium and the fee come on
///   top. It is counted from the feed's own timestamp, so no trade can start or extend it. Where
///   the previous round cannot be read (the feed's first round, the first round of a new proxy
///   phase) the latest answer is used.
/// - Before a round: each account keeps its latest growth (`edgeGrowthOf`): the round it was made
///   in, its time, and the size grown in that round (growths in one round add up; a reduction uses
///   the guarded size up first). When the next round lands less than the window after the growth,
///   the guarded size is re-priced from the answer its fill was priced at (before the premium) to
///   the next round's answer where that is worse for the trader: the entry moves against the
///   account by the favourable move, scaled by the largest skew premium the round's fills paid
///   over the answer, since such a fill moves with the price at that scale (`OracleEdgeCharged`);
///   an adverse move is kept in full. The charge is applied at the account's next trade,
///   withdrawal or liquidation, before anything else, and counted by `positionOf` and
///   `isLiquidatable` at once; `openClaims` counts it when applied (it errs towards the pool). A
///   trade against the position inside the next round's own window fills at the previous answer
///   already, so it uses the guarded size up with no charge; so does a liquidation there, whose
///   test (`isLiquidatable`) still counts the charge at once. A new growth in a later round
///   settles the old record first. A next round that cannot be read (a gap in round ids, or a
///   phase change whose first round is unreadable) counts as inside the window, with the latest
///   answer as its answer.
/// Together they leave no move to a round trip around a round the trader saw pending, on one
/// account or on a pair opened on two accounts ahead of it. An honest trader pays only on size
/// grown less than the window before a round, and only what that round moved in its favour.
/// Limit: the record is per account and guards growth. Exposure that exists before the window (a
/// pair held from earlier) becomes directional when one leg is closed ahead of a round, and a
/// reduction is not charged, so that pair keeps the round's move (see the README's threat model).
/// Equity, margin requirements and liquidation eligibility use the latest answer, with any growth
/// charge counted.
///
/// Delayed mode (chosen at deployment: `orderBook` non-zero): accounts cannot trade here directly
/// (`modifyPosition` reverts with DelayedOrdersOnly); they submit orders to the order book
/// (IDelayedOrders), which fills them later through `fillOrder` at the first oracle round published
/// after the submission. A fill is the same trade as `modifyPosition` (every rule above applies,
/// the margin check at execution included). Margin, collateral and liquidations stay synchronous.
/// The book can trade every account's margin: it is fixed at deployment and must be deployed code.
///
/// Owner: every parameter change, loosening included, takes effect `PARAMETER_DELAY` after it is
/// proposed (`pendingParameters` lists it with its effective time; proposing the value in force
/// withdraws it); tightening changes (higher fee, margins, reward, funding rate or edge window,
/// lower skew scale) are also bounded per change. Constructor values apply at once.
///
/// Rounding: every conversion is rounded against the account (credits down, debits up).
interface IPerpMarket {
    /// @notice Risk and pricing parameters (API form; stored packed).
    /// @param takerFeeBps Fee on the fill notional of every trade, bps.
    /// @param initialMarginBps Equity / notional required to open, grow or flip a position, bps.
    /// @param maintenanceMarginBps Equity / notional below which the account is liquidatable, bps.
    /// @param liquidationRewardBps Liquidator reward, bps of the closed notional, paid from the
    /// liquidated account's equity after the close (never from the pool).
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
    /// @param unrealizedPnl PnL of the open position at the oracle price, less any part of the
    /// account's profit the pool could not pay now (PoolLib.payable_): never valued at face.
    /// @param accruedFunding Funding since the last settlement, extrapolated to now (+ = received).
    /// @param margin Settled margin's positive part, collateral units (0 under a debt).
    /// @param equity signedMargin + unrealizedPnl + accruedFunding: the margin token only, no
    /// base-token collateral.
    /// @param marginRatioBps marginEquity / notional in bps (0 when marginEquity <= 0); max with no
    /// position.
    /// @param signedMargin Settled margin, signed: negative is a debt to the pool.
    /// @param collateral Base-token collateral posted, base units.
    /// @param collateralValue The collateral at the full oracle price, rounded down (what it is
    /// worth as tokens, e.g. to a holder that could withdraw it).
    /// @param marginEquity equity + the collateral at the oracle price less the haircut: the
    /// valuation of the margin rules (with the pool's cut of an unrealised profit, as in
    /// unrealizedPnl; the rules themselves count that profit at face).
    struct PositionView {
        int256 size;
        uint256 entryPrice;
        uint256 margin;
        int256 unrealizedPnl;
        int256 accruedFunding;
        int256 equity;
        uint256 marginRatioBps;
        int256 signedMargin;
        uint256 collateral;
        uint256 collateralValue;
        int256 marginEquity;
    }

    /// @notice A parameter change waiting for its effective time.
    struct PendingParameter {
        bytes32 name;
        uint256 value;
        uint256 effectiveAt;
    }

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    event MarginDeposited(address indexed account, uint256 amount);
    event MarginWithdrawn(address indexed account, address indexed to, uint256 amount);
    /// @notice Base-token collateral posted, base units.
    event CollateralDeposited(address indexed account, uint256 qty);
    /// @notice Base-token collateral withdrawn to `to`, base units.
    event CollateralWithdrawn(address indexed account, address indexed to, uint256 qty);
    /// @param fee Taker fee charged, collateral units.
    /// @param realizedPnl PnL paid or charged on the closed part at the fill, after any pool haircut
    /// (funding is reported by FundingSettled).
    /// @param fundingIndex The market's funding index after accruing to this block.
    event PositionModified(
        address indexed account,
        int256 sizeDelta,
        uint256 fillPrice,
        int256 newSize,
        uint256 newEntryPrice,
        uint256 fee,
        int256 realizedPnl,
        int256 fundingIndex
    );
    /// @notice Funding settled into an account's margin (+ = received). The only report of
    /// settled funding: trades, withdrawals and liquidations all emit it.
    event FundingSettled(address indexed account, int256 funding, int256 fundingIndex);
    /// @notice Unrealised profit was paid into margin on a withdrawal, valued at `price` (the
    /// oracle-edge price of a close, before its premium); the entry is now `price`.
    event ProfitRealized(address indexed account, int256 profit, uint256 price);
    /// @notice A profit the pool could not pay in full (negative pool equity) was cut pro rata.
    event ProfitReduced(address indexed account, uint256 owed, uint256 paid);
    /// @notice Funding accrued outside an account action (before a funding-parameter change).
    event FundingAccrued(int256 fundingIndex, int256 ratePerDay);
    event PoolFunded(address indexed funder, uint256 amount);
    /// @param price Fill price of the closing trade (premium included).
    /// @param equity Account equity after the close and its fee, before the reward (negative
    /// under a shortfall).
    event Liquidated(
        address indexed account,
        address indexed liquidator,
        int256 size,
        uint256 price,
        int256 equity,
        uint256 reward,
        int256 fundingIndex
    );
    /// @notice The oracle-edge growth charge ("Trading ahead"): `guardedSize`, grown in round
    /// `roundId` less than `oracleEdgeWindow` before the next round landed, gave up that round's
    /// favourable move; the entry moved from `entryBefore` to `entryAfter`, `charge` collateral
    /// units of equity (rounded up) that stay with the pool.
    event OracleEdgeCharged(
        address indexed account,
        uint80 roundId,
        int256 guardedSize,
        uint256 charge,
        uint256 entryBefore,
        uint256 entryAfter
    );
    /// @notice A liquidation took base-token collateral: `seized` into `poolCollateral` to cover
    /// `debtCovered` of margin debt, and `rewardQty` to the liquidator, both at oracle `price`.
    event CollateralLiquidated(
        address indexed account,
        address indexed liquidator,
        uint256 seized,
        uint256 debtCovered,
        uint256 rewardQty,
        uint256 price
    );
    /// @notice `buyer` bought `qty` of the pool's seized base tokens for `cost` margin tokens: `price`
    /// (the oracle price a buy fills at, WAD) less the sale discount, rounded up.
    event SeizedCollateralSold(address indexed buyer, uint256 qty, uint256 cost, uint256 price);
    /// @notice The pool took a liquidation shortfall (negative equity) onto itself.
    event ShortfallAbsorbed(address indexed account, uint256 shortfall);
    /// @notice Part of a shortfall the pool's equity could not cover; `totalBadDebt` is `badDebt`.
    event BadDebtRecorded(address indexed account, uint256 amount, uint256 totalBadDebt);
    event ParameterSet(bytes32 indexed name, uint256 value);
    /// @notice A change was proposed; `applyParameter` makes it effective at `effectiveAt`.
    event ParameterProposed(bytes32 indexed name, uint256 value, uint256 effectiveAt);
    /// @notice A pending change was withdrawn (the owner proposed the value in force).
    event ParameterProposalCancelled(bytes32 indexed name);

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
    /// @notice Equity after a withdrawal would be below the initial margin of the open position
    /// (`required` 0: the withdrawal would create or leave a margin debt the collateral does not cover).
    error WithdrawalBelowInitialMargin(int256 equityAfter, uint256 required);
    /// @notice The market was deployed without a base token: it takes no spot collateral.
    error SpotCollateralDisabled();
    /// @notice A collateral withdrawal larger than the account's collateral.
    error CollateralWithdrawalExceedsBalance(uint256 qty, uint256 collateral);
    /// @notice A purchase of more seized base tokens than the pool holds (`poolCollateral`).
    error SeizedCollateralExceeded(uint256 qty, uint256 poolCollateral);
    /// @notice A purchase of seized base tokens would cost more than the buyer's bound.
    error SeizedCollateralCostAboveMax(uint256 cost, uint256 maxCost);
    /// @notice The base token is the margin token or does not have 18 decimals.
    error BaseTokenUnsupported(address token, uint8 decimals);
    /// @notice A side's open interest would exceed its cap.
    error OpenInterestCapExceeded(bool isLong, uint256 openInterest, uint256 cap);
    /// @notice The account holds at least maintenance equity (or no position).
    error NotLiquidatable(int256 equity, uint256 maintenanceMargin);
    /// @notice Kept for the ABI of earlier deployments, whose withdrawals waited while the pool
    /// was negative. No path reverts with it now: the pool never pays past its balance, so every
    /// settled margin is backed by tokens.
    error PoolDeficit(uint256 deficit);
    /// @notice The market is in delayed mode: trades go through `orderBook` (IDelayedOrders).
    error DelayedOrdersOnly(address orderBook);
    /// @notice Only the market's order book may call `fillOrder`.
    error NotOrderBook(address caller);
    /// @notice The order book given at deployment has no code.
    error OrderBookNotContract(address orderBook);
    /// @notice A parameter outside its hard bounds.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice A tightening change larger than one step allows.
    error ParameterStepTooLarge(bytes32 name, uint256 value, uint256 current, uint256 limit);
    /// @notice The value is already in force and nothing is pending.
    error ParameterUnchanged(bytes32 name, uint256 value);
    /// @notice No change is pending for `name`.
    error NoPendingParameter(bytes32 name);
    /// @notice The pending change is not effective before `effectiveAt`.
    error ParameterNotYetEffective(bytes32 name, uint256 effectiveAt);
    /// @notice No parameter has this name.
    error UnknownParameter(bytes32 name);

    // ---------------------------------------------------------------------------------------
    // Margin and pool
    // ---------------------------------------------------------------------------------------

    /// @notice Adds `amount` collateral to the caller's margin. Needs no oracle, so margin can be
    /// topped up even while the feed is stale.
    function depositMargin(uint256 amount) external;

    /// @notice Sends `amount` of the caller's margin to `to`: only positive margin leaves, so a
    /// withdrawal never creates a debt. With an open position, funding is settled first and
    /// equity after the withdrawal (base-token collateral at its haircut) must stay at or above
    /// the initial margin of the position's notional at the oracle price. When the withdrawal exceeds settled margin and
    /// the position is in profit, the profit is realised first at the price a close would get
    /// before its premium (the oracle-edge rule; the entry is re-based there), through the same
    /// pool haircut as a close.
    function withdrawMargin(uint256 amount, address to) external;

    /// @notice Posts `qty` base tokens as the caller's collateral. Needs no oracle. Reverts with
    /// SpotCollateralDisabled on a market without a base token.
    function depositCollateral(uint256 qty) external;

    /// @notice Sends `qty` of the caller's base-token collateral to `to`. With an open position or
    /// a margin debt, equity after the withdrawal (collateral at its haircut, funding pending at
    /// now, unrealised PnL at the oracle) must stay at or above the initial margin of the
    /// position, and the settled margin plus the pending funding plus the remaining collateral at
    /// its haircut at or above zero (funding is not settled, but it joins the margin at the
    /// account's next action, so the collateral left must cover the debt with it).
    function withdrawCollateral(uint256 qty, address to) external;

    /// @notice Adds `amount` collateral to the pool (the traders' counterparty and insurance
    /// fund). Pool capital is not withdrawable: it backs open positions.
    function fundPool(uint256 amount) external;

    /// @notice Buys `qty` of the base tokens the pool seized in liquidations (`poolCollateral`)
    /// for margin tokens, so the pool can pay winners in the token they are owed. Anyone may call
    /// it. The price is the oracle price a buy fills at (inside the oracle-edge window after a
    /// round, the higher of that round's answer and the previous one's) less
    /// `SEIZED_SALE_DISCOUNT_BPS`, the buyer's whole edge; the cost rounds up. The margin tokens
    /// join the pool's balance and its cash; the base tokens go to the caller. Reverts with
    /// SpotCollateralDisabled on a market without a base token, and with the feed's error when
    /// its price is stale or invalid.
    /// @param maxCost Most margin tokens the caller will pay.
    /// @return cost Margin tokens paid.
    function buySeizedCollateral(uint256 qty, uint256 maxCost) external returns (uint256 cost);

    // ---------------------------------------------------------------------------------------
    // Trading
    // ---------------------------------------------------------------------------------------

    /// @notice Changes the caller's position by `sizeDelta` base units (positive buys, negative
    /// sells; synchronous markets only, DelayedOrdersOnly in delayed mode) at `fillPrice(sizeDelta)` (oracle-edge rule, then skew premium). Settles funding,
    /// realises PnL on any closed part at the fill, charges the taker fee, then checks margin
    /// (collateral at its haircut): initial margin when the position opens, grows or flips,
    /// maintenance when it shrinks, and settled margin plus collateral non-negative.
    /// @param acceptablePrice Worst accepted fill: a buy reverts above it, a sell below it.
    /// @return fill The fill price, WAD.
    function modifyPosition(int256 sizeDelta, uint256 acceptablePrice) external returns (uint256 fill);

    /// @notice Fills an order on `account`'s behalf: the trade `modifyPosition` would make for it, at
    /// the fill price now. Only the order book of a delayed-mode market may call it (NotOrderBook).
    /// @return fill The fill price, WAD.
    function fillOrder(address account, int256 sizeDelta, uint256 acceptablePrice) external returns (uint256 fill);

    /// @notice Closes `account`'s whole position when its equity at the oracle price (collateral
    /// at its haircut) is below the maintenance margin; an account without a position is
    /// liquidatable when its collateral at the haircut no longer covers its margin debt. The close
    /// is an ordinary trade: it fills at `fillPrice(-size)` (oracle-edge rule and skew premium;
    /// floored at one wei where that premium would reach -100%) and pays the taker fee. A pending
    /// growth charge counts in the test; inside the next round's window the close's fill gives the
    /// guarded size's move up instead, so it is not charged as well (as a close there). A margin
    /// debt left after it is covered by base-token collateral taken at the oracle price (rounded
    /// up) into `poolCollateral`. The caller then earns `liquidationRewardBps` of the closed
    /// notional (of the covered debt when there was no position), paid from positive margin and
    /// then from collateral, capped at what the account has left; the rest stays the account's.
    /// A debt the collateral cannot cover is absorbed by the pool; the part the pool's equity
    /// cannot cover is added to `badDebt`. Liquidating an account without a position closes
    /// nothing: PositionModified and Liquidated then report a zero size and fill.
    /// @return reward Margin tokens paid to the caller (a base-token part is in CollateralLiquidated).
    function liquidate(address account) external returns (uint256 reward);

    // ---------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------

    /// @notice Proposes one parameter (see the name constants) within its hard bounds, checked
    /// against the parameters in force; it becomes pending until `block.timestamp +
    /// PARAMETER_DELAY` (replacing any pending value of the same name). A tightening change may
    /// move at most one step from the value in force. Proposing the value in force withdraws the
    /// pending change.
    function setParameter(bytes32 name, uint256 value) external;

    /// @notice Makes a pending change effective once its time has come. Anyone may call it.
    function applyParameter(bytes32 name) external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice Margin token.
    function collateral() external view returns (IERC20);

    /// @notice The order book of a delayed-mode market (zero: synchronous).
    function orderBook() external view returns (address);

    /// @notice The base token accepted as a second collateral (zero: none).
    function baseToken() external view returns (IERC20);

    /// @notice Haircut, bps, taken off the base-token collateral's oracle value by every margin rule.
    function collateralHaircutBps() external view returns (uint256);

    /// @notice `account`'s position valued at the current oracle price, funding extrapolated to now.
    function positionOf(address account) external view returns (PositionView memory);

    /// @notice Signed size of `account` (no oracle read).
    function sizeOf(address account) external view returns (int256);

    /// @notice True when `account` has a position and equity below the maintenance margin.
    function isLiquidatable(address account) external view returns (bool);

    /// @notice `account`'s latest growth ("Trading ahead"): the feed round it was made in, its
    /// time, the size still guarded (0: none), and the charge settling it now would make (0 while
    /// its next round has not landed, or when that round went against the trader or landed after
    /// the window).
    function edgeGrowthOf(
        address account
    ) external view returns (uint256 roundId, uint256 grownAt, int256 guardedSize, uint256 pendingCharge);

    /// @notice Price a trade of `sizeDelta` would fill at now (oracle-edge rule and skew premium,
    /// before the fee).
    function fillPrice(int256 sizeDelta) external view returns (uint256);

    /// @notice Long open interest minus short open interest, base units.
    function skew() external view returns (int256);

    /// @notice Total long and short size, base units.
    function openInterest() external view returns (uint256 long, uint256 short);

    /// @notice Current funding rate, WAD per day; positive when longs pay shorts.
    function fundingRatePerDay() external view returns (int256);

    /// @notice Stored cumulative funding index (quote per whole base token, WAD) and its timestamp.
    function fundingIndex() external view returns (int256 index, uint256 lastUpdated);

    /// @notice Realised pool balance, collateral units; negative when the pool has paid out
    /// profits that open losing positions still owe it.
    function poolBalance() external view returns (int256);

    /// @notice What open positions claim from the pool at the oracle price now: their total
    /// unrealised PnL plus accrued funding (negative when they owe the pool).
    function openClaims() external view returns (int256);

    /// @notice poolBalance + poolCollateral at the oracle price - openClaims: what the pool would
    /// hold if every position closed now (margin debts counted at face, as receivables).
    function poolEquity() external view returns (int256);

    /// @notice Base-token collateral the pool took in liquidations and has not sold
    /// (`buySeizedCollateral`), base units. The owner cannot withdraw it (pool capital is not
    /// withdrawable).
    function poolCollateral() external view returns (uint256);

    /// @notice What `buySeizedCollateral(qty, ...)` would cost now and the oracle price it would
    /// use (before the discount), whether or not the pool holds `qty`.
    function seizedCollateralCost(uint256 qty) external view returns (uint256 cost, uint256 price);

    /// @notice The discount, bps of the oracle value, at which the pool sells its seized base tokens.
    function SEIZED_SALE_DISCOUNT_BPS() external view returns (uint256);

    /// @notice Sum of the accounts' margin debts (negative settled margins), collateral units.
    function totalMarginDebt() external view returns (uint256);

    /// @notice poolBalance - totalMarginDebt: the margin tokens the pool holds beyond every
    /// positive margin, the most it can pay out.
    function poolCash() external view returns (int256);

    /// @notice Cumulative liquidation shortfall the pool's equity could not cover.
    function badDebt() external view returns (uint256);

    /// @notice Current parameters.
    function marketParams() external view returns (MarketParams memory);

    /// @notice Seconds after a feed round during which fills are priced at the worse of its answer
    /// and the previous round's (0: the rule is off).
    function oracleEdgeWindow() external view returns (uint256);

    /// @notice Every change waiting for its effective time.
    function pendingParameters() external view returns (PendingParameter[] memory);

    /// @notice Initial margin requirement, bps of notional.
    function initialMarginBps() external view returns (uint256);

    /// @notice The price feed and its checks.
    function feed() external view returns (OracleLib.Feed memory);
}
