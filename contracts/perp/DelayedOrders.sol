// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IDelayedOrders} from "../interfaces/IDelayedOrders.sol";
import {IPerpMarket} from "../interfaces/IPerpMarket.sol";
import {OrderLib} from "./libraries/OrderLib.sol";

/// @title DelayedOrders
/// @notice The order book of one delayed-mode PerpMarket (see IDelayedOrders). The market names
/// this book at its deployment and takes fills only from it (`IPerpMarket.fillOrder`); the book is
/// deployed first and bound to the market once, by its deployer.
contract DelayedOrders is IDelayedOrders, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @dev One pending order in one slot (96 + 40 + 96 + 8 bits) and its price.
    struct StoredOrder {
        int96 sizeDelta;
        uint40 submittedAt;
        uint96 executionFee;
        bool reduceOnly;
        uint256 acceptablePrice;
    }

    /// @notice Longest minimum delay a book may have.
    uint256 public constant MAX_MIN_DELAY = 1 hours;
    /// @notice Longest expiry a book may have: an order's margin and fee wait at most this long.
    uint256 public constant MAX_MAX_DELAY = 1 days;
    /// @notice Largest execution fee, in whole margin tokens.
    uint256 public constant MAX_EXECUTION_FEE_TOKENS = 100;

    /// @inheritdoc IDelayedOrders
    uint256 public immutable minDelay;
    /// @inheritdoc IDelayedOrders
    uint256 public immutable maxDelay;
    /// @inheritdoc IDelayedOrders
    uint256 public immutable executionFee;
    /// @notice The account allowed to bind the market.
    address public immutable deployer;

    /// @inheritdoc IDelayedOrders
    address public market;
    /// @notice The market's margin token, in which fees are escrowed (set at binding).
    IERC20 public collateral;
    /// @notice The market's price feed (set at binding).
    AggregatorV3Interface public aggregator;
    /// @inheritdoc IDelayedOrders
    uint256 public totalEscrow;

    mapping(address account => StoredOrder) internal _orders;

    /// @param params `minDelay` at most MAX_MIN_DELAY; `maxDelay` above it and at most
    /// MAX_MAX_DELAY (it need not exceed the feed's heartbeat: an order that meets no round before
    /// it expires is refunded and can be submitted again); `executionFee` at most
    /// MAX_EXECUTION_FEE_TOKENS whole margin tokens (checked at binding, which knows the token).
    constructor(Params memory params) {
        (uint256 minDelay_, uint256 maxDelay_, uint256 executionFee_) = (
            params.minDelay,
            params.maxDelay,
            params.executionFee
        );
        if (minDelay_ > MAX_MIN_DELAY) revert ParameterOutOfBounds("minDelay", minDelay_, 0, MAX_MIN_DELAY);
        if (maxDelay_ <= minDelay_ || maxDelay_ > MAX_MAX_DELAY) {
            revert ParameterOutOfBounds("maxDelay", maxDelay_, minDelay_ + 1, MAX_MAX_DELAY);
        }
        minDelay = minDelay_;
        maxDelay = maxDelay_;
        executionFee = executionFee_;
        deployer = msg.sender;
    }

    /// @notice Binds the market this book serves, once, by the deployer; the market must name
    /// this book (`IPerpMarket.orderBook`).
    function bindMarket(IPerpMarket market_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (market != address(0)) revert MarketAlreadyBound(market);
        address named = market_.orderBook();
        if (named != address(this)) revert NotThisMarketsBook(address(market_), named);
        IERC20 token = market_.collateral();
        uint256 maxFee = MAX_EXECUTION_FEE_TOKENS * 10 ** IERC20Metadata(address(token)).decimals();
        if (executionFee > maxFee) revert ParameterOutOfBounds("executionFee", executionFee, 0, maxFee);
        market = address(market_);
        collateral = token;
        aggregator = market_.feed().aggregator;
        emit MarketBound(address(market_));
    }

    /// @inheritdoc IDelayedOrders
    function submitOrder(int256 sizeDelta, uint256 acceptablePrice) external nonReentrant {
        address market_ = market;
        if (market_ == address(0)) revert MarketNotBound();
        if (sizeDelta == 0) revert ZeroSize();
        StoredOrder storage order = _orders[msg.sender];
        if (order.submittedAt != 0) revert OrderAlreadyPending(msg.sender, order.submittedAt);
        bool reduceOnly = OrderLib.isReduction(IPerpMarket(market_).sizeOf(msg.sender), sizeDelta);
        uint256 fee = executionFee;
        _orders[msg.sender] = StoredOrder({
            sizeDelta: sizeDelta.toInt96(),
            submittedAt: uint40(block.timestamp),
            executionFee: uint96(fee),
            reduceOnly: reduceOnly,
            acceptablePrice: acceptablePrice
        });
        totalEscrow += fee;
        emit OrderSubmitted(msg.sender, sizeDelta, acceptablePrice, fee, reduceOnly);
        if (fee != 0) collateral.safeTransferFrom(msg.sender, address(this), fee);
    }

    /// @inheritdoc IDelayedOrders
    function executeOrder(address account) external nonReentrant returns (bool filled, uint256 fillPrice) {
        StoredOrder memory order = _pendingOrder(account);
        uint256 executableAt = order.submittedAt + minDelay;
        if (block.timestamp < executableAt) revert OrderTooEarly(account, executableAt);
        uint256 expiresAt = order.submittedAt + maxDelay;
        if (block.timestamp >= expiresAt) revert OrderExpired(account, expiresAt);
        uint80 roundId = _requireFirstRoundAfter(order.submittedAt);
        _release(account, order.executionFee);

        int256 sizeDelta = order.sizeDelta;
        // A liquidation may have closed the position a reduction was queued against.
        if (order.reduceOnly) sizeDelta = OrderLib.cappedReduction(IPerpMarket(market).sizeOf(account), sizeDelta);
        if (sizeDelta == 0) {
            emit OrderCancelled(account, CancelReason.NothingToReduce, msg.sender, order.executionFee, 0);
        } else {
            (filled, fillPrice) = _fill(account, sizeDelta, order.acceptablePrice);
            if (filled) emit OrderExecuted(account, msg.sender, sizeDelta, fillPrice, roundId, order.executionFee);
            else emit OrderCancelled(account, CancelReason.PriceOutOfBounds, msg.sender, order.executionFee, fillPrice);
        }
        if (order.executionFee != 0) collateral.safeTransfer(msg.sender, order.executionFee);
    }

    /// @inheritdoc IDelayedOrders
    function cancelOrder(address account) external nonReentrant returns (uint256 refund) {
        if (msg.sender != account) revert NotOrderOwner(msg.sender, account);
        StoredOrder memory order = _pendingOrder(account);
        uint256 expiresAt = order.submittedAt + maxDelay;
        if (block.timestamp < expiresAt) revert OrderNotExpired(account, expiresAt);
        refund = order.executionFee;
        _release(account, refund);
        emit OrderCancelled(account, CancelReason.Expired, account, refund, 0);
        if (refund != 0) collateral.safeTransfer(account, refund);
    }

    /// @inheritdoc IDelayedOrders
    function orderOf(address account) external view returns (Order memory order) {
        StoredOrder memory stored = _orders[account];
        order = Order({
            sizeDelta: stored.sizeDelta,
            acceptablePrice: stored.acceptablePrice,
            submittedAt: stored.submittedAt,
            executionFee: stored.executionFee,
            reduceOnly: stored.reduceOnly
        });
    }

    /// @inheritdoc IDelayedOrders
    function hasPendingOrder(address account) external view returns (bool) {
        return _orders[account].submittedAt != 0;
    }

    /// @inheritdoc IDelayedOrders
    function orderWindow(address account) external view returns (uint256 executableAt, uint256 expiresAt) {
        uint256 submittedAt = _orders[account].submittedAt;
        if (submittedAt != 0) (executableAt, expiresAt) = (submittedAt + minDelay, submittedAt + maxDelay);
    }

    /// @inheritdoc IDelayedOrders
    function escrowOf(address account) external view returns (uint256) {
        return _orders[account].executionFee;
    }

    function _pendingOrder(address account) internal view returns (StoredOrder memory order) {
        order = _orders[account];
        if (order.submittedAt == 0) revert NoPendingOrder(account);
    }

    /// @dev Takes the order off the book and its fee out of the escrow total (the caller pays it).
    function _release(address account, uint256 fee) internal {
        delete _orders[account];
        totalEscrow -= fee;
    }

    /// @dev The fill at the market; the market's own price-bound refusal is the one refusal that
    /// cancels the order (reported with the quoted fill), every other one reverts the execution.
    function _fill(address account, int256 sizeDelta, uint256 acceptablePrice) internal returns (bool, uint256) {
        try IPerpMarket(market).fillOrder(account, sizeDelta, acceptablePrice) returns (uint256 fill) {
            return (true, fill);
        } catch (bytes memory reason) {
            if (reason.length == 68 && bytes4(reason) == IPerpMarket.FillPriceOutOfBounds.selector) {
                uint256 quoted;
                // The error's first argument, after the length word and the selector.
                assembly ("memory-safe") {
                    quoted := mload(add(reason, 36))
                }
                return (false, quoted);
            }
            // Bubble up anything else (margin, caps, oracle, out of gas) unchanged.
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    /// @dev The latest round must be the first published after `submittedAt`: newer than the
    /// submission, and its predecessor not (a round in the submission's own second does not count,
    /// since the order may have been placed after it in that block).
    function _requireFirstRoundAfter(uint256 submittedAt) internal view returns (uint80 roundId) {
        AggregatorV3Interface feed_ = aggregator;
        uint256 updatedAt;
        (roundId, , , updatedAt, ) = feed_.latestRoundData();
        if (updatedAt <= submittedAt) revert RoundNotAfterSubmission(roundId, updatedAt, submittedAt);
        // The first round of a proxy phase has no readable predecessor in the same aggregator.
        if (uint64(roundId) <= 1) revert PreviousRoundUnreadable(roundId);
        uint256 previousUpdatedAt;
        try feed_.getRoundData(roundId - 1) returns (uint80, int256, uint256, uint256 at, uint80) {
            previousUpdatedAt = at;
        } catch {
            revert PreviousRoundUnreadable(roundId);
        }
        if (previousUpdatedAt == 0) revert PreviousRoundUnreadable(roundId);
        if (previousUpdatedAt > submittedAt) revert LaterRoundThanFirst(roundId, previousUpdatedAt, submittedAt);
    }
}
