// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IOracleErrors} from "./IOracleErrors.sol";

/// @title IDeltaNeutralVault
/// @notice An ERC-4626 vault that holds a spot token and an equal perpetual short, so its share
/// price does not move with the spot price. Assets (a stablecoin) are deposited idle, but in
/// SpotCollateral mode (below) on a venue that fills now, where a deposit into a hedged book is
/// deployed in its own transaction; `rebalance` deploys idle and moves toward every target when
/// an oracle-measured band is breached.
///
/// Accounting (asset units): totalAssets = idle + spotQty * oraclePrice + perp equity
/// (margin + unrealised PnL + accrued funding, or what the venue can pay when that is less). Fees
/// owed are paid in new shares.
///
/// Two hedge modes, chosen at deployment (`hedgeMode`). CashMargin: the deployable NAV splits
/// into spot and the short's USDC margin at the target leverage. SpotCollateral: the spot bought
/// is posted at the venue as the short's collateral (the venue must accept the spot token) and
/// the short equals it; the USDC margin may be a debt the collateral covers, so the short's loss
/// in a rally is matched by the collateral's gain and NAV does not move with price. In that mode
/// spotQty counts the posted collateral too, perp equity counts it at the oracle price, and the
/// margin ratio is the venue's (collateral at its haircut). Prices come from Chainlink feeds (the spot's USD price over the
/// asset's USD price when the asset has a feed), never from a pool.
///
/// Bands, each in bps and bounded by constants:
/// - delta: |spotQty - shortQty| * price / totalAssets above the delta band;
/// - margin: the perp margin ratio below a minimum (a rally drains margin) or above a maximum
///   (after a fall, margin sits idle);
/// - idle: idle assets above the idle buffer plus the idle band (after deposits).
/// Each band has a soft and a hard threshold. A KEEPER may rebalance past a soft threshold (no
/// sooner than `minRebalanceInterval` after the last rebalance); anyone may rebalance past a hard
/// threshold, so the vault stays safe while keepers are down.
///
/// A rebalance always makes progress: risk-reducing steps first, the spot trade sized to what its
/// oracle bound allows (halved until the pool fills it), and a post-trade check that the breached
/// band improved and no band ended past its hard threshold worse than before. Flows pay their own
/// costs: a depositor its deployment (an entry charge, in `previewDeposit`/`previewMint`, or the
/// actual cost, never more, of a deposit deployed at once), a leaver its unwind; each flow has an
/// ERC-5143-style overload with a bound.
///
/// Two phases on a venue that fills orders later (`IPerpVenue.fillsLater`, e.g. a PerpMarket in
/// delayed mode): a rebalance or an emergency close whose perp order the venue only queued stops
/// after submitting it and records a `PendingRound`; once the venue has filled, cancelled or let
/// the order expire, anyone calls `settleRound`, which takes back an expired order, finishes what
/// the round does after its perp trade, and clears the round. While a round is pending nothing
/// else trades: deposits go to idle, withdrawals are paid from idle (on such a venue a withdrawal
/// is always paid from idle only: an unwind cannot fill in the leaver's transaction), and shares
/// move freely (nothing is held for a request).
///
/// Roles: the admin (owner, two-step transfer) sets parameters within hard bounds and grants the
/// other roles; the guardian pauses (stops deposits and rebalances, never withdrawals) and can unwind
/// everything to idle assets, after which only the admin may unpause, a day later; keepers
/// rebalance at the soft bands.
interface IDeltaNeutralVault is IERC4626, IOracleErrors {
    /// @notice How the short is margined (see the contract notes); fixed at deployment.
    enum HedgeMode {
        CashMargin,
        SpotCollateral
    }

    /// @notice Which band a state breaches (the most urgent one when several are).
    enum Band {
        None,
        Delta,
        MarginLow,
        MarginHigh,
        Idle
    }

    /// @notice How far a band is breached: Soft lets keepers act, Hard lets anyone act.
    enum Tier {
        None,
        Soft,
        Hard
    }

    /// @notice Band thresholds in bps. Margin ratios are perp equity / short notional (in
    /// SpotCollateral mode the venue's margin equity, the collateral at its haircut: the margin
    /// ratio is then 1/deployment - haircut, so the margin bands are the mode's deployment band,
    /// a minimum ratio capping hedged notional after a rally, a maximum flooring it after a fall).
    /// The idle
    /// thresholds are the excess of idle assets over the idle buffer, as a share of totalAssets.
    struct Bands {
        uint16 deltaSoftBps;
        uint16 deltaHardBps;
        uint16 minMarginRatioSoftBps;
        uint16 minMarginRatioHardBps;
        uint16 maxMarginRatioSoftBps;
        uint16 maxMarginRatioHardBps;
        uint16 idleSoftBps;
        uint16 idleHardBps;
    }

