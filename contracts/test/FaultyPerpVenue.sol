// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPerpVenue} from "../interfaces/IPerpVenue.sol";

/// @notice Test-only perp venue that forwards to a real adapter (bound to this contract) but can
/// misbehave the way real venues do: fill only part of a short increase, or report an
/// asynchronous order still pending.
contract FaultyPerpVenue is IPerpVenue {
    using SafeERC20 for IERC20;

    IPerpVenue public immutable inner;
    IERC20 private immutable _collateral;
    uint256 public fillBps = 10_000;
    bool public pending;
    /// @notice When set, trades are only "queued": nothing executes and `filled` is false.
    bool public queueOnly;
    /// @notice When set, `payableEquity` and `position` (which reports it) revert, as on a venue
    /// that cannot say what it pays.
    bool public solvencyUnknown;

    /// @notice `payableEquity` while `solvencyUnknown` is set.
    error SolvencyUnknown();

    constructor(IPerpVenue inner_) {
        inner = inner_;
        _collateral = IERC20(inner_.collateralToken());
        _collateral.forceApprove(address(inner_), type(uint256).max);
    }

    function setFillBps(uint256 bps) external {
        fillBps = bps;
    }

    function setPending(bool pending_) external {
        pending = pending_;
    }

    function setQueueOnly(bool queueOnly_) external {
        queueOnly = queueOnly_;
    }

    function setSolvencyUnknown(bool unknown) external {
        solvencyUnknown = unknown;
    }

    function collateralToken() external view returns (address) {
        return address(_collateral);
    }

    function position() external view returns (Position memory p) {
        if (solvencyUnknown) revert SolvencyUnknown();
        p = inner.position();
        p.pendingOrder = pending;
    }

    function equity() external view returns (int256) {
        return inner.equity();
    }

    function payableEquity() external view returns (uint256) {
        if (solvencyUnknown) revert SolvencyUnknown();
        return inner.payableEquity();
    }

    function initialMarginBps() external view returns (uint256) {
        return inner.initialMarginBps();
    }

    function depositMargin(uint256 amount) external {
        _collateral.safeTransferFrom(msg.sender, address(this), amount);
        inner.depositMargin(amount);
    }

    function withdrawMargin(uint256 amount, address to) external {
        inner.withdrawMargin(amount, to);
    }

    function baseCollateralToken() external view returns (address) {
        return inner.baseCollateralToken();
    }

    function collateralHaircutBps() external view returns (uint256) {
        return inner.collateralHaircutBps();
    }

    function depositCollateral(uint256 qty) external {
        IERC20 base = IERC20(inner.baseCollateralToken());
        base.safeTransferFrom(msg.sender, address(this), qty);
        base.forceApprove(address(inner), qty);
        inner.depositCollateral(qty);
    }

    function withdrawCollateral(uint256 qty, address to) external {
        inner.withdrawCollateral(qty, to);
    }

    function increaseShort(uint256 size, uint256 minFillPrice) external returns (bool, uint256) {
        if (queueOnly) return (false, 0);
        return inner.increaseShort((size * fillBps) / 10_000, minFillPrice);
    }

    function decreaseShort(uint256 size, uint256 maxFillPrice) external returns (bool, uint256) {
        if (queueOnly) return (false, 0);
        return inner.decreaseShort(size, maxFillPrice);
    }

    function pendingOrder() external view returns (PendingOrder memory) {
        return inner.pendingOrder();
    }

    function fillsLater() external view returns (bool) {
        return queueOnly || inner.fillsLater();
    }

    function orderExecutionFee() external view returns (uint256) {
        return inner.orderExecutionFee();
    }

    function cancelOrder() external returns (uint256 refund) {
        refund = inner.cancelOrder();
        if (refund != 0) _collateral.safeTransfer(msg.sender, refund);
    }
}
