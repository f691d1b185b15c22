// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IDelayedOrders
/// @notice The order book of one PerpMarket deployed in delayed mode (`IPerpMarket.orderBook`):
/// accounts do not trade on the market directly; they submit an order here, and anyone executes
/// it later at the price of the first oracle round published after the submission. A trader who
/// sees a feed update coming can no longer trade at the old answer: an order placed ahead of the
/// round fills at the round's own answer.
///
/// Life of an order (one pending order per account):
/// - `submitOrder`: a signed size delta and an acceptable price (a buy fills at or below it, a sell
///   at or above it), with `executionFee` of the market's margin token escrowed here. No margin
///   moves: the account's margin stays at the market and is checked there at execution.
/// - `executeOrder`, by anyone, from `submittedAt + minDelay` until `submittedAt + maxDelay`
///   (exclusive), and only while the feed's latest round is the first one published after the
///   submission (its `updatedAt` after `submittedAt`, the previous round's at or before it), so the
///   fill is priced at that round. The executor earns the fee. The fill is an ordinary trade at the
///   market (oracle-edge rule, skew premium, taker fee, margin checks); a fill outside the
///   acceptable price cancels the order instead (`OrderCancelled`, PriceOutOfBounds) and the fee
///   still pays the executor, who did the work; any other refusal by the market (margin, open
///   interest cap, a stale feed) reverts the execution and leaves the order pending.
/// - An order submitted against the position (opposite side, no larger than it) is reduce-only:
///   at execution it is capped at the position then held, and cancelled (NothingToReduce, fee to
///   the executor) when a liquidation has closed it, so a queued reduction never opens or flips a
///   position.
/// - `cancelOrder`, by the order's owner only, once the order has expired (`submittedAt +
///   maxDelay`): the fee is refunded in full to the owner. Expiry means no executor did the work in
///   time, so nobody earned the fee; refusing a cancel before expiry takes away the free option
///   of walking away once the round's price is known.
///
/// Escrow: `escrowOf(account)` is the fee held for its pending order, `totalEscrow` their sum;
/// `collateral.balanceOf(this) == totalEscrow` holds to the wei. The escrow is not margin: it
/// backs nothing at the market and is not counted in the account's equity there.
///
/// Parameters (`minDelay`, `maxDelay`, `executionFee`) are fixed at deployment, within hard
/// bounds; nobody can change them (there is no owner).
interface IDelayedOrders {
    /// @notice Why an order left the book without a fill.
    enum CancelReason {
        Expired,
        PriceOutOfBounds,
        NothingToReduce
    }

    /// @notice The book's parameters, fixed at deployment.
    /// @param minDelay Seconds after submission before an order may execute.
    /// @param maxDelay Seconds after submission at which an order expires.
    /// @param executionFee Margin-token units escrowed with each order for its executor.
    struct Params {
        uint256 minDelay;
        uint256 maxDelay;
        uint256 executionFee;
    }

    /// @notice A pending order (API form; stored packed).
    /// @param sizeDelta Signed size, base units (positive buys).
    /// @param acceptablePrice Worst accepted fill price, WAD.
    /// @param submittedAt Block time of the submission.
    /// @param executionFee Margin-token units escrowed for the executor.
    /// @param reduceOnly Submitted against the position and no larger: capped at execution.
    struct Order {
        int256 sizeDelta;
        uint256 acceptablePrice;
        uint256 submittedAt;
        uint256 executionFee;
        bool reduceOnly;
    }

    /// @notice The book was bound to its market.
    event MarketBound(address indexed market);
    event OrderSubmitted(
        address indexed account,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 executionFee,
        bool reduceOnly
    );
    /// @param sizeDelta The size filled (a reduce-only order capped at the position).
    /// @param roundId The feed round the fill was priced at.
    event OrderExecuted(
        address indexed account,
        address indexed executor,
        int256 sizeDelta,
        uint256 fillPrice,
        uint80 roundId,
        uint256 executionFee
    );
    /// @param feeTo Who received the escrowed fee: the executor, or the owner on expiry.
    /// @param fillPrice The fill the market quoted (PriceOutOfBounds only; 0 otherwise).
    event OrderCancelled(
        address indexed account,
        CancelReason reason,
        address feeTo,
        uint256 executionFee,
        uint256 fillPrice
    );