    /// @notice Targets and limits for trading.
    /// @param targetLeverageBps Perp leverage at target, notional / the perp account's equity,
    /// 10_000 = 1x. CashMargin: notional / margin. SpotCollateral: the account holds the whole
    /// deployable NAV (the collateral plus any cash), so it is hedged notional / deployable NAV.
    /// @param idleBufferBps Share of totalAssets kept idle for cheap withdrawals.
    /// @param maxSlippageBps Worst accepted execution price vs the oracle on every trade.
    /// @param maxRebalanceCostBps Largest fall of totalAssets a rebalance may cause.
    /// @param minRebalanceInterval Seconds a keeper waits between rebalances at the soft tier.
    /// @param rebalanceTargetBps The no-trade region: how far a margin or idle rebalance aims from
    /// the centre toward the breached soft edge, in bps of that distance (0 = the centre). A
    /// MarginLow rebalance aims at the margin ratio 1/L - t·(1/L - minSoft), a MarginHigh one at
    /// 1/L + t·(maxSoft - 1/L) (spot and margin split the deployable NAV at that ratio); an Idle
    /// one leaves idle at the buffer plus t·idleSoft. The next breach comes later and each trade is
    /// smaller, since proportional costs favour trading to near the edge. Delta always recentres.
    struct Strategy {
        uint16 targetLeverageBps;
        uint16 idleBufferBps;
        uint16 maxSlippageBps;
        uint16 maxRebalanceCostBps;
        uint32 minRebalanceInterval;
        uint16 rebalanceTargetBps;
    }

    /// @notice Everything a keeper or a page needs, in one call.
    struct VaultState {
        uint256 totalAssets;
        uint256 totalSupply;
        /// Assets per one whole share (10 ** decimals() share units), rounded down.
        uint256 sharePrice;
        /// Oracle price of the spot token, WAD (asset per whole spot token).
        uint256 price;
        uint256 spotQty;
        uint256 shortQty;
        /// Perp equity: margin + unrealised PnL + accrued funding (0 if negative).
        uint256 perpEquity;
        /// Perp equity / short notional in bps; type(uint256).max with no short or a dust one
        /// (VaultMath.DUST_SHORT_NOTIONAL_UNITS).
        uint256 marginRatioBps;
        /// (spotQty - shortQty) * price / totalAssets in bps, signed.
        int256 deltaBps;
        uint256 idle;
        /// idle / totalAssets in bps.
        uint256 idleBps;
        Band band;
        Tier tier;
        uint256 secondsSinceRebalance;
        /// Earliest time a keeper may rebalance at the soft tier.
        uint256 nextKeeperRebalanceAt;
        bool paused;
        /// Time from which the last change of bands or strategy may reposition the book (before
        /// it, only the margin and delta rescues rebalance: `ParametersSettling`).
        uint256 parametersSettledAt;
        /// Spot posted at the venue as collateral, size units (SpotCollateral mode; counted in
        /// spotQty). Zero in CashMargin mode.
        uint256 collateralQty;
        /// Hedged notional (the short at the venue's index) / totalAssets, bps.
        uint256 deploymentBps;
    }

    /// @notice Fee settings and the last accrual time, packed in one slot so a fee-less vault
    /// pays one storage read per flow.
    /// @param recipient Receives the fee shares.
    /// @param managementFeeBps Yearly fee on totalAssets, accrued per second.
    /// @param performanceFeeBps Share of the rise of the share price above the high-water mark.
    /// @param lastAccruedAt When fees were last minted (or the settings last changed).
    struct FeeConfig {
        address recipient;
        uint16 managementFeeBps;
        uint16 performanceFeeBps;
        uint64 lastAccruedAt;
    }

    /// @notice A round whose perp order an asynchronous venue queued: what `settleRound` needs.
    /// `submittedAt` is 0 while none is pending.
    /// @param band The band the round was for (Band.None for an emergency close).
    /// @param increasesShort The order grows the short (a decrease or a close otherwise).
    /// @param emergencyClose The round is the guardian's `emergencyUnwind`.
    /// @param totalAssetsBefore NAV before the round's first phase.
    /// @param shortTarget The short once the order fills in full.
    /// @param marginTarget CashMargin: the perp equity the round keeps once the order fills (the
    /// rest is withdrawn at settlement); unused in SpotCollateral mode.
    struct PendingRound {
        uint64 submittedAt;
        Band band;
        Tier tier;
        bool increasesShort;
        bool emergencyClose;
        uint256 totalAssetsBefore;
        uint256 shortTarget;
        uint256 marginTarget;
    }

