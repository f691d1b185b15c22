// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPerpVenue
/// @notice The vault's view of one perpetual-futures account: a USDC-margined linear short on one
/// market, held by an adapter that serves exactly one vault. Sizes are in base-token units with 18
/// decimals (1e18 = one whole base token); prices are WADs (quote per whole base token, 18
/// decimals); margin, PnL and funding are in collateral-token units.
/// @dev Asynchronous venues (orders that fill later, e.g. GMX v2 or a PerpMarket in delayed mode):
/// `increaseShort`/`decreaseShort` may only queue an order and return `filled == false`;
/// `position().pendingOrder` is true and `pendingOrder()` describes the order until it is executed
/// or cancelled. Margin is not moved by a queued order: it stays in `position().margin` and is
/// checked by the venue at execution. An execution fee (`orderExecutionFee`) is pulled from the
/// vault like margin when the order is queued and escrowed at the venue; it is not counted in
/// `position()` or `payableEquity` (an executor normally earns it; a `cancelOrder` after expiry
/// refunds it to the vault). `fillsLater` says which kind a venue is, fixed for its life. The vault
/// runs a rebalance on such a venue in two phases (IDeltaNeutralVault.settleRound): it never frees
/// margin or prices a flow against a fill still to come, and pays withdrawals from idle only.
///
/// Spot collateral: a venue that also accepts the base token as collateral (`baseCollateralToken`
/// non-zero) values it for its margin rules at its oracle price less `collateralHaircutBps`, and
/// lets the USDC margin go negative (`Position.marginDebt`) while that collateral covers it. A
/// venue without it returns zero from `baseCollateralToken` and reverts the collateral calls.
interface IPerpVenue {
    /// @notice Snapshot of the account, valued at the venue's oracle price now.
    /// @param shortSize Open short size in base units (18 decimals).
    /// @param entryPrice Average entry price of the open short, WAD.
    /// @param margin Collateral deposited, net of settled PnL, fees and funding: the settled
    /// margin's positive part (0 under a debt).
    /// @param unrealizedPnl PnL of the open short at the oracle price (positive when price fell).
    /// @param accruedFunding Funding accrued since the last settlement (positive = received).
    /// @param marginRatioBps Equity / notional in bps; type(uint256).max with no open position.
    /// @param pendingOrder True while an asynchronous order awaits execution.
    /// @param payableEquity `payableEquity()`, reported with the position so that one call values
    /// the account.
    /// @param collateral Base-token collateral posted, base units (18 decimals).
    /// @param marginDebt The settled margin's negative part, collateral-token units: owed to the
    /// venue and covered by `collateral`.
    struct Position {
        uint256 shortSize;
        uint256 entryPrice;
        uint256 margin;
        int256 unrealizedPnl;
        int256 accruedFunding;
        uint256 marginRatioBps;
        bool pendingOrder;
        uint256 payableEquity;
        uint256 collateral;
        uint256 marginDebt;
    }

    /// @notice An order queued at an asynchronous venue (all zero while none is pending).
    /// @param pending True while the order awaits execution (as `position().pendingOrder`).
    /// @param size Order size, base units (18 decimals).
    /// @param increasesShort True for an `increaseShort` order, false for a `decreaseShort` one.
    /// @param submittedAt Time the order was queued.
    /// @param expiresAt Time from which the order can no longer execute and `cancelOrder` may
    /// take it back.
    /// @param acceptablePrice The order's price bound, WAD: the lowest fill of an increase, the
    /// highest of a decrease.
    /// @param executionFee Collateral-token units escrowed at the venue for the executor.
    struct PendingOrder {
        bool pending;
        uint256 size;
        bool increasesShort;
        uint256 submittedAt;
        uint256 expiresAt;
        uint256 acceptablePrice;
        uint256 executionFee;
    }

    /// @notice The caller is not the vault this adapter serves.
    error NotVault(address caller);
    /// @notice A zero amount or size was passed.
    error ZeroAmount();
    /// @notice The fill price is worse than the caller's bound.
    error FillPriceOutOfBounds(uint256 fillPrice, uint256 bound);
    /// @notice The venue takes no base-token collateral (`baseCollateralToken` is zero).
    error SpotCollateralUnsupported();
    /// @notice `cancelOrder` without a queued order (a synchronous venue never has one).
    error NoVenueOrder();

    /// @notice Token the venue is margined in (the vault's asset).
    function collateralToken() external view returns (address);

    /// @notice The account's position, valued now.
    function position() external view returns (Position memory);

    /// @notice Equity = margin + unrealised PnL + accrued funding (may be negative under bad debt).
    function equity() external view returns (int256);

    /// @notice Collateral the account could withdraw now if it closed: at most its equity, less
    /// when the venue cannot pay it all (e.g. a pool in deficit or a pro-rata cut of profit). The
    /// vault values the account at this figure, so a venue that cannot pay is not counted at
    /// face. Part of the interface, not optional: a venue that does not answer stops the vault,
    /// which reads it from `position().payableEquity`. With spot collateral it counts the
    /// collateral at its full oracle value (it can be withdrawn as tokens) and subtracts the
    /// margin debt, in collateral-token units.
    function payableEquity() external view returns (uint256);

    /// @notice Margin ratio, in bps, that opening or growing a position requires.
    function initialMarginBps() external view returns (uint256);

    /// @notice Pulls `amount` collateral from the vault into the account's margin.
    function depositMargin(uint256 amount) external;

    /// @notice Withdraws `amount` margin to `to`; the venue enforces its initial-margin requirement.
    function withdrawMargin(uint256 amount, address to) external;

    /// @notice The base token the venue accepts as collateral (zero when it takes none).
    function baseCollateralToken() external view returns (address);

    /// @notice Haircut, bps, the venue takes off the collateral's oracle value in its margin rules.
    function collateralHaircutBps() external view returns (uint256);

    /// @notice Pulls `qty` base tokens from the vault into the account's collateral.
    function depositCollateral(uint256 qty) external;

    /// @notice Withdraws `qty` base tokens of collateral to `to`; the venue keeps its
    /// initial-margin rule (collateral at its haircut) and never leaves a debt uncovered.
    function withdrawCollateral(uint256 qty, address to) external;

    /// @notice Grows the short by `size` base units. Reverts if the fill price is below `minFillPrice`.
    /// @return filled False when an asynchronous venue only queued the order.
    /// @return fillPrice The executed price (WAD), or 0 when not filled yet.
    function increaseShort(uint256 size, uint256 minFillPrice) external returns (bool filled, uint256 fillPrice);

    /// @notice Shrinks the short by `size` base units (at most the open size). Reverts if the fill
    /// price is above `maxFillPrice`.
    function decreaseShort(uint256 size, uint256 maxFillPrice) external returns (bool filled, uint256 fillPrice);

    /// @notice The order queued by the last `increaseShort`/`decreaseShort` that returned
    /// `filled == false`, while it is pending (all zero otherwise, and always on a synchronous venue).
    function pendingOrder() external view returns (PendingOrder memory);

    /// @notice True when `increaseShort`/`decreaseShort` queue orders that fill in a later
    /// transaction; fixed for the venue's life.
    function fillsLater() external view returns (bool);

    /// @notice Collateral-token units that queuing an order pulls from the vault (0 on a
    /// synchronous venue).
    function orderExecutionFee() external view returns (uint256);

    /// @notice Takes back an expired pending order and sends its refunded execution fee to the
    /// vault. Reverts with NoVenueOrder when none is pending, and with the venue's own error
    /// while the order has not expired.
    /// @return refund The fee returned to the vault, collateral-token units.
    function cancelOrder() external returns (uint256 refund);
}
