// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {SpotCollateralMath as M} from "../../contracts/libraries/SpotCollateralMath.sol";
import {VaultMath} from "../../contracts/libraries/VaultMath.sol";
import {VaultParams} from "../../contracts/vault/VaultParams.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice The SpotCollateral mode's planning core (SpotCollateralMath) on hand-checked books and
/// fuzzed ones: $100k at $3,000 (5% idle, the rest posted as collateral and shorted), a 10%
/// haircut and a 10% initial margin unless fuzzed, 6-decimal asset, 18-decimal spot. Each round is
/// carried out here by a model of the venue's rules (the market's: collateral at its haircut,
/// rounded down; the initial margin of the notional, rounded up; a withdrawal never leaves a debt
/// uncovered) with every fill at its worst bound, so a plan the venue would refuse fails the test.
contract SpotCollateralMathTest is TestBase {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant E30 = 1e30; // size units x WAD price / asset units
    uint256 internal constant P0 = 3_000e18;
    uint256 internal constant NAV0 = 100_000e6;

    // ---------------------------------------------------------------------------------------
    // Measurements
    // ---------------------------------------------------------------------------------------

    /// @notice NAV = idle + m + f + Q·E: at +120% and -50% the books still read $100,000 (spot
    /// valued down at the oracle, so within two units); the margin ratio is E/P - h (90% at
    /// target, 35.45% at +120%, 190% at -50%, each rounded down) and deployment is P/E of 95%.
    function test_measures_handChecked() public pure {
        M.Books memory atTarget = _moved(NAV0, P0, 1_000, 1_000);
        require(M.nav(atTarget, 6) == NAV0 - 1, "NAV at target");
        require(M.marginRatioBps(atTarget, 6) == 8_999, "margin ratio at target");
        require(M.deploymentBps(atTarget, 6) == 9_500, "deployment at target");
        M.Books memory rallied = _moved(NAV0, 6_600e18, 1_000, 1_000);
        require(M.nav(rallied, 6) == NAV0, "NAV after +120%");
        require(M.marginRatioBps(rallied, 6) == 3_545, "margin ratio after +120%");
        require(M.deploymentBps(rallied, 6) == 20_900, "deployment after +120%");
        M.Books memory fallen = _moved(NAV0, 1_500e18, 1_000, 1_000);
        require(M.nav(fallen, 6) == NAV0 - 2, "NAV after -50%");
        require(M.marginRatioBps(fallen, 6) == 18_999, "margin ratio after -50%");
        require(M.deploymentBps(fallen, 6) == 4_750, "deployment after -50%");
        require(M.deltaBps(rallied, 6) == 0 && M.deltaBps(fallen, 6) == 0, "a price move made delta");
    }

    /// @notice The bands: +120% breaches the 2x deployment ceiling (the rally side, MarginLow),
    /// -50% the 0.5x floor (the fall side, MarginHigh); a haircut raised to 60% at the same price
    /// takes the ratio to 30% - 60% = under the hard floor; at target nothing is breached.
    function test_classify_handChecked() public pure {
        M.Bands memory bands = _bands();
        _expectBand(_moved(NAV0, P0, 1_000, 1_000), bands, IDeltaNeutralVault.Band.None, IDeltaNeutralVault.Tier.None);
        _expectBand(
            _moved(NAV0, 6_600e18, 1_000, 1_000),
            bands,
            IDeltaNeutralVault.Band.MarginLow,
            IDeltaNeutralVault.Tier.Soft
        );
        _expectBand(
            _moved(NAV0, 1_500e18, 1_000, 1_000),
            bands,
            IDeltaNeutralVault.Band.MarginHigh,
            IDeltaNeutralVault.Tier.Soft
        );
        // +50% with a 60% haircut: E/P - h = 66.7% - 60% = 6.7%, under the 15% hard floor.
        _expectBand(
            _moved(NAV0, 4_500e18, 6_000, 1_000),
            bands,
            IDeltaNeutralVault.Band.MarginLow,
            IDeltaNeutralVault.Tier.Hard
        );
        // Deposits: idle at 5% + 20% of NAV breaches the 10% soft idle band.
        M.Books memory deposited = _moved(NAV0, P0, 1_000, 1_000);
        deposited.idle += 25_000e6;
        _expectBand(deposited, bands, IDeltaNeutralVault.Band.Idle, IDeltaNeutralVault.Tier.Soft);
    }

    /// @notice The mode's bounds (VaultParams.checkCollateralBands): the issue's bands pass at a
    /// 10% haircut and initial margin; a hard floor at the venue's initial margin, a haircut that
    /// leaves the target's margin ratio (1 - 85% = 15%) under the soft floor, soft deployment
    /// edges within 5% of the target's 0.95x, and a target deployment past 5x are refused.
    function test_checkCollateralBands_bounds() public view {
        M.Bands memory b = _bands();
        require(_boundsError(b, 10_000, 1_000).length == 0, "the issue's bands refused");
        M.Bands memory atInitialMargin = _bands();
        atInitialMargin.marginFloorHardBps = 1_000;
        _expectOutOfBounds(_boundsError(atInitialMargin, 10_000, 1_000), "marginFloorHardBps", 1_000, 1_001, 50_000);
        _expectOutOfBounds(_boundsError(b, 10_000, 8_500), "marginFloorSoftBps", 2_500, 1_501, 1_000);
        M.Bands memory tight = _bands();
        tight.minDeploymentSoftBps = 9_001;
        _expectOutOfBounds(_boundsError(tight, 10_000, 1_000), "minDeploymentSoftBps", 9_001, 2, 9_000);
        tight = _bands();
        tight.maxDeploymentSoftBps = 9_999;
        _expectOutOfBounds(_boundsError(tight, 10_000, 1_000), "maxDeploymentSoftBps", 9_999, 10_000, 49_999);
        _expectOutOfBounds(_boundsError(b, 50_001, 1_000), "deploymentBps", 50_001, 5_000, 50_000);
    }

    /// @dev The revert data of the bounds check at a 5% buffer and 10% initial margin (empty: passed).
    function _boundsError(
        M.Bands memory b,
        uint256 deploymentBps,
        uint256 haircutBps
    ) internal view returns (bytes memory) {
        try this.checkBounds(b, deploymentBps, haircutBps) {
            return "";
        } catch (bytes memory reason) {
            return reason;
        }
    }

    function checkBounds(M.Bands memory b, uint256 deploymentBps, uint256 haircutBps) external pure {
        VaultParams.checkCollateralBands(b, deploymentBps, 500, 1_000, haircutBps);
    }

    function _expectOutOfBounds(
        bytes memory reason,
        bytes32 name,
        uint256 value,
        uint256 min,
        uint256 max
    ) internal pure {
        bytes memory expected = abi.encodeWithSelector(
            IDeltaNeutralVault.ParameterOutOfBounds.selector,
            name,
            value,
            min,
            max
        );
        require(keccak256(reason) == keccak256(expected), "not the expected ParameterOutOfBounds");
    }

    // ---------------------------------------------------------------------------------------
    // Rounds on hand-checked books
    // ---------------------------------------------------------------------------------------

    /// @notice +120%: margin ratio 35.45%, deployment 2.09x, cash equity -$114,000. Target: short
    /// 95,000 / 6,600 = 14.39 ETH of 31.67. The venue's rule caps the withdrawal: the idle $5,000
    /// goes in as margin first, then Me - IM·N = 74,100 + 5,000 - 20,900 = $58,200 of room over
    /// 1 - h - IM + x = 0.82 lets $70,975.61 (10.754 ETH) out. Carried out at the worst fills
    /// (buy-back 2% dear, sale 0.5% cheap): the withdrawal clears the rule by 3 units; the sale's
    /// $70,620.73 repays debt; margin ratio 61.2%, deployment 1.405x, NAV $98,225.61 (the worst
    /// fills cost $1,774, 1.8%). One round clears the band; the rest waits for the next breach.
    function test_rallyRound_handChecked() public pure {
        M.Books memory b = _moved(NAV0, 6_600e18, 1_000, 1_000);
        M.Input memory p = _input();
        M.Plan memory r = M.plan(b, p);
        require(r.marginIn == 5_000e6, "idle not deposited first");
        require(r.collateralOut == 10_753_880_265_303_030_303, "withdrawal");
        require(r.shortDecrease == r.collateralOut, "short not bought back with the collateral");
        require(r.marginOut == 0 && r.buyAssets == 0, "a shrink grows");
        (M.Books memory a, string memory refused) = _carryOutWorst(b, p, r);
        require(bytes(refused).length == 0, refused);
        require(a.idle == 0 && a.cashEquity == -39_798_780_494, "debt repaid");
        require(M.marginRatioBps(a, 6) == 6_116, "margin ratio after");
        require(M.deploymentBps(a, 6) == 14_051, "deployment after");
        require(M.nav(a, 6) == 98_225_609_754, "NAV after");
        _expectBand(a, _bands(), IDeltaNeutralVault.Band.None, IDeltaNeutralVault.Tier.None);
    }

    /// @notice -50%: deployment 0.475x, cash equity +$47,500 (the short's profit). Target: short
    /// 95,000 / 1,500 = 63.33 ETH of 31.67; $47,500 to buy. The round withdraws the profit less
    /// the increase's worst cost (2% of it: $950), buys $46,550 at 0.5% dear, posts it and grows
    /// the short as much at a 2% worst cost: deployment 0.949x, margin ratio 90.0%, NAV $98,840.90
    /// (the worst fills cost $1,159).
    function test_fallRound_handChecked() public pure {
        M.Books memory b = _moved(NAV0, 1_500e18, 1_000, 1_000);
        M.Input memory p = _input();
        M.Plan memory r = M.plan(b, p);
        require(r.marginOut == 46_549_999_999, "withdrawal of the profit");
        require(r.buyAssets == r.marginOut, "buy");
        require(r.collateralOut == 0 && r.shortDecrease == 0 && r.marginIn == 0, "a grow shrinks");
        (M.Books memory a, string memory refused) = _carryOutWorst(b, p, r);
        require(bytes(refused).length == 0, refused);
        require(a.shortQty == a.collateral, "short != spot posted");
        require(M.deploymentBps(a, 6) == 9_491, "deployment after");
        require(M.marginRatioBps(a, 6) == 9_002, "margin ratio after");
        require(M.nav(a, 6) == 98_840_904_998, "NAV after");
        _expectBand(a, _bands(), IDeltaNeutralVault.Band.None, IDeltaNeutralVault.Tier.None);
    }

    /// @notice Within the tolerance nothing trades; a rescue never grows.
    function test_plan_toleranceAndRescue() public pure {
        M.Books memory b = _moved(NAV0, P0, 1_000, 1_000);
        M.Plan memory r = M.plan(b, _input());
        require(r.collateralOut + r.marginOut + r.buyAssets + r.marginIn == 0, "a book at target traded");
        M.Books memory fallen = _moved(NAV0, 1_500e18, 1_000, 1_000);
        M.Input memory rescue = _input();
        rescue.rescueOnly = true;
        r = M.plan(fallen, rescue);
        require(r.buyAssets + r.marginOut == 0, "a rescue grew the book");
    }

    // ---------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------

    /// @notice For any move of 0.3x..3x, haircut 0..30%, initial margin 1..25%, slippage bound
    /// 0.3..3%, funding of ±2% of NAV, held spot and a delta gap of ±1%, and a venue index up to 2%
    /// off the oracle: the venue accepts every step of the round at the worst fills; the round
    /// leaves no delta (short = spot held and posted; a shrink may leave a spot excess it could not
    /// sell, never more than there was); it never deploys past the target nor sells
    /// below it (rounding favours the vault); a shrink never lowers the margin ratio nor raises
    /// deployment, and a grow adds spot.
    function testFuzz_round_venueAcceptsAndDeltaStaysFlat(
        uint256 nav,
        uint256 moveBps,
        uint256 haircutBps,
        uint256 imBps,
        uint256 slippageBps,
        uint256 seed
    ) public pure {
        nav = bound(nav, 1_000e6, 1e16);
        moveBps = bound(moveBps, 3_000, 30_000);
        haircutBps = bound(haircutBps, 0, 3_000);
        imBps = bound(imBps, 100, 2_500);
        M.Books memory b = _moved(nav, (P0 * moveBps) / BPS, haircutBps, imBps);
        b.perpPrice = (b.price * bound(seed % 401, 9_800, 10_200)) / BPS;
        _perturb(b, nav, seed);
        M.Input memory p = _input();
        p.slippageBps = bound(slippageBps, 30, 300);

        M.Targets memory t = M.targets(b, p);
        uint256 ratioBefore = M.marginRatioBps(b, 6);
        uint256 deployedBefore = M.deploymentBps(b, 6);
        M.Plan memory r = M.plan(b, p);
        (M.Books memory a, string memory refused) = _carryOutWorst(b, p, r);
        require(bytes(refused).length == 0, refused);
        uint256 spotBefore = b.spotHeld + b.collateral;
        uint256 spotAfter = a.spotHeld + a.collateral;
        if (r.collateralOut + r.sellHeld + r.shortDecrease == 0) {
            require(a.shortQty == spotAfter, "the round left delta");
        } else {
            // A shrink brings the short down to the spot, never grows it: a spot excess it could
            // not sell is at most what it was.
            require(a.shortQty <= spotAfter, "a shrink left the short above the spot");
            require(spotAfter - a.shortQty <= (spotBefore > b.shortQty ? spotBefore - b.shortQty : 0), "delta grew");
        }
        if (r.collateralOut != 0) {
            require(a.spotHeld + a.collateral >= t.shortQty, "sold below the target");
            require(M.marginRatioBps(a, 6) >= ratioBefore, "a shrink lowered the margin ratio");
            require(M.deploymentBps(a, 6) <= deployedBefore, "a shrink raised deployment");
        }
        if (r.buyAssets != 0) {
            require(a.collateral <= t.shortQty, "bought past the target");
            require(spotAfter > spotBefore, "a grow did not add spot");
        }
    }

    /// @notice The shrink's withdrawal is the largest the rule allows, not just an allowed one:
    /// one unit of value more (over the worst-cost denominator) and the venue would refuse it,
    /// whenever the cap binds.
    function testFuzz_maxCollateralOut_isTight(uint256 nav, uint256 moveBps, uint256 haircutBps) public pure {
        nav = bound(nav, 1_000e6, 1e16);
        moveBps = bound(moveBps, 15_000, 30_000);
        haircutBps = bound(haircutBps, 0, 3_000);
        M.Books memory b = _moved(nav, (P0 * moveBps) / BPS, haircutBps, 1_000);
        M.Input memory p = _input();
        uint256 allowed = M.maxCollateralOut(b, p);
        vm.assume(allowed != 0 && allowed < b.collateral);
        // 0.1% more than allowed, at the worst buy-back, breaks the initial-margin rule.
        uint256 more = allowed + allowed / 1_000 + 1;
        M.Books memory a = _withdrawAfterBuyBack(b, p, more);
        require(_venueEquity(a) < _venueRequirement(a), "the cap leaves room unused");
    }

    /// @notice A grow round never withdraws more than the positive cash equity, so what is
    /// posted alone covers the grown short.
    function testFuzz_grow_withdrawsAtMostTheCashEquity(uint256 nav, uint256 moveBps, uint256 seed) public pure {
        nav = bound(nav, 1_000e6, 1e16);
        moveBps = bound(moveBps, 3_000, 9_500);
        M.Books memory b = _moved(nav, (P0 * moveBps) / BPS, 1_000, 1_000);
        _perturb(b, nav, seed);
        M.Plan memory r = M.plan(b, _input());
        require(int256(r.marginOut) <= (b.cashEquity > 0 ? b.cashEquity : int256(0)), "withdrew past cash equity");
    }

    /// @notice With the spot posted equal to the short, NAV does not move with the price (within
    /// the roundings of the spot's value and the PnL: two units), and a raised haircut moves the
    /// margin ratio only, never NAV.
    function testFuzz_nav_priceIndependent(uint256 nav, uint256 moveBps, uint256 haircutBps) public pure {
        nav = bound(nav, 1_000e6, 1e16);
        moveBps = bound(moveBps, 1_000, 50_000);
        haircutBps = bound(haircutBps, 0, 5_000);
        uint256 atStart = M.nav(_moved(nav, P0, 0, 1_000), 6);
        M.Books memory moved = _moved(nav, (P0 * moveBps) / BPS, haircutBps, 1_000);
        uint256 after_ = M.nav(moved, 6);
        require(after_ + 2 >= atStart && after_ <= atStart + 2, "NAV moved with the price");
        require(
            M.marginRatioBps(moved, 6) <= M.marginRatioBps(_moved(nav, moved.price, 0, 1_000), 6),
            "haircut raised the ratio"
        );
    }

    /// @notice The repayment brings the cash equity up to its target, from idle above the floor
    /// only, and never deposits past either.
    function test_repayment_edges() public pure {
        require(M.repayment(-100, 0, 70, 20) == 50, "capped at idle above the floor");
        require(M.repayment(-100, 0, 500, 20) == 100, "capped at the debt");
        require(M.repayment(-100, -150, 500, 20) == 0, "repaid past a debt the target keeps");
        require(M.repayment(-100, 0, 20, 20) == 0, "dug into the floor");
    }

    /// @notice The no-trade region in this mode: with the issue's bands, a 5% buffer and a 10%
    /// haircut, half way from 1x toward the rally edge (2x of NAV = 2.1052x of the deployable,
    /// before the margin floor's 1 / (25% + 10%) = 2.857x) aims at 1.5526x; toward the fall edge
    /// (0.5x of NAV = 0.5264x rounded up) at 0.7632x; Delta and Idle recentre.
    function test_regionDeployment_handChecked() public pure {
        M.Bands memory b = _bands();
        require(
            M.regionDeploymentBps(10_000, 5_000, b, IDeltaNeutralVault.Band.MarginLow, 500, 1_000) == 15_526,
            "rally"
        );
        require(
            M.regionDeploymentBps(10_000, 5_000, b, IDeltaNeutralVault.Band.MarginHigh, 500, 1_000) == 7_632,
            "fall"
        );
        require(M.regionDeploymentBps(10_000, 5_000, b, IDeltaNeutralVault.Band.Delta, 500, 1_000) == 10_000, "delta");
        require(M.regionDeploymentBps(10_000, 0, b, IDeltaNeutralVault.Band.MarginLow, 500, 1_000) == 10_000, "off");
        // A 60% haircut puts the margin floor's edge (1 / 85% = 1.176x) before the 2x band.
        require(
            M.regionDeploymentBps(10_000, 5_000, b, IDeltaNeutralVault.Band.MarginLow, 500, 6_000) == 10_882,
            "floor edge"
        );
    }

    /// @notice A rally round aiming at the region's target (up to 80% of the way) lands inside
    /// both soft bands at the worst fills, and never withdraws more collateral than a recentring
    /// round would.
    function testFuzz_regionRallyRound_landsInsideTheBands(
        uint256 nav,
        uint256 moveBps,
        uint256 regionBps
    ) public pure {
        nav = bound(nav, 1_000e6, 1e16);
        // Past the 2x soft ceiling (2.1x of price at a 0.95x start) to 2.6x.
        moveBps = bound(moveBps, 21_100, 26_000);
        regionBps = bound(regionBps, 0, VaultParams.MAX_REBALANCE_TARGET_BPS);
        M.Books memory b = _moved(nav, (P0 * moveBps) / BPS, 1_000, 1_000);
        M.Bands memory bands = _bands();
        M.Input memory centre = _input();
        M.Input memory region = _input();
        region.deploymentBps = M.regionDeploymentBps(
            10_000,
            regionBps,
            bands,
            IDeltaNeutralVault.Band.MarginLow,
            500,
            1_000
        );
        M.Plan memory r = M.plan(b, region);
        require(r.collateralOut <= M.plan(b, centre).collateralOut, "the region withdrew more");
        (M.Books memory a, string memory refused) = _carryOutWorst(b, region, r);
        require(bytes(refused).length == 0, refused);
        require(M.marginRatioBps(a, 6) >= bands.marginFloorSoftBps, "below the soft margin floor");
        require(M.deploymentBps(a, 6) <= bands.maxDeploymentSoftBps, "above the soft deployment ceiling");
    }

    // ---------------------------------------------------------------------------------------
    // The venue model and the round carried out at worst fills
    // ---------------------------------------------------------------------------------------

    /// @dev Carries out `r` on `b` as the vault would, each fill at its worst bound: the buy-back
    /// and the short's growth cost the buy-back's worst cost (VaultMath.buyBackCostBps) of their
    /// notional, spot trades fill `slippageBps` off the oracle. Returns the books after and whether
    /// the step the venue would have refused (a withdrawal or a trade breaking its rules), if any.
    function _carryOutWorst(
        M.Books memory b,
        M.Input memory p,
        M.Plan memory r
    ) internal pure returns (M.Books memory a, string memory refused) {
        a = M.copy(b);
        M.Targets memory t = M.targets(b, p);
        uint256 idleFloor = Math.min(a.idle - r.marginIn, t.idle);
        a.collateral += r.postQty;
        a.spotHeld -= r.postQty;
        a.idle -= r.marginIn;
        a.cashEquity += int256(r.marginIn);
        bool shrink = r.shortDecrease != 0 || r.collateralOut != 0 || r.sellHeld != 0;
        if (shrink) {
            a = _withdrawAfterBuyBack(a, p, r.collateralOut, r.shortDecrease);
            // A buy-back alone only needs maintenance; a withdrawal keeps the initial margin.
            if (r.collateralOut != 0 && (_venueEquity(a) < _venueRequirement(a) || !_debtCovered(a))) {
                refused = "collateral withdrawal below the initial margin";
            }
            a.spotHeld -= r.sellHeld;
            a.idle += VaultMath.lessBps(_value(r.collateralOut + r.sellHeld, a.price), p.slippageBps);
            uint256 repay = M.repayment(a.cashEquity, t.cashEquity, a.idle, idleFloor);
            a.idle -= repay;
            a.cashEquity += int256(repay);
            // A shrink never grows the short (see SpotCollateralMath.plan).
            return (a, refused);
        }
        if (r.marginOut != 0) {
            // Only positive cash equity leaves, and the initial margin stays.
            if (int256(r.marginOut) > a.cashEquity) refused = "margin withdrawal past the cash equity";
            a.cashEquity -= int256(r.marginOut);
            if (_venueEquity(a) < _venueRequirement(a)) refused = "margin withdrawal below the initial margin";
            a.idle += r.marginOut;
        }
        if (r.buyAssets != 0) {
            a.idle -= r.buyAssets;
            uint256 bought = (VaultMath.lessBps(r.buyAssets, p.slippageBps) * E30) / a.price;
            a.collateral += bought;
        }
        (uint256 increase, uint256 decrease) = M.hedge(a.spotHeld + a.collateral, a.shortQty);
        if (increase != 0) {
            a.cashEquity -= int256(_cost(increase, a.perpPrice, p.slippageBps));
            a.shortQty += increase;
            if (_venueEquity(a) < _venueRequirement(a)) refused = "short grown below the initial margin";
        } else if (decrease != 0) {
            a.cashEquity -= int256(_cost(decrease, a.perpPrice, p.slippageBps));
            a.shortQty -= decrease;
        }
    }

    function _withdrawAfterBuyBack(
        M.Books memory b,
        M.Input memory p,
        uint256 qty
    ) internal pure returns (M.Books memory) {
        return _withdrawAfterBuyBack(M.copy(b), p, qty, qty);
    }

    /// @dev The short bought back by `decrease` at the worst cost, then `qty` collateral withdrawn.
    function _withdrawAfterBuyBack(
        M.Books memory a,
        M.Input memory p,
        uint256 qty,
        uint256 decrease
    ) internal pure returns (M.Books memory) {
        a.cashEquity -= int256(_cost(decrease, a.perpPrice, p.slippageBps));
        a.shortQty -= decrease;
        a.collateral -= qty;
        return a;
    }

    /// @dev The market's margin equity: cash + collateral x Pv x (1 - h) in one rounding down.
    function _venueEquity(M.Books memory a) internal pure returns (int256) {
        return a.cashEquity + int256(Math.mulDiv(a.collateral, a.perpPrice * (BPS - a.haircutBps), E30 * BPS));
    }

    /// @dev The market's initial margin of the notional (rounded up), both rounded up.
    function _venueRequirement(M.Books memory a) internal pure returns (int256) {
        uint256 n = Math.mulDiv(a.shortQty, a.perpPrice, E30, Math.Rounding.Ceil);
        return int256(Math.mulDiv(n, a.initialMarginBps, BPS, Math.Rounding.Ceil));
    }

    /// @dev A withdrawal never leaves a margin debt the collateral at its haircut does not cover.
    function _debtCovered(M.Books memory a) internal pure returns (bool) {
        return _venueEquity(a) >= 0;
    }

    function _cost(uint256 qty, uint256 perpPrice, uint256 slippageBps) internal pure returns (uint256) {
        uint256 value = Math.mulDiv(qty, perpPrice, E30, Math.Rounding.Ceil);
        return Math.mulDiv(value, VaultMath.buyBackCostBps(slippageBps), BPS, Math.Rounding.Ceil);
    }

    // ---------------------------------------------------------------------------------------
    // Books
    // ---------------------------------------------------------------------------------------

    /// @dev `nav` at target at P0 (5% idle, the rest posted and shorted at entry P0, no cash
    /// equity), then the price moved to `price`: the short's PnL Q·(P0 - P) is the cash equity.
    function _moved(
        uint256 nav,
        uint256 price,
        uint256 haircutBps,
        uint256 imBps
    ) internal pure returns (M.Books memory b) {
        uint256 idle = (nav * 500) / BPS;
        uint256 qty = ((nav - idle) * E30) / P0;
        b.price = price;
        b.perpPrice = price;
        b.idle = idle;
        b.collateral = qty;
        b.shortQty = qty;
        b.cashEquity = ((int256(P0) - int256(price)) * int256(qty)) / int256(E30);
        b.haircutBps = haircutBps;
        b.initialMarginBps = imBps;
    }

    /// @dev Funding of ±2% of NAV in cash equity, up to 1% of the spot held unposted, and a delta
    /// gap of ±1% of the short.
    function _perturb(M.Books memory b, uint256 nav, uint256 seed) internal pure {
        uint256 funding = bound(uint256(keccak256(abi.encode(seed, 1))), 0, (nav * 400) / BPS);
        b.cashEquity += int256(funding) - int256((nav * 200) / BPS);
        uint256 held = bound(uint256(keccak256(abi.encode(seed, 2))), 0, b.collateral / 100);
        b.spotHeld = held;
        b.collateral -= held;
        uint256 gap = bound(uint256(keccak256(abi.encode(seed, 3))), 0, b.shortQty / 50);
        b.shortQty = b.shortQty - b.shortQty / 100 + gap;
    }

    function _value(uint256 qty, uint256 price) internal pure returns (uint256) {
        return Math.mulDiv(qty, price, E30);
    }

    function _input() internal pure returns (M.Input memory) {
        return
            M.Input({
                idleBufferBps: 500,
                deploymentBps: 10_000,
                slippageBps: 50,
                toleranceBps: 10,
                assetDecimals: 6,
                rescueOnly: false
            });
    }

    /// @dev The issue's bands: margin floor 25% (15% hard), deployment 0.5x..2x (0.3x..3x hard).
    function _bands() internal pure returns (M.Bands memory) {
        return
            M.Bands({
                deltaSoftBps: 100,
                deltaHardBps: 300,
                marginFloorSoftBps: 2_500,
                marginFloorHardBps: 1_500,
                minDeploymentSoftBps: 5_000,
                minDeploymentHardBps: 3_000,
                maxDeploymentSoftBps: 20_000,
                maxDeploymentHardBps: 30_000,
                idleSoftBps: 1_000,
                idleHardBps: 3_000
            });
    }

    function _expectBand(
        M.Books memory b,
        M.Bands memory bands,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Tier tier
    ) internal pure {
        (IDeltaNeutralVault.Band got, IDeltaNeutralVault.Tier gotTier) = M.classify(b, bands, 500, 6);
        require(got == band, "band");
        require(gotTier == tier, "tier");
    }
}