    /// @notice A rebalance restored the targets (on an asynchronous venue, emitted when its
    /// round settles, `totalAssetsBefore` from before its first phase).
    event Rebalanced(
        address indexed caller,
        Band band,
        Tier tier,
        uint256 totalAssetsBefore,
        uint256 totalAssetsAfter,
        uint256 spotQty,
        uint256 shortQty,
        uint256 perpEquity
    );
    /// @notice A rebalance or an emergency close submitted its perp order and awaits `settleRound`.
    event RoundSubmitted(
        address indexed caller,
        Band band,
        Tier tier,
        bool emergencyClose,
        uint256 totalAssetsBefore,
        uint256 totalAssetsAfterSubmit,
        uint256 shortTarget
    );
    /// @notice A pending round was settled. `orderFilled`: the short reached its target (false when
    /// the venue cancelled the order, it expired, or a liquidation moved the short meanwhile).
    /// `expiredOrderCancelled`: the settlement took back an expired order (fee refunded).
    event RoundSettled(
        address indexed caller,
        bool orderFilled,
        bool expiredOrderCancelled,
        uint256 totalAssetsBefore,
        uint256 totalAssetsAfter
    );
    /// @notice A withdrawal was paid partly by unwinding positions pro rata.
    event Unwound(address indexed owner, uint256 spotSold, uint256 shortReduced, uint256 marginFreed, uint256 cost);
    /// @notice The guardian closed every position to idle assets.
    event EmergencyUnwound(address indexed guardian, uint256 totalAssetsAfter);
    /// @notice The admin granted (`enabled`) or revoked the guardian role.
    event GuardianSet(address indexed account, bool enabled);
    /// @notice The admin granted (`enabled`) or revoked the keeper role.
    event KeeperSet(address indexed account, bool enabled);
    /// @notice New band thresholds (also emitted at deployment).
    event BandsUpdated(Bands bands);
    /// @notice New targets and trading limits (also emitted at deployment).
    event StrategyUpdated(Strategy strategy);
    /// @notice New cap on totalAssets after a deposit (also emitted at deployment).
    event DepositCapUpdated(uint256 depositCap);
    /// @notice New fee rates and recipient; fees owed at the old rates were minted first.
    event FeesUpdated(uint16 managementFeeBps, uint16 performanceFeeBps, address recipient);
    /// @notice Fees were minted as shares to the recipient.
    event FeesAccrued(uint256 managementShares, uint256 performanceShares, uint256 highWaterMark);

    /// @notice Every band holds: there is nothing to rebalance. Normal for keepers, not a fault.
    error WithinBands(int256 deltaBps, uint256 marginRatioBps, uint256 idleBps);
    /// @notice A keeper rebalanced a soft breach before `minRebalanceInterval` had passed.
    error RebalanceTooSoon(uint256 nextAllowedAt);
    /// @notice The caller may not rebalance at this tier (soft breaches need the KEEPER role).
    error RebalanceNotAllowed(address caller, Band band, Tier tier);
    /// @notice After the trades the breached band would be no better than before.
    error BandStillBreached(Band band, int256 deltaBps, uint256 marginRatioBps, uint256 idleBps);
    /// @notice After the trades `band` would sit past its hard threshold and further past its
    /// soft one than before (bps past the soft threshold, before and after).
    error BandWorsened(Band band, uint256 breachBefore, uint256 breachAfter);
    /// @notice A rebalance or unwind would lose more than its bounded cost.
    error CostTooHigh(uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 maxLoss);
    /// @notice A spot swap delivered less than the oracle-bounded minimum.
    error SpotOutputTooLow(uint256 received, uint256 minimum);
    /// @notice The perp venue has an order waiting for execution, or a round awaits
    /// `settleRound`; trading must wait.
    error VenueOrderPending();
    /// @notice `settleRound` without a pending round.
    error NoPendingRound();
    /// @notice `settleRound` while the round's order still awaits execution (until `expiresAt`).
    error RoundOrderPending(uint256 expiresAt);
    /// @notice A withdrawal beyond idle on a venue that fills orders later: an unwind cannot fill in
    /// the leaver's transaction, so exits are paid from `idle` only (rebalances refill it).
    error ExitBeyondIdle(uint256 idle);
    /// @notice The perp venue can pay only `payableEquity` of the account's `equity` (e.g. its
    /// pool is in deficit): the vault counts what it can pay, takes no deposits, trades nothing
    /// and pays exits from idle only, at that value, until the venue can pay again.
    error VenueImpaired(uint256 equity, uint256 payableEquity);
    /// @notice A parameter is outside its hard bounds (the name says which).
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice A setter was called with the value already set.
    error ParameterUnchanged(bytes32 name);
    /// @notice Only a guardian may do this.
    error NotGuardian(address caller);
    /// @notice The admin may unpause after an emergency unwind only from `allowedAt`.
    error RedeployTooSoon(uint256 allowedAt);
    /// @notice Bands or strategy changed lately: until `settledAt` only a margin or delta rescue
    /// may rebalance (VaultParams.PARAMS_SETTLE_DELAY).
    error ParametersSettling(uint256 settledAt);
    /// @notice An address that must be set was zero.
    error ZeroAddress();
    /// @notice The venue adapters do not trade the vault's tokens.
    error VenueMismatch(address venue);
    /// @notice A SpotCollateral vault's perp venue does not accept the spot token as collateral.
    error VenueTakesNoSpotCollateral(address venue, address spotToken);
    /// @notice An unwind could not free the collateral it owes: `owed` token units were still
    /// posted when the venue's margin rule let `withdrawable` out (a book past its margin floor).
    error CollateralLocked(uint256 owed, uint256 withdrawable);
    /// @notice `deposit` with a minimum would have minted fewer shares than `minShares`.
    error DepositSharesBelowMin(uint256 shares, uint256 minShares);
    /// @notice `mint` with a maximum would have taken more assets than `maxAssets`.
    error MintAssetsAboveMax(uint256 assets, uint256 maxAssets);
    /// @notice `withdraw` with a maximum would have burnt more shares than `maxShares`.
    error WithdrawSharesAboveMax(uint256 shares, uint256 maxShares);
    /// @notice `redeem` with a minimum would have paid fewer assets than `minAssets`.
    error RedeemAssetsBelowMin(uint256 assets, uint256 minAssets);

