// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title CollateralLib
/// @notice The market's second collateral, its base token (e.g. WETH): what a quantity is worth
/// to the margin rules (the oracle value less a haircut), how a liquidation splits what an
/// account holds between its debt, the liquidator's reward and the account, and what a buyer
/// pays the pool for what it seized. Quantities are base units (18 decimals); values are
/// collateral (margin-token) units. Every conversion rounds against the account or the buyer: a
/// value counted for it rounds down, a quantity taken from it or a price it pays rounds up.
library CollateralLib {
    /// @notice The discount, bps of the oracle value, at which the pool sells seized collateral:
    /// the buyer's whole edge, so it is a constant (the owner cannot widen it) and small (about
    /// a liquidation reward: enough to cover a swap back into the base token's market and its
    /// gas, while the pool gives up 1% of what it sells).
    uint256 internal constant SALE_DISCOUNT_BPS = 100;

    /// @notice How a liquidation settles an account after its position is closed.
    /// @param seized Base quantity moved to the pool to cover the margin debt.
    /// @param covered Margin debt the seized quantity covers (its value, at most the debt).
    /// @param rewardFromMargin Reward paid in the margin token, from positive margin.
    /// @param rewardQty Reward paid in the base token, from collateral.
    /// @param margin Settled margin left (negative: a shortfall the collateral could not cover).
    /// @param collateral Base quantity left to the account.
    struct Liquidation {
        uint256 seized;
        uint256 covered;
        uint256 rewardFromMargin;
        uint256 rewardQty;
        int256 margin;
        uint256 collateral;
    }

    /// @notice `qty` at the oracle price, rounded down (the full value: what the tokens would
    /// fetch at the oracle).
    function valueDown(uint256 qty, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return qty == 0 ? 0 : PerpMath.toCollateralDown(qty, price, divisor);
    }

    /// @notice `qty` as the margin rules count it: the oracle value less `haircutBps`, rounded
    /// down in one step (qty * price * (1 - haircut)).
    function marginValue(
        uint256 qty,
        uint256 price,
        uint256 divisor,
        uint256 haircutBps
    ) internal pure returns (uint256) {
        if (qty == 0) return 0;
        return valueLessBps(qty, price, divisor, haircutBps, Math.Rounding.Floor);
    }

    /// @notice What a buyer pays for `qty` of the pool's seized collateral at `price` (the price a
    /// buy fills at): its value less SALE_DISCOUNT_BPS, rounded up in one step, so the pool
    /// never sells below the discounted value and no quantity is free.
    function saleCost(uint256 qty, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return valueLessBps(qty, price, divisor, SALE_DISCOUNT_BPS, Math.Rounding.Ceil);
    }

    /// @notice qty * price * (1 - bps), in collateral units, rounded as asked.
    function valueLessBps(
        uint256 qty,
        uint256 price,
        uint256 divisor,
        uint256 bps,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return Math.mulDiv(qty, price * (PerpMath.BPS - bps), divisor * PerpMath.BPS, rounding);
    }

    /// @notice The base quantity worth `amount` at the oracle price, rounded up (taken from the
    /// account, so the pool is never short of the value).
    function qtyUp(uint256 amount, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return Math.mulDiv(amount, divisor, price, Math.Rounding.Ceil);
    }

    /// @notice The base quantity worth `amount` at the oracle price, rounded down (paid to a
    /// liquidator, so its reward never exceeds what it is due).
    function qtyDown(uint256 amount, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return Math.mulDiv(amount, divisor, price);
    }

    /// @notice Settles an account after its close: first a margin debt (`margin` < 0) is covered
    /// by collateral taken at the oracle price (rounded up); then the liquidator's reward,
    /// `rewardBps` of `notional` (of the covered debt when there was no position to close), is
    /// paid from positive margin and then from collateral (rounded down), each capped at what is
    /// left. Whatever remains stays the account's. A debt the collateral cannot cover is left
    /// in `margin` (the pool's shortfall) and earns no reward.
    function liquidate(
        int256 margin,
        uint256 collateral,
        uint256 notional,
        uint256 rewardBps,
        uint256 price,
        uint256 divisor
    ) internal pure returns (Liquidation memory split) {
        split.margin = margin;
        split.collateral = collateral;
        if (margin < 0 && collateral != 0) {
            uint256 debt = uint256(-margin);
            uint256 needed = qtyUp(debt, price, divisor);
            if (needed <= collateral) {
                (split.seized, split.covered) = (needed, debt);
            } else {
                // Worth less than the debt (needed - 1 base units would be): all of it is taken.
                (split.seized, split.covered) = (collateral, valueDown(collateral, price, divisor));
            }
            split.collateral -= split.seized;
            split.margin += int256(split.covered);
        }
        if (split.margin < 0) return split;
        uint256 due = ((notional != 0 ? notional : split.covered) * rewardBps) / PerpMath.BPS;
        split.rewardFromMargin = Math.min(due, uint256(split.margin));
        split.margin -= int256(split.rewardFromMargin);
        uint256 rest = due - split.rewardFromMargin;
        if (rest != 0 && split.collateral != 0) {
            split.rewardQty = Math.min(qtyDown(rest, price, divisor), split.collateral);
            split.collateral -= split.rewardQty;
        }
    }
}
