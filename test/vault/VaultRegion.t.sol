// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {VaultMath} from "../../contracts/libraries/VaultMath.sol";
import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {VaultParams} from "../../contracts/vault/VaultParams.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice The no-trade region (Strategy.rebalanceTargetBps): where a rebalance aims
/// (VaultMath.planInput, regionMarginRatioBps), on hand-checked numbers and fuzzed, and what the
/// plan then does to a book after a rally or a fall, carried out at the oracle price without
/// costs (6-decimal asset, 18-decimal spot).
contract VaultRegionTest is TestBase {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_VALUE = 1e16; // $10B at 6 decimals
    uint256 internal constant PRICE = 3_000e18;
    uint256 internal constant MAX_TARGET_BPS = VaultParams.MAX_REBALANCE_TARGET_BPS;
    uint256 internal constant CLEARANCE_BPS = VaultParams.MIN_TARGET_CLEARANCE_BPS;

    IDeltaNeutralVault.Band internal constant LOW = IDeltaNeutralVault.Band.MarginLow;
    IDeltaNeutralVault.Band internal constant HIGH = IDeltaNeutralVault.Band.MarginHigh;
    IDeltaNeutralVault.Band internal constant IDLE = IDeltaNeutralVault.Band.Idle;
    IDeltaNeutralVault.Band internal constant DELTA = IDeltaNeutralVault.Band.Delta;

    // ---------------------------------------------------------------------------------------
    // Where the rebalance aims
    // ---------------------------------------------------------------------------------------

    /// @notice 2x (centre 50%), soft margin band 35%..70%, idle band 5%, t = 50%: a MarginLow
    /// rebalance aims at 42.5% (leverage 1/0.425 = 2.3529x, rounded down), a MarginHigh one at
    /// 60% (1.6666x), an Idle one keeps 5% + 2.5% idle; Delta recentres.
    function test_planInput_handChecked() public pure {
        IDeltaNeutralVault.Strategy memory s = _strategy(20_000, 5_000);
        IDeltaNeutralVault.Bands memory b = _bands(3_500, 7_000);
        require(VaultMath.regionMarginRatioBps(s, b, LOW, 0) == 4_250, "MarginLow target");
        require(VaultMath.regionMarginRatioBps(s, b, HIGH, 0) == 6_000, "MarginHigh target");
        require(VaultMath.regionMarginRatioBps(s, b, IDLE, 0) == 5_000, "an Idle rebalance moved the margin target");
        require(VaultMath.planInput(s, b, LOW, 6, 0).leverageBps == 23_529, "MarginLow leverage");
        require(VaultMath.planInput(s, b, HIGH, 6, 0).leverageBps == 16_666, "MarginHigh leverage");
        VaultMath.PlanInput memory idle = VaultMath.planInput(s, b, IDLE, 6, 0);
        require(idle.idleBufferBps == 750 && idle.leverageBps == 20_000, "Idle target");
        VaultMath.PlanInput memory delta = VaultMath.planInput(s, b, DELTA, 6, 0);
        require(delta.idleBufferBps == 500 && delta.leverageBps == 20_000, "a Delta rebalance did not recentre");
        require(delta.rescueOnly && VaultMath.planInput(s, b, LOW, 6, 0).rescueOnly, "rescue bands not rescue-only");
        require(!idle.rescueOnly && !VaultMath.planInput(s, b, HIGH, 6, 0).rescueOnly, "deploying bands rescue-only");
    }

    /// @notice With the region off, every band plans exactly as before the region existed.
    function testFuzz_planInput_offIsTheCentre(uint256 leverageBps, uint256 band) public pure {
        leverageBps = bound(leverageBps, 10_000, 50_000);
        IDeltaNeutralVault.Strategy memory s = _strategy(leverageBps, 0);
        VaultMath.PlanInput memory p = VaultMath.planInput(s, _bandsFor(leverageBps, 0, 0), _band(band), 6, 0);
        require(p.leverageBps == leverageBps && p.idleBufferBps == s.idleBufferBps, "region off moved the target");
        require(p.slippageBps == s.maxSlippageBps && p.assetDecimals == 6, "inputs not passed through");
    }

    /// @notice For every strategy and bands VaultParams accepts, the margin ratio the plan aims at
    /// (BPS^2 / its leverage) lies between the centre and the breached soft edge, at least
    /// (1 - t) of the way back from the edge less the leverage's rounding (one bps of leverage),
    /// so it never leaves the soft band; the idle target stays inside the idle band.
    function testFuzz_planInput_targetStaysInsideTheSoftBand(
        uint256 leverageBps,
        uint256 lowSeed,
        uint256 highSeed,
        uint256 targetBps,
        uint256 idleSoftBps
    ) public pure {
        leverageBps = bound(leverageBps, 10_000, 50_000);
        targetBps = bound(targetBps, 0, MAX_TARGET_BPS);
        IDeltaNeutralVault.Bands memory b = _bandsFor(leverageBps, lowSeed, highSeed);
        b.idleSoftBps = uint16(bound(idleSoftBps, 10, 4_999));
        IDeltaNeutralVault.Strategy memory s = _strategy(leverageBps, targetBps);
        uint256 centre = (BPS * BPS) / leverageBps;

        uint256 low = _aimedRatio(VaultMath.planInput(s, b, LOW, 6, 0));
        require(low > b.minMarginRatioSoftBps && low <= centre + 1, "MarginLow target outside its side of the band");
        uint256 lowRoom = ((centre - b.minMarginRatioSoftBps) * (BPS - targetBps)) / BPS;
        require(low + 1 >= b.minMarginRatioSoftBps + lowRoom, "MarginLow target nearer the edge than t allows");

        uint256 high = _aimedRatio(VaultMath.planInput(s, b, HIGH, 6, 0));
        require(high < b.maxMarginRatioSoftBps && high + 1 >= centre, "MarginHigh target outside its side of the band");
        uint256 highRoom = ((b.maxMarginRatioSoftBps - centre) * (BPS - targetBps)) / BPS;
        // Leverage rounds down: the aimed ratio may sit above the region's by ratio^2 / BPS^2 bps.
        uint256 rounding = (high * high) / (BPS * BPS) + 1;
        require(high + highRoom <= b.maxMarginRatioSoftBps + rounding, "MarginHigh target nearer the edge than t");

        uint256 idleTarget = VaultMath.planInput(s, b, IDLE, 6, 0).idleBufferBps;
        require(idleTarget >= s.idleBufferBps, "Idle target below the buffer");
        require(idleTarget < s.idleBufferBps + b.idleSoftBps, "Idle target outside the idle band");
    }

    // ---------------------------------------------------------------------------------------
    // What the plan does with it
    // ---------------------------------------------------------------------------------------

    /// @notice A +20% rally on $100k at target (idle 5k, spot 63,333, margin 31,667): margin
    /// ratio 25%. Recentring sells $12,666.67 of spot back to 50%; the region at t = 50% sells
    /// $9,333.68 (0.74x) to 42.5%: spot 95,000 x 2.3529 / 3.3529 = 66,666.318708 (the books value
    /// spot rounded down, so NAV reads 99,999.999999), margin its
    /// notional / 2.3529 rounded up = 28,333.681291, idle back at 5,000.
    function test_rallyRescue_handChecked() public pure {
        VaultMath.Snapshot memory s = _books(5_000e6, 76_000e6, 76_000e6, 19_000e6, 19_000e6);
        VaultMath.PlanInput memory centre = VaultMath.planInput(_strategy(20_000, 0), _bands(3_500, 7_000), LOW, 6, 0);
        VaultMath.PlanInput memory region = VaultMath.planInput(
            _strategy(20_000, 5_000),
            _bands(3_500, 7_000),
            LOW,
            6,
            0
        );
        require(_value(VaultMath.planSpot(s, centre).sellQty) == 12_666_666_667, "recentring sale");
        require(_value(VaultMath.planSpot(s, region).sellQty) == 9_333_681_291, "region sale");
        VaultMath.Snapshot memory after_ = _carryOut(s, region);
        require(after_.spotValue == 66_666_318_708, "region spot");
        require(VaultMath.equityOrZero(after_) == 28_333_681_291, "region margin");
        require(after_.idle == 5_000e6, "region idle");
        require(VaultMath.marginRatioBps(after_) == 4_250, "region margin ratio");
        VaultMath.checkProgress(s, after_, LOW, _bands(3_500, 7_000), 500);
    }

    /// @notice After a rally of any size past the soft floor (up to the hard floor and beyond),
    /// the region's rescue sells no more than recentring would, and lands at its target: the low
    /// band cleared, no band past its hard threshold worsened (checkProgress), delta zero.
    function testFuzz_rallyRescue_smallerTradeLandsInsideTheBand(
        uint256 nav,
        uint256 rallyBps,
        uint256 targetBps
    ) public pure {
        nav = bound(nav, 1e9, MAX_VALUE);
        // 2x at target: the ratio is 35% soft at +11.1% and 20% hard at +25%; up to +40%.
        rallyBps = bound(rallyBps, 1_112, 4_000);
        targetBps = bound(targetBps, 0, MAX_TARGET_BPS);
        VaultMath.Snapshot memory s = _rallied(nav, rallyBps);
        IDeltaNeutralVault.Bands memory b = _bands(3_500, 7_000);
        VaultMath.PlanInput memory region = VaultMath.planInput(_strategy(20_000, targetBps), b, LOW, 6, 0);
        VaultMath.PlanInput memory centre = VaultMath.planInput(_strategy(20_000, 0), b, LOW, 6, 0);
        require(VaultMath.planSpot(s, region).sellQty <= VaultMath.planSpot(s, centre).sellQty, "region sells more");

        VaultMath.Snapshot memory after_ = _carryOut(s, region);
        uint256 ratio = VaultMath.marginRatioBps(after_);
        require(ratio > b.minMarginRatioSoftBps, "the rescue left the margin below the soft floor");
        require(ratio <= 5_001, "the rescue aimed past the centre");
        require(after_.spotQty == after_.shortQty, "the rescue left delta");
        VaultMath.checkProgress(s, after_, LOW, b, 500);
    }

    /// @notice After a fall of any size past the soft ceiling, the region's redeployment buys no
    /// more than recentring would and frees no more margin, and lands inside the band.
    function testFuzz_fallRedeploy_smallerTradeLandsInsideTheBand(
        uint256 nav,
        uint256 fallBps,
        uint256 targetBps
    ) public pure {
        nav = bound(nav, 1e9, MAX_VALUE);
        // 2x at target: the ratio is 70% soft at -11.8% and 100% hard at -25%; down to -45%.
        fallBps = bound(fallBps, 1_177, 4_500);
        targetBps = bound(targetBps, 0, MAX_TARGET_BPS);
        VaultMath.Snapshot memory s = _fallen(nav, fallBps);
        IDeltaNeutralVault.Bands memory b = _bands(3_500, 7_000);
        VaultMath.PlanInput memory region = VaultMath.planInput(_strategy(20_000, targetBps), b, HIGH, 6, 0);
        VaultMath.SpotPlan memory byRegion = VaultMath.planSpot(s, region);
        VaultMath.SpotPlan memory byCentre = VaultMath.planSpot(
            s,
            VaultMath.planInput(_strategy(20_000, 0), b, HIGH, 6, 0)
        );
        require(byRegion.buyAssets <= byCentre.buyAssets, "region buys more");
        require(byRegion.marginOut <= byCentre.marginOut, "region frees more margin");

        VaultMath.Snapshot memory after_ = _carryOut(s, region);
        uint256 ratio = VaultMath.marginRatioBps(after_);
        require(ratio < b.maxMarginRatioSoftBps, "the redeployment left the margin above the soft ceiling");
        require(ratio + 1 >= 5_000, "the redeployment aimed past the centre");
        require(after_.spotQty == after_.shortQty, "the redeployment left delta");
        VaultMath.checkProgress(s, after_, HIGH, b, 500);
    }

    /// @notice A deposit breaching the idle band: the region deploys no more than recentring and
    /// leaves idle inside the band (buffer + t x idleSoft of NAV, within rounding).
    function testFuzz_idleDeploy_leavesIdleInsideTheBand(uint256 nav, uint256 deposit, uint256 targetBps) public pure {
        nav = bound(nav, 1e9, MAX_VALUE);
        targetBps = bound(targetBps, 0, MAX_TARGET_BPS);
        // Past the 5% soft idle band.
        deposit = bound(deposit, nav / 15, 10 * nav);
        uint256 spot = VaultMath.targetSpotValue(nav, 500, 20_000);
        uint256 margin = VaultMath.targetMargin(spot, 20_000);
        VaultMath.Snapshot memory s = _books(nav - spot - margin + deposit, spot, spot, margin, margin);
        IDeltaNeutralVault.Bands memory b = _bands(3_500, 7_000);
        VaultMath.PlanInput memory region = VaultMath.planInput(_strategy(20_000, targetBps), b, IDLE, 6, 0);
        VaultMath.PlanInput memory centre = VaultMath.planInput(_strategy(20_000, 0), b, IDLE, 6, 0);
        require(VaultMath.planSpot(s, region).buyAssets <= VaultMath.planSpot(s, centre).buyAssets, "region buys more");

        VaultMath.Snapshot memory after_ = _carryOut(s, region);
        require(VaultMath.idleBps(after_) < 500 + b.idleSoftBps, "idle left past the soft band");
        require(VaultMath.idleBps(after_) + 1 >= 500, "the deployment dug into the buffer");
        VaultMath.checkProgress(s, after_, IDLE, b, 500);
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

    /// @dev Carries out the plan as VaultTrading.carryOut does, every trade filled at the oracle
    /// price and no fee charged: the books the plan aims at.
    function _carryOut(
        VaultMath.Snapshot memory s,
        VaultMath.PlanInput memory p
    ) internal pure returns (VaultMath.Snapshot memory) {
        VaultMath.SpotPlan memory plan = VaultMath.planSpot(s, p);
        uint256 idle = s.idle + plan.marginOut - plan.marginIn;
        uint256 equity = VaultMath.equityOrZero(s) - plan.marginOut + plan.marginIn;
        uint256 spotQty = s.spotQty;
        if (plan.buyAssets != 0) {
            idle -= plan.buyAssets;
            spotQty += OracleLib.quoteToBaseDown(plan.buyAssets, s.price, 18, 6);
        } else if (plan.sellQty != 0) {
            idle += OracleLib.baseToQuoteDown(plan.sellQty, s.price, 18, 6);
            spotQty -= plan.sellQty;
        }
        VaultMath.HedgePlan memory hedge = VaultMath.planHedge(spotQty, s.shortQty, equity, idle, s.price, p);
        idle -= hedge.marginIn;
        equity += hedge.marginIn;
        if (equity > hedge.marginTarget) {
            idle += equity - hedge.marginTarget;
            equity = hedge.marginTarget;
        }
        return _booksQty(idle, spotQty, spotQty, equity, equity);
    }

    /// @dev $nav at target (5% idle, 2x), then the price up `rallyBps` (shown at the old price
    /// with the values scaled: the books only see value, notional and equity).
    function _rallied(uint256 nav, uint256 rallyBps) internal pure returns (VaultMath.Snapshot memory) {
        uint256 spot = VaultMath.targetSpotValue(nav, 500, 20_000);
        uint256 margin = VaultMath.targetMargin(spot, 20_000);
        uint256 loss = (spot * rallyBps) / BPS;
        uint256 grown = spot + loss;
        uint256 equity = margin > loss ? margin - loss : 0;
        return _books(nav - spot - margin, grown, grown, equity, equity);
    }

    /// @dev $nav at target, then the price down `fallBps`: the profit is unrealised (settled
    /// margin stays the old margin).
    function _fallen(uint256 nav, uint256 fallBps) internal pure returns (VaultMath.Snapshot memory) {
        uint256 spot = VaultMath.targetSpotValue(nav, 500, 20_000);
        uint256 margin = VaultMath.targetMargin(spot, 20_000);
        uint256 gain = (spot * fallBps) / BPS;
        uint256 shrunk = spot - gain;
        return _books(nav - spot - margin, shrunk, shrunk, margin + gain, margin);
    }

    /// @dev Books with `spotValue` of spot, a short of `shortValue` notional, `equity` of perp
    /// equity of which `settled` is settled margin, at PRICE.
    function _books(
        uint256 idle,
        uint256 spotValue,
        uint256 shortValue,
        uint256 equity,
        uint256 settled
    ) internal pure returns (VaultMath.Snapshot memory s) {
        s = _booksQty(idle, (spotValue * 1e30) / PRICE, (shortValue * 1e30) / PRICE, equity, settled);
    }

    function _booksQty(
        uint256 idle,
        uint256 spotQty,
        uint256 shortQty,
        uint256 equity,
        uint256 settled
    ) internal pure returns (VaultMath.Snapshot memory s) {
        s.price = PRICE;
        s.perpPrice = PRICE;
        s.idle = idle;
        s.spotQty = spotQty;
        s.spotValue = OracleLib.baseToQuoteDown(spotQty, PRICE, 18, 6);
        s.shortQty = shortQty;
        s.shortNotional = OracleLib.baseToQuoteUp(shortQty, PRICE, 18, 6);
        uint256 gap = spotQty > shortQty ? spotQty - shortQty : shortQty - spotQty;
        s.gapValue = OracleLib.baseToQuoteUp(gap, PRICE, 18, 6);
        s.perpMargin = settled;
        s.perpEquity = int256(equity);
        s.totalAssets = idle + s.spotValue + equity;
    }

    /// @dev `qty` of spot valued at PRICE, rounded down.
    function _value(uint256 qty) internal pure returns (uint256) {
        return OracleLib.baseToQuoteDown(qty, PRICE, 18, 6);
    }

    /// @dev The margin ratio a plan aims at: its margin target over notional, BPS^2 / leverage.
    function _aimedRatio(VaultMath.PlanInput memory p) internal pure returns (uint256) {
        return (BPS * BPS) / p.leverageBps;
    }

    function _band(uint256 seed) internal pure returns (IDeltaNeutralVault.Band) {
        return IDeltaNeutralVault.Band(bound(seed, 1, 4));
    }

    function _strategy(
        uint256 leverageBps,
        uint256 targetBps
    ) internal pure returns (IDeltaNeutralVault.Strategy memory) {
        return
            IDeltaNeutralVault.Strategy({
                targetLeverageBps: uint16(leverageBps),
                idleBufferBps: 500,
                maxSlippageBps: 50,
                maxRebalanceCostBps: 50,
                minRebalanceInterval: 300,
                rebalanceTargetBps: uint16(targetBps)
            });
    }

    /// @dev Soft margin edges anywhere VaultParams.checkBands allows for `leverageBps`: the low
    /// one in [1_001, centre - 500], the high one in [centre + 500, 49_999].
    function _bandsFor(
        uint256 leverageBps,
        uint256 lowSeed,
        uint256 highSeed
    ) internal pure returns (IDeltaNeutralVault.Bands memory) {
        uint256 centre = (BPS * BPS) / leverageBps;
        return _bands(bound(lowSeed, 1_001, centre - CLEARANCE_BPS), bound(highSeed, centre + CLEARANCE_BPS, 49_999));
    }

    function _bands(uint256 minSoftBps, uint256 maxSoftBps) internal pure returns (IDeltaNeutralVault.Bands memory) {
        return
            IDeltaNeutralVault.Bands({
                deltaSoftBps: 100,
                deltaHardBps: 300,
                minMarginRatioSoftBps: uint16(minSoftBps),
                minMarginRatioHardBps: uint16(Math.min(2_000, minSoftBps - 1)),
                maxMarginRatioSoftBps: uint16(maxSoftBps),
                maxMarginRatioHardBps: uint16(maxSoftBps + 1 > 10_000 ? maxSoftBps + 1 : 10_000),
                idleSoftBps: 500,
                idleHardBps: 5_000
            });
    }
}