    /// @notice ERC-4626 `deposit` that reverts with `DepositSharesBelowMin` unless at least
    /// `minShares` are minted (ERC-5143 style slippage protection).
    function deposit(uint256 assets, address receiver, uint256 minShares) external returns (uint256 shares);

    /// @notice ERC-4626 `mint` that reverts with `MintAssetsAboveMax` if it would take more than
    /// `maxAssets`.
    function mint(uint256 shares, address receiver, uint256 maxAssets) external returns (uint256 assets);

    /// @notice ERC-4626 `withdraw` that reverts with `WithdrawSharesAboveMax` if it would burn more
    /// than `maxShares` (an unwind into a pushed pool costs the leaver shares).
    function withdraw(
        uint256 assets,
        address receiver,
        address owner,
        uint256 maxShares
    ) external returns (uint256 shares);

    /// @notice ERC-4626 `redeem` that reverts with `RedeemAssetsBelowMin` unless at least
    /// `minAssets` are paid.
    function redeem(
        uint256 shares,
        address receiver,
        address owner,
        uint256 minAssets
    ) external returns (uint256 assets);

    /// @notice Moves toward every target when a band is breached: spot value
    /// S* = N(1 - buffer)·L/(L+1), short size = spot size held, margin notional/L, the rest idle.
    /// The spot trade fills what its oracle bound allows (a large deposit deploys over several
    /// calls). Reverts with `WithinBands` when nothing is breached, `BandStillBreached` when the
    /// breached band would not improve, `BandWorsened` when another band would end past its hard
    /// threshold worse than before, `CostTooHigh` past the bounded cost and `VenueImpaired`
    /// while the perp venue cannot pay.
    /// On a venue that fills orders later the round may stop after submitting its perp order
    /// (`RoundSubmitted`): the post-trade progress check then has nothing to check yet, so only
    /// the first phase's cost is bounded here (less the execution fee of an order that reduces
    /// the short: the venue's fixed price of an order, which no bound in bps covers on a small
    /// vault whose leavers need the round), and the order's
    /// own price bound (the same slippage setting) bounds its fill; `settleRound` finishes it.
    function rebalance() external returns (Band band, Tier tier);

    /// @notice Anyone: finishes the pending round once its order left the venue's book (filled, or
    /// cancelled by the venue) or expired (then taken back here, its fee refunded to the vault).
    /// A filled rebalance frees what it planned to (CashMargin: margin above its target;
    /// SpotCollateral shrink: the collateral the short no longer needs, sold to repay the margin
    /// debt); an emergency close frees everything. An order that did not fill leaves the books as
    /// they are, consistent and fully valued: the next rebalance starts from them. Never reverts
    /// on the round's cost or progress (a pending round must always have an exit); works while
    /// paused. Reverts `NoPendingRound`, or `RoundOrderPending` before the order can be settled.
    /// @return orderFilled Whether the short reached the round's target.
    function settleRound() external returns (bool orderFilled);