    /// @notice A zero size delta.
    error ZeroSize();
    /// @notice The account already has a pending order.
    error OrderAlreadyPending(address account, uint256 submittedAt);
    /// @notice The account has no pending order.
    error NoPendingOrder(address account);
    /// @notice Only the order's owner may cancel it.
    error NotOrderOwner(address caller, address account);
    /// @notice The minimum delay has not passed.
    error OrderTooEarly(address account, uint256 executableAt);
    /// @notice The order expired: only its owner's cancel remains.
    error OrderExpired(address account, uint256 expiresAt);
    /// @notice The order has not expired yet.
    error OrderNotExpired(address account, uint256 expiresAt);
    /// @notice The feed's latest round is not newer than the submission.
    error RoundNotAfterSubmission(uint80 roundId, uint256 updatedAt, uint256 submittedAt);
    /// @notice The feed's latest round is not the first after the submission: the round before it
    /// was published after the submission too (the order can no longer execute; it expires).
    error LaterRoundThanFirst(uint80 roundId, uint256 previousUpdatedAt, uint256 submittedAt);
    /// @notice The round before the latest cannot be read (a new proxy phase), so the latest
    /// cannot be shown to be the first after the submission.
    error PreviousRoundUnreadable(uint80 roundId);
    /// @notice A deployment parameter outside its hard bounds (the market's error of that name).
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice Only the deployer may bind the market.
    error NotDeployer(address caller);
    /// @notice The market is bound already.
    error MarketAlreadyBound(address market);
    /// @notice The book is not bound to a market yet.
    error MarketNotBound();
    /// @notice The market does not name this book as its order book.
    error NotThisMarketsBook(address market, address orderBook);

    /// @notice Queues an order for the caller, pulling `executionFee` into escrow.
    function submitOrder(int256 sizeDelta, uint256 acceptablePrice) external;

    /// @notice Executes `account`'s order at the first round after its submission and pays the
    /// fee to the caller (see the life of an order above).
    /// @return filled False when the order was cancelled instead (price bound, nothing to reduce).
    /// @return fillPrice The fill, WAD (the quoted fill when out of bounds, 0 with nothing to reduce).
    function executeOrder(address account) external returns (bool filled, uint256 fillPrice);

    /// @notice Cancels `account`'s expired order; the caller must be `account`. Refunds the fee.
    /// @return refund The fee returned to the owner.
    function cancelOrder(address account) external returns (uint256 refund);

    /// @notice The market this book serves (zero until bound).
    function market() external view returns (address);

    /// @notice `account`'s pending order (all zero with none).
    function orderOf(address account) external view returns (Order memory);

    /// @notice True while `account` has a pending order.
    function hasPendingOrder(address account) external view returns (bool);

    /// @notice The time from which `account`'s order may execute, and the time it expires (0, 0
    /// with no order).
    function orderWindow(address account) external view returns (uint256 executableAt, uint256 expiresAt);

    /// @notice Fee escrowed for `account`'s pending order, margin-token units.
    function escrowOf(address account) external view returns (uint256);

    /// @notice Sum of the escrowed fees: the book's whole margin-token balance.
    function totalEscrow() external view returns (uint256);

    /// @notice Seconds after submission before an order may execute.
    function minDelay() external view returns (uint256);

    /// @notice Seconds after submission at which an order expires.
    function maxDelay() external view returns (uint256);

    /// @notice Fee escrowed with each order, margin-token units.
    function executionFee() external view returns (uint256);
}
