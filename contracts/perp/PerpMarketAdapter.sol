// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPerpVenue} from "../interfaces/IPerpVenue.sol";
import {IPerpMarket} from "../interfaces/IPerpMarket.sol";
import {IDelayedOrders} from "../interfaces/IDelayedOrders.sol";
import {PerpMarket} from "./PerpMarket.sol";

/// @title PerpMarketAdapter
/// @notice Holds one vault's short on a PerpMarket behind the IPerpVenue interface. On a
/// synchronous market every order fills in the call (`filled` true, `pendingOrder` false). On a
/// market in delayed mode (`IPerpMarket.orderBook` non-zero, read once at construction: the mode
/// is fixed at the market's deployment) `increaseShort`/`decreaseShort` submit an order to the
/// market's DelayedOrders book and return `filled == false`; the book's execution fee is pulled
/// from the vault (like margin, under the vault's approval) and escrowed in the book.
/// @dev The vault's constructor needs this adapter's address, so the vault is bound after
/// deployment, once, by the deployer.
contract PerpMarketAdapter is IPerpVenue {
    using SafeERC20 for IERC20;

    /// @notice The market this adapter trades on.
    PerpMarket public immutable market;
    /// @notice Margin token of the market.
    IERC20 internal immutable _collateral;
    /// @notice Base token the market accepts as collateral (zero: none).
    IERC20 internal immutable _baseToken;
    /// @notice The market's order book (zero: a synchronous market).
    IDelayedOrders public immutable orderBook;
    /// @notice The account allowed to bind the vault.
    address public immutable deployer;
    /// @notice The vault this adapter serves (zero until bound).
    address public vault;

    /// @notice The vault was bound.
    event VaultBound(address indexed vault);

    /// @notice Only the deployer may bind the vault.
    error NotDeployer(address caller);
    /// @notice The vault is already bound.
    error VaultAlreadyBound(address vault);
    /// @notice A zero address was passed.
    error ZeroAddress();
    /// @notice A decrease larger than the open short.
    error DecreaseExceedsShort(uint256 size, uint256 shortSize);

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender);
        _;
    }

    /// @param market_ The market to trade on; the adapter approves it to pull margin (and base
    /// tokens, when the market takes them) once.
    constructor(PerpMarket market_) {
        if (address(market_) == address(0)) revert ZeroAddress();
        market = market_;
        deployer = msg.sender;
        IERC20 token = market_.collateral();
        _collateral = token;
        token.forceApprove(address(market_), type(uint256).max);
        IERC20 base = market_.baseToken();
        _baseToken = base;
        if (address(base) != address(0)) base.forceApprove(address(market_), type(uint256).max);
        IDelayedOrders book = IDelayedOrders(market_.orderBook());
        orderBook = book;
        if (address(book) != address(0)) token.forceApprove(address(book), type(uint256).max);
    }

    /// @notice Binds the vault this adapter serves. Callable once, by the deployer.
    function bindVault(address vault_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (vault != address(0)) revert VaultAlreadyBound(vault);
        if (vault_ == address(0)) revert ZeroAddress();
        vault = vault_;
        emit VaultBound(vault_);
    }

    /// @inheritdoc IPerpVenue
    function collateralToken() external view returns (address) {
        return address(_collateral);
    }

    /// @inheritdoc IPerpVenue
    function position() external view returns (Position memory pos) {
        IPerpMarket.PositionView memory view_ = market.positionOf(address(this));
        // The adapter only ever sells, so its size is never positive.
        pos.shortSize = view_.size < 0 ? uint256(-view_.size) : 0;
        pos.entryPrice = view_.entryPrice;
        pos.margin = view_.margin;
        pos.unrealizedPnl = view_.unrealizedPnl;
        pos.accruedFunding = view_.accruedFunding;
        pos.marginRatioBps = view_.marginRatioBps;
        pos.pendingOrder = address(orderBook) != address(0) && orderBook.hasPendingOrder(address(this));
        pos.payableEquity = _payableEquity(view_);
        pos.collateral = view_.collateral;
        pos.marginDebt = view_.signedMargin < 0 ? uint256(-view_.signedMargin) : 0;
    }

    /// @inheritdoc IPerpVenue
    function equity() external view returns (int256) {
        return market.positionOf(address(this)).equity;
    }

    /// @inheritdoc IPerpVenue
    /// @dev The market's own valuation (positionOf's equity, the margin token only), a positive
    /// part capped at what its pool can pay: positive margin plus the pool's cash (profit beyond
    /// margin is paid out of the pool's margin tokens, never out of receivables); then the
    /// collateral at its full oracle value, which covers a negative part (a debt).
    function payableEquity() external view returns (uint256) {
        return _payableEquity(market.positionOf(address(this)));
    }

    /// @inheritdoc IPerpVenue
    function initialMarginBps() external view returns (uint256) {
        return market.initialMarginBps();
    }

    /// @inheritdoc IPerpVenue
    function depositMargin(uint256 amount) external onlyVault {
        if (amount == 0) revert ZeroAmount();
        _collateral.safeTransferFrom(msg.sender, address(this), amount);
        market.depositMargin(amount);
    }

    /// @inheritdoc IPerpVenue
    function withdrawMargin(uint256 amount, address to) external onlyVault {
        if (amount == 0) revert ZeroAmount();
        market.withdrawMargin(amount, to);
    }

    /// @inheritdoc IPerpVenue
    function baseCollateralToken() external view returns (address) {
        return address(_baseToken);
    }

    /// @inheritdoc IPerpVenue
    function collateralHaircutBps() external view returns (uint256) {
        return market.collateralHaircutBps();
    }

    /// @inheritdoc IPerpVenue
    function depositCollateral(uint256 qty) external onlyVault {
        if (address(_baseToken) == address(0)) revert SpotCollateralUnsupported();
        if (qty == 0) revert ZeroAmount();
        _baseToken.safeTransferFrom(msg.sender, address(this), qty);
        market.depositCollateral(qty);
    }

    /// @inheritdoc IPerpVenue
    function withdrawCollateral(uint256 qty, address to) external onlyVault {
        if (address(_baseToken) == address(0)) revert SpotCollateralUnsupported();
        if (qty == 0) revert ZeroAmount();
        market.withdrawCollateral(qty, to);
    }

    /// @inheritdoc IPerpVenue
    function increaseShort(uint256 size, uint256 minFillPrice) external onlyVault returns (bool, uint256) {
        if (size == 0) revert ZeroAmount();
        int256 sizeDelta = -SafeCast.toInt256(size);
        if (address(orderBook) != address(0)) return _submit(sizeDelta, minFillPrice);
        return (true, market.modifyPosition(sizeDelta, minFillPrice));
    }

    /// @inheritdoc IPerpVenue
    function decreaseShort(uint256 size, uint256 maxFillPrice) external onlyVault returns (bool, uint256) {
        if (size == 0) revert ZeroAmount();
        int256 current = market.sizeOf(address(this));
        uint256 shortSize = current < 0 ? uint256(-current) : 0;
        if (size > shortSize) revert DecreaseExceedsShort(size, shortSize);
        int256 sizeDelta = SafeCast.toInt256(size);
        if (address(orderBook) != address(0)) return _submit(sizeDelta, maxFillPrice);
        return (true, market.modifyPosition(sizeDelta, maxFillPrice));
    }

    /// @inheritdoc IPerpVenue
    function pendingOrder() external view returns (PendingOrder memory order) {
        if (address(orderBook) == address(0)) return order;
        IDelayedOrders.Order memory o = orderBook.orderOf(address(this));
        if (o.submittedAt == 0) return order;
        order.pending = true;
        order.size = o.sizeDelta < 0 ? uint256(-o.sizeDelta) : uint256(o.sizeDelta);
        order.increasesShort = o.sizeDelta < 0;
        order.submittedAt = o.submittedAt;
        order.expiresAt = o.submittedAt + orderBook.maxDelay();
        order.acceptablePrice = o.acceptablePrice;
        order.executionFee = o.executionFee;
    }

    /// @inheritdoc IPerpVenue
    function fillsLater() external view returns (bool) {
        return address(orderBook) != address(0);
    }

    /// @inheritdoc IPerpVenue
    function orderExecutionFee() external view returns (uint256) {
        return address(orderBook) == address(0) ? 0 : orderBook.executionFee();
    }

    /// @inheritdoc IPerpVenue
    function cancelOrder() external onlyVault returns (uint256 refund) {
        if (address(orderBook) == address(0) || !orderBook.hasPendingOrder(address(this))) revert NoVenueOrder();
        refund = orderBook.cancelOrder(address(this));
        if (refund != 0) _collateral.safeTransfer(msg.sender, refund);
    }

    /// @dev Queues `sizeDelta` at the book, its fee pulled from the vault first.
    function _submit(int256 sizeDelta, uint256 acceptablePrice) internal returns (bool, uint256) {
        uint256 fee = orderBook.executionFee();
        if (fee != 0) _collateral.safeTransferFrom(msg.sender, address(this), fee);
        orderBook.submitOrder(sizeDelta, acceptablePrice);
        return (false, 0);
    }

    function _payableEquity(IPerpMarket.PositionView memory view_) internal view returns (uint256) {
        int256 cash = view_.equity;
        if (cash > 0) {
            int256 poolCash = market.poolCash();
            uint256 cap = view_.margin + (poolCash > 0 ? uint256(poolCash) : 0);
            cash = int256(Math.min(uint256(cash), cap));
        }
        int256 total = cash + int256(view_.collateralValue);
        return total > 0 ? uint256(total) : 0;
    }
}