    /// @notice The round awaiting `settleRound` (`submittedAt` 0 when none).
    function pendingRound() external view returns (PendingRound memory);

    /// @notice Chainlink Automation: whether `performUpkeep` would rebalance now, for the
    /// Automation forwarder (which must hold the KEEPER role to act at the soft tier).
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation: rebalances, re-checking the same gate as `rebalance`.
    function performUpkeep(bytes calldata performData) external;

    /// @notice The breached band and tier now, and whether `caller` may rebalance it now.
    function rebalanceGate(address caller) external view returns (Band band, Tier tier, bool allowed);

    /// @notice Everything a keeper or a page needs, valued at the oracle price now.
    function vaultState() external view returns (VaultState memory);

    /// @notice Mints any management and performance fee owed since the last accrual.
    function accrueFees() external;

    /// @notice Guardian: stop deposits and rebalances (withdrawals keep working).
    function pause() external;

    /// @notice Guardian: resume deposits and rebalances. After an emergency unwind only the admin
    /// may, and no sooner than a day after it (`RedeployTooSoon`).
    function unpause() external;

    /// @notice Guardian: sell all spot, close the short and withdraw all margin to idle assets.
    /// Pauses the vault until the admin unpauses (see `unpause`). Trades stay bounded by the
    /// oracle price and the slippage setting. On a venue that fills orders later it submits the
    /// close and `settleRound` frees the rest; while a round is pending it only pauses (settle the
    /// round, then call it again).
    function emergencyUnwind() external;

    /// @notice Admin: grant or revoke the guardian role.
    function setGuardian(address account, bool enabled) external;

    /// @notice Admin: grant or revoke the keeper role (soft-tier rebalances).
    function setKeeper(address account, bool enabled) external;

    /// @notice Whether `account` holds the guardian role.
    function isGuardian(address account) external view returns (bool);

    /// @notice Whether `account` holds the keeper role (soft-tier rebalances).
    function isKeeper(address account) external view returns (bool);

    /// @notice Admin: new band thresholds, within VaultParams' bounds and consistent with the
    /// strategy (soft inside hard, the target margin ratio clear of the soft margin bands, the
    /// hard margin floor above the venue's initial margin). Reverts `ParameterUnchanged` on a no-op.
    function setBands(Bands calldata newBands) external;

    /// @notice Admin: new targets and trading limits, within VaultParams' bounds (among them a
    /// 30 bps floor on `maxSlippageBps`, so exits cannot be frozen) and consistent with the bands.
    function setStrategy(Strategy calldata newStrategy) external;

    /// @notice Admin: the largest totalAssets a deposit may lead to; type(uint256).max is no cap.
    function setDepositCap(uint256 newDepositCap) external;

    /// @notice Admin: management (at most 2%/yr) and performance (at most 30%) fees, minted as
    /// shares to `recipient`. Fees owed at the old rates are minted first; a performance fee only
    /// charges gains made after it is switched on (the high-water mark starts at today's price).
    function setFees(uint16 managementFeeBps, uint16 performanceFeeBps, address recipient) external;

    /// @notice Fee settings (rates, recipient) and the last accrual time.
    function fees() external view returns (FeeConfig memory);

    /// @notice Highest share price (assets per whole share) on which a performance fee was taken;
    /// the performance fee only charges a rise above it.
    function highWaterMark() external view returns (uint256);

    /// @notice The band thresholds in force.
    function bands() external view returns (Bands memory);

    /// @notice The targets and trading limits in force.
    function strategy() external view returns (Strategy memory);

    /// @notice The largest totalAssets a deposit may lead to (type(uint256).max: no cap).
    function depositCap() external view returns (uint256);

    /// @notice The spot token the vault holds (e.g. WETH).
    function spotToken() external view returns (address);

    /// @notice The spot venue adapter (ISpotVenue) the vault trades through; immutable.
    function spotVenue() external view returns (address);

    /// @notice The perp venue adapter (IPerpVenue) holding the vault's short; immutable.
    function perpVenue() external view returns (address);
    /// @notice The spot token's USD feed (Chainlink AggregatorV3Interface).
    function priceFeed() external view returns (address);

    /// @notice The hedge mode chosen at deployment.
    function hedgeMode() external view returns (HedgeMode);

    /// @notice The asset's own USD feed, or address(0) when the asset is valued at one dollar.
    /// With a feed, prices are the spot's USD price over the asset's.
    function assetPriceFeed() external view returns (address);
}
