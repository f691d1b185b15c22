// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollateralLib} from "../../contracts/perp/libraries/CollateralLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice CollateralLib on its own: the haircut valuation, the quantity conversions and the
/// liquidation split, each rounded against the account.
contract CollateralLibTest is TestBase {
    /// @dev USDC (6 decimals) against an 18-decimal base: 10^(18 + 18 - 6).
    uint256 internal constant DIVISOR = 1e30;

    /// @notice The margin value never exceeds qty * price * (1 - haircut) and is at most one unit
    /// below it; it never exceeds the full oracle value.
    function testFuzz_marginValueRoundsDownOnce(uint256 qty, uint256 price, uint256 haircutBps) public pure {
        qty = bound(qty, 0, 1e30);
        price = bound(price, 1, 1e26);
        haircutBps = bound(haircutBps, 100, 5_000);
        uint256 value = CollateralLib.marginValue(qty, price, DIVISOR, haircutBps);
        uint256 exact = qty * price * (10_000 - haircutBps); // fits: < 1e61
        uint256 scale = DIVISOR * 10_000;
        require(value * scale <= exact, "margin value above the haircut value");
        require(exact - value * scale < scale, "margin value more than one unit low");
        require(value <= CollateralLib.valueDown(qty, price, DIVISOR), "margin value above the full value");
    }

    /// @notice A sale of seized collateral costs at least qty * price * (1 - discount) and at most
    /// one unit more: the pool never sells below the discounted value, no quantity is free, and
    /// splitting a purchase never costs less than buying it at once.
    function testFuzz_saleCostRoundsUpOnce(uint256 qty, uint256 split, uint256 price) public pure {
        qty = bound(qty, 1, 1e30);
        split = bound(split, 0, qty);
        price = bound(price, 1, 1e26);
        uint256 cost = CollateralLib.saleCost(qty, price, DIVISOR);
        uint256 exact = qty * price * (10_000 - CollateralLib.SALE_DISCOUNT_BPS); // fits: < 1e61
        uint256 scale = DIVISOR * 10_000;
        require(cost * scale >= exact, "sold below the discounted value");
        require(cost * scale - exact < scale, "cost more than one unit high");
        require(cost != 0, "a quantity sold for nothing");
        uint256 parts =
            CollateralLib.saleCost(split, price, DIVISOR) + CollateralLib.saleCost(qty - split, price, DIVISOR);
        require(parts >= cost, "a split purchase cost less");
    }

    /// @notice The quantity seized for an amount is worth at least that amount, and one base unit
    /// less would not be: the pool is never short, and the account never pays more than a unit.
    function testFuzz_qtyUpCoversTheAmountMinimally(uint256 amount, uint256 price) public pure {
        amount = bound(amount, 1, 1e24);
        price = bound(price, 1e12, 1e26);
        uint256 qty = CollateralLib.qtyUp(amount, price, DIVISOR);
        require(qty * price >= amount * DIVISOR, "seized quantity worth less than the amount");
        require((qty - 1) * price < amount * DIVISOR, "seized more than needed");
        uint256 down = CollateralLib.qtyDown(amount, price, DIVISOR);
        require(down * price <= amount * DIVISOR && down + 1 >= qty, "qtyDown not the floor");
    }

    /// @notice The split conserves both tokens: collateral = seized + reward + left; margin after
    /// = margin + covered - reward from margin. The debt is covered whenever the collateral is
    /// worth it; the covered amount is never worth more than what was seized; the reward is never
    /// above its due; a shortfall takes all the collateral and pays no reward.
    function testFuzz_liquidationSplitConservesAndFavoursThePool(
        int256 margin,
        uint256 collateral,
        uint256 notional,
        uint256 rewardBps,
        uint256 price
    ) public pure {
        margin = int256(bound(uint256(margin), 0, 2e18)) - 1e18;
        collateral = bound(collateral, 0, 1e24);
        notional = bound(notional, 0, 1e18);
        rewardBps = bound(rewardBps, 0, 500);
        price = bound(price, 1e12, 1e26);
        CollateralLib.Liquidation memory split = CollateralLib.liquidate(
            margin,
            collateral,
            notional,
            rewardBps,
            price,
            DIVISOR
        );
        require(split.seized + split.rewardQty + split.collateral == collateral, "collateral not conserved");
        require(
            split.margin == margin + int256(split.covered) - int256(split.rewardFromMargin),
            "margin not conserved"
        );
        require(split.covered * DIVISOR <= split.seized * price, "covered more than the seized value");
        uint256 debt = margin < 0 ? uint256(-margin) : 0;
        require(split.covered <= debt, "covered more than the debt");
        if (margin >= 0) require(split.seized == 0, "seized without a debt");
        if (split.margin < 0) {
            require(
                split.collateral == 0 && split.rewardFromMargin == 0 && split.rewardQty == 0,
                "shortfall kept or paid"
            );
            require(collateral * price < debt * DIVISOR, "shortfall while the collateral covered the debt");
            return;
        }
        require(split.covered == debt, "debt not covered in full");
        uint256 due = ((notional != 0 ? notional : split.covered) * rewardBps) / 10_000;
        require(split.rewardFromMargin + (split.rewardQty * price) / DIVISOR <= due, "reward above its due");
        // Paid in full unless the account ran out of both tokens.
        if (split.collateral != 0) {
            uint256 rewardValueUp = (split.rewardQty * price + DIVISOR - 1) / DIVISOR;
            require(
                split.rewardFromMargin + rewardValueUp + price / DIVISOR + 1 >= due,
                "reward short with collateral left"
            );
        }
    }

    /// @notice Worked example: 1 ETH at $2,000 covers a $1,500 debt with 0.75 ETH; a $100 reward
    /// (1% of $10,000 closed) comes from the rest as 0.05 ETH; 0.2 ETH stays the account's.
    function test_liquidationSplitExample() public pure {
        CollateralLib.Liquidation memory split = CollateralLib.liquidate(
            -1_500e6,
            1e18,
            10_000e6,
            100,
            2_000e18,
            DIVISOR
        );
        require(split.seized == 0.75e18 && split.covered == 1_500e6, "seizure");
        require(split.rewardFromMargin == 0 && split.rewardQty == 0.05e18, "reward");
        require(split.collateral == 0.2e18 && split.margin == 0, "left");
    }
}
