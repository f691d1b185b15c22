// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {VaultMath} from "../../contracts/libraries/VaultMath.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice VaultMath at its exact boundaries: every comparison in the band classification, the
/// targets and the unwind maths is tested on both sides of the value where it flips, and every
/// rounding direction is pinned by a case where rounding up and down give different results.
/// Expected values are literals worked out by hand (or in a separate script), not recomputed
/// with the library's own formula, so that a one-character change to VaultMath fails here.
contract VaultMathBoundariesTest is TestBase {
    using VaultMath for VaultMath.Snapshot;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    /// @notice 1M USDC of books: a bps of it is 100 USDC, so thresholds land on whole units.
    uint256 internal constant NAV = 1_000_000e6;
    uint256 internal constant NOTIONAL = 1_000_000e6;
    uint256 internal constant BUFFER_BPS = 500;

    IDeltaNeutralVault.Band internal constant NONE = IDeltaNeutralVault.Band.None;
    IDeltaNeutralVault.Band internal constant DELTA = IDeltaNeutralVault.Band.Delta;
    IDeltaNeutralVault.Band internal constant LOW = IDeltaNeutralVault.Band.MarginLow;
    IDeltaNeutralVault.Band internal constant HIGH = IDeltaNeutralVault.Band.MarginHigh;
    IDeltaNeutralVault.Band internal constant IDLE = IDeltaNeutralVault.Band.Idle;
    IDeltaNeutralVault.Tier internal constant NO_TIER = IDeltaNeutralVault.Tier.None;
    IDeltaNeutralVault.Tier internal constant SOFT = IDeltaNeutralVault.Tier.Soft;
    IDeltaNeutralVault.Tier internal constant HARD = IDeltaNeutralVault.Tier.Hard;

    function _bands() internal pure returns (IDeltaNeutralVault.Bands memory) {
        return
            IDeltaNeutralVault.Bands({
                deltaSoftBps: 100,
                deltaHardBps: 300,
                minMarginRatioSoftBps: 3_500,
                minMarginRatioHardBps: 2_000,
                maxMarginRatioSoftBps: 7_000,
                maxMarginRatioHardBps: 10_000,
                idleSoftBps: 500,
                idleHardBps: 2_000
            });
    }

    /// @dev Books of totalAssets NAV with a short of NOTIONAL and perp equity `equity` (so the
    /// margin ratio is equity / NOTIONAL), a delta gap worth `gapValue` and `idle` idle. Only the
    /// fields classification reads need to agree; each measurement reads its own.
    function _books(
        uint256 equity,
        uint256 gapValue,
        uint256 idle
    ) internal pure returns (VaultMath.Snapshot memory s) {
        s.price = 3_000e18;
        s.idle = idle;
        s.spotValue = NOTIONAL;
        s.spotQty = 1e18;
        s.shortQty = 1e18;
        s.shortNotional = NOTIONAL;
        s.gapValue = gapValue;
        s.perpMargin = equity;
        s.perpEquity = int256(equity);
        s.totalAssets = NAV;
    }

    function _classify(
        VaultMath.Snapshot memory s
    ) internal pure returns (IDeltaNeutralVault.Band, IDeltaNeutralVault.Tier) {
        return s.classify(_bands(), BUFFER_BPS);
    }

    function _expect(
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Tier tier,
        string memory what
    ) internal pure {
        (IDeltaNeutralVault.Band gotBand, IDeltaNeutralVault.Tier gotTier) = _classify(s);
        require(gotBand == band && gotTier == tier, what);
    }

    /// @dev Equity giving a margin ratio of exactly `bps` on NOTIONAL.
    function _equityAt(uint256 bps) internal pure returns (uint256) {
        return (NOTIONAL * bps) / BPS;
    }

    /// @dev A delta gap of exactly `bps` of NAV.
    function _gapAt(uint256 bps) internal pure returns (uint256) {
        return (NAV * bps) / BPS;
    }

    uint256 internal constant CALM_EQUITY = 500_000e6; // margin ratio 5,000 bps: inside both margin bands

    // ---------------------------------------------------------------------------------------
    // classify: each threshold on both sides
    // ---------------------------------------------------------------------------------------

    function test_classify_calmBooksBreachNothing() public pure {
        _expect(_books(CALM_EQUITY, 0, 0), NONE, NO_TIER, "calm books breached a band");
    }

    function test_classify_minMarginHard_atThresholdIsSoft_oneBelowIsHard() public pure {
        _expect(_books(_equityAt(2_000), 0, 0), LOW, SOFT, "ratio == hard floor must be soft");
        _expect(_books(_equityAt(2_000) - 1, 0, 0), LOW, HARD, "ratio one unit under the hard floor must be hard");
    }

    function test_classify_minMarginSoft_atThresholdIsNone_oneBelowIsSoft() public pure {
        _expect(_books(_equityAt(3_500), 0, 0), NONE, NO_TIER, "ratio == soft floor must hold");
        _expect(_books(_equityAt(3_500) - 1, 0, 0), LOW, SOFT, "ratio under the soft floor must be soft");
    }

    function test_classify_maxMarginSoft_atThresholdIsNone_oneAboveIsSoft() public pure {
        _expect(_books(_equityAt(7_000), 0, 0), NONE, NO_TIER, "ratio == soft ceiling must hold");
        _expect(_books(_equityAt(7_001), 0, 0), HIGH, SOFT, "ratio over the soft ceiling must be soft");
    }

    function test_classify_maxMarginHard_atThresholdIsSoft_oneAboveIsHard() public pure {
        _expect(_books(_equityAt(10_000), 0, 0), HIGH, SOFT, "ratio == hard ceiling must be soft");
        _expect(_books(_equityAt(10_001), 0, 0), HIGH, HARD, "ratio over the hard ceiling must be hard");
    }

    function test_classify_deltaSoft_atThresholdIsNone_oneAboveIsSoft() public pure {
        _expect(_books(CALM_EQUITY, _gapAt(100), 0), NONE, NO_TIER, "delta == soft band must hold");
        _expect(_books(CALM_EQUITY, _gapAt(101), 0), DELTA, SOFT, "delta over the soft band must be soft");
    }

    function test_classify_deltaHard_atThresholdIsSoft_oneAboveIsHard() public pure {
        _expect(_books(CALM_EQUITY, _gapAt(300), 0), DELTA, SOFT, "delta == hard band must be soft");
        _expect(_books(CALM_EQUITY, _gapAt(301), 0), DELTA, HARD, "delta over the hard band must be hard");
    }

    /// @dev Idle of exactly `bps` of NAV.
    function _idleAt(uint256 bps) internal pure returns (uint256) {
        return (NAV * bps) / BPS;
    }

    function test_classify_idleSoft_atThresholdIsNone_oneAboveIsSoft() public pure {
        // Excess over the 5% buffer: 1,000 bps of idle is an excess of exactly the 500 bps band.
        _expect(_books(CALM_EQUITY, 0, _idleAt(1_000)), NONE, NO_TIER, "idle excess == soft band must hold");
        _expect(_books(CALM_EQUITY, 0, _idleAt(1_001)), IDLE, SOFT, "idle excess over the soft band must be soft");
    }

    function test_classify_idleHard_atThresholdIsSoft_oneAboveIsHard() public pure {
        _expect(_books(CALM_EQUITY, 0, _idleAt(2_500)), IDLE, SOFT, "idle excess == hard band must be soft");
        _expect(_books(CALM_EQUITY, 0, _idleAt(2_501)), IDLE, HARD, "idle excess over the hard band must be hard");
    }

    function test_classify_idleUnderTheBufferIsNoExcess() public pure {
        // 400 bps idle sits under the 500 bps buffer: no excess (an unsigned underflow otherwise).
        _expect(_books(CALM_EQUITY, 0, _idleAt(400)), NONE, NO_TIER, "idle under the buffer breached");
    }

    function test_classify_noShortIsNeverAMarginBreach() public pure {
        VaultMath.Snapshot memory s;
        s.idle = 50_000e6;
        s.totalAssets = 1_000_000e6;
        s.spotValue = 950_000e6;
        // No short: the ratio reads type(uint256).max, which must not count as excess margin.
        _expect(s, NONE, NO_TIER, "a book without a short breached a margin band");
    }

    /// @notice Hard beats soft, and among hard breaches the low margin comes first.
    function test_classify_hardBeatsSoftAndLowMarginComesFirst() public pure {
        _expect(_books(_equityAt(1_999), _gapAt(301), 0), LOW, HARD, "low margin must win over delta");
        _expect(_books(_equityAt(3_000), _gapAt(301), 0), DELTA, HARD, "hard delta must win over soft margin");
        _expect(_books(_equityAt(10_001), _gapAt(150), 0), HIGH, HARD, "hard high margin must win over soft delta");
    }

    // ---------------------------------------------------------------------------------------
    // Measurements: rounding and signs
    // ---------------------------------------------------------------------------------------

    function test_deltaBps_roundsDownAndCarriesTheSign() public pure {
        VaultMath.Snapshot memory s;
        s.totalAssets = 3;
        s.gapValue = 1; // 3,333.33 bps
        s.spotQty = 2;
        s.shortQty = 1;
        require(s.deltaBps() == 3_333, "delta not rounded down");
        s.spotQty = 1;
        s.shortQty = 2;
        require(s.deltaBps() == -3_333, "short-heavy delta not negative");
        s.totalAssets = 0;
        require(s.deltaBps() == 0, "empty books have a delta");
    }

    /// @notice One unit of gap rounding must not read as a breach: at 30,000 USDC + 99 units of a
    /// 1M book the delta is 300.00099 bps, which floors to the hard band, not past it.
    function test_deltaBps_justOverAThresholdFloorsOntoIt() public pure {
        _expect(_books(CALM_EQUITY, _gapAt(301) - 1, 0), DELTA, SOFT, "delta rounded up onto the hard tier");
    }

    function test_marginRatioBps_roundsDownAndIsMaxWithoutShort() public pure {
        VaultMath.Snapshot memory s;
        s.shortNotional = 30_003;
        s.perpEquity = 10_001; // 3,333.33 bps
        require(s.marginRatioBps() == 3_333, "margin ratio not rounded down");
        s.perpEquity = -5;
        require(s.marginRatioBps() == 0, "negative equity is not a zero ratio");
        s.shortNotional = 0;
        require(s.marginRatioBps() == type(uint256).max, "no short is not the maximum ratio");
    }

    function test_idleBps_roundsDownAndIsZeroWhenEmpty() public pure {
        VaultMath.Snapshot memory s;
        s.totalAssets = 3;
        s.idle = 1;
        require(s.idleBps() == 3_333, "idle share not rounded down");
        s.totalAssets = 0;
        require(s.idleBps() == 0, "empty books have idle");
    }

    function test_positivePart_flipsAtZero() public pure {
        require(VaultMath.positivePart(1) == 1, "positive part of 1");
        require(VaultMath.positivePart(0) == 0, "positive part of 0");
        require(VaultMath.positivePart(-1) == 0, "positive part of -1");
        VaultMath.Snapshot memory s;
        s.spotValue = 10;
        s.perpEquity = -3;
        require(s.deployedValue() == 10, "negative equity counted as deployed");
        s.perpEquity = 4;
        require(s.deployedValue() == 14, "deployed value is spot plus equity");
    }

    // ---------------------------------------------------------------------------------------
    // Targets and trade bounds: rounding pinned
    // ---------------------------------------------------------------------------------------

    /// @notice N = 1,000,001, buffer 5%, 2x: deployable 950,000.95 -> 950,000; S* = 633,333.33
    /// -> 633,333 (rounding either step up gives 633,334).
    function test_targetSpotValue_roundsDownAtBothSteps() public pure {
        require(VaultMath.targetSpotValue(1_000_001, 500, 20_000) == 633_333, "target spot not rounded down");
        require(VaultMath.targetSpotValue(1_000_000, 0, 10_000) == 500_000, "1x with no buffer is half");
        require(VaultMath.targetSpotValue(1_000_000, 10_000, 20_000) == 0, "a full buffer deploys nothing");
    }

    /// @notice 10,001 of notional at 2x needs 5,000.5 of margin: 5,001.
    function test_targetMargin_roundsUp() public pure {
        require(VaultMath.targetMargin(10_001, 20_000) == 5_001, "target margin not rounded up");
        require(VaultMath.targetMargin(10_000, 20_000) == 5_000, "exact target margin moved");
    }

    /// @notice 10,001 less 50 bps is 9,950.995: 9,950. Plus 50 bps is 10,051.005: 10,052.
    function test_lessBpsRoundsDown_plusBpsRoundsUp() public pure {
        require(VaultMath.lessBps(10_001, 50) == 9_950, "lessBps not rounded down");
        require(VaultMath.plusBps(10_001, 50) == 10_052, "plusBps not rounded up");
        require(VaultMath.lessBps(10_000, 50) == 9_950 && VaultMath.plusBps(10_000, 50) == 10_050, "exact bps moved");
        require(VaultMath.lessBps(7, 0) == 7 && VaultMath.plusBps(7, 0) == 7, "zero bps changed the amount");
    }

    // ---------------------------------------------------------------------------------------
    // Unwind maths
    // ---------------------------------------------------------------------------------------

    function _unwindBooks() internal pure returns (VaultMath.Snapshot memory s) {
        s.spotValue = 1_000_001;
        s.shortNotional = 1_000_001;
        s.perpEquity = 500_000;
        s.perpMargin = 500_000;
    }

    /// @notice Buy-back cost ceil(1,000,001 * 200 / 10,000) = 20,001 (2 x 50 bps slippage plus the
    /// 100 bps premium allowance); spot proceeds floor(1,000,001 * 0.995) = 995,000; plus equity
    /// 500,000; worst proceeds 1,474,999. A shortfall of 1,000 is sized with the 12 units of the
    /// roundings' allowance: ceil(1,012e18 / 1,474,999) = 686,102,160,069,262.
    function test_fractionForProceeds_pinnedRoundings() public pure {
        VaultMath.Snapshot memory s = _unwindBooks();
        require(s.fractionForProceeds(1_000, 50) == 686_102_160_069_262, "fraction for proceeds not pinned");
        require(s.fractionForProceeds(0, 50) == 0, "no shortfall needs a fraction");
        // What the positions yield less the allowance: the whole book, WAD.
        require(s.fractionForProceeds(1_474_987, 50) == WAD, "covering every proceed is not WAD");
        require(s.fractionForProceeds(1_474_988, 50) > WAD, "one unit more than the book must exceed WAD");
    }

    /// @notice Proceeds that the buy-back cost eats whole leave nothing to unwind for.
    function test_fractionForProceeds_bookThatYieldsNothingIsUnreachable() public pure {
        VaultMath.Snapshot memory s;
        s.shortNotional = 100;
        s.perpEquity = 2; // buy-back cost ceil(100 * 200 / 10,000) = 2: gross == cost
        require(s.fractionForProceeds(1, 50) == type(uint256).max, "gross == cost must be unreachable");
        s.perpEquity = 15; // thirteen units of proceeds left: one unit and its allowance
        require(s.fractionForProceeds(1, 50) == WAD, "thirteen units of proceeds do not cover one unit");
        s.perpEquity = 14;
        require(s.fractionForProceeds(1, 50) > WAD, "one unit is covered without its allowance");
    }

    /// @notice The buy-back's worst cost is the fill bound (slippage + the premium allowance) plus
    /// a second slippage for the fee; its worst fill price is rounded up.
    function test_buyBack_boundAndCostPinned() public pure {
        require(VaultMath.buyBackCostBps(50) == 200, "buy-back cost is not 2 x slippage + 100 bps");
        require(VaultMath.buyBackCostBps(0) == VaultMath.PERP_PREMIUM_ALLOWANCE_BPS, "premium allowance moved");
        // 10,001 * 1.015 = 10,151.015: 10,152.
        require(VaultMath.buyBackBound(10_001, 50) == 10_152, "buy-back bound not rounded up");
    }

    function test_fractionForValue_roundsUpAndCapsAtWad() public pure {
        VaultMath.Snapshot memory s;
        s.spotValue = 2;
        s.perpEquity = 1;
        require(s.fractionForValue(1) == 333_333_333_333_333_334, "fraction for value not rounded up");
        require(s.fractionForValue(3) == WAD, "the whole book is not WAD");
        require(s.fractionForValue(4) == WAD, "more than the book is not capped at WAD");
        require(s.fractionForValue(0) == 0, "zero value needs a fraction");
        VaultMath.Snapshot memory empty;
        require(empty.fractionForValue(5) == 0, "an empty book has a fraction");
    }

    /// @notice At worst 1,000,001 * 50 (spot) + 1,000,001 * 200 (short) = 250,000,250 bps-units;
    /// for f = 0.333... that is ceil(8,333.3416...) = 8,334 (floor 8,333), plus the 12 units of
    /// rounding allowance: 8,346.
    function test_worstUnwindCost_pinnedRoundingsAndAllowance() public pure {
        VaultMath.Snapshot memory s = _unwindBooks();
        require(s.worstUnwindCost(333_333_333_333_333_333, 50) == 8_346, "worst unwind cost not pinned");
        require(s.worstUnwindCost(0, 50) == 0, "no unwind has a cost");
        require(s.worstUnwindCost(1, 0) == 12 + 1, "the rounding allowance is not 12 units (+1 round-up)");
    }

    /// @notice Spot share (0.95 x 2/3) = 0.6333... rounded up to ...334, times 3 x 50 bps, rounded
    /// up: 9,500,000,000,000,001 (rounding either step down gives ...000).
    function test_entryChargeWad_roundsUpAtBothSteps() public pure {
        require(VaultMath.entryChargeWad(500, 20_000, 50, false) == 9_500_000_000_000_001, "entry charge not pinned");
        require(
            VaultMath.entryChargeWad(10_000, 20_000, 50, false) == 0,
            "a full buffer deploys nothing, so costs nothing"
        );
    }

    // ---------------------------------------------------------------------------------------
    // Rebalance plan: each step's threshold on both sides
    // ---------------------------------------------------------------------------------------

    /// @dev NAV 1,000,000.000001 USDC, so the skip tolerance (a quarter of the 40 bps narrowest
    /// band) floors to 1,000 USDC (rounding it up gives one unit more). Targets at 2x with a 5% buffer: spot 633,333.333333,
    /// margin 316,666.666667; the fee reserve on the target spot is 3,166.666667.
    uint256 internal constant PLAN_NAV = 1_000_000e6 + 1;
    uint256 internal constant TOLERANCE = 1_000e6;
    uint256 internal constant SPOT_TARGET = 633_333_333_333;
    uint256 internal constant MARGIN_TARGET = 316_666_666_667;
    uint256 internal constant FEE_RESERVE = 3_166_666_667;

    function _planInput() internal pure returns (VaultMath.PlanInput memory) {
        return
            VaultMath.PlanInput({
                idleBufferBps: 500,
                leverageBps: 20_000,
                slippageBps: 50,
                narrowestBandBps: 40,
                assetDecimals: 6,
                rescueOnly: false,
                feeReserve: 0
            });
    }

    /// @dev Books on target (spot, short and margin), with `idle` idle; tests move one field.
    function _planBooks(uint256 idle) internal pure returns (VaultMath.Snapshot memory s) {
        s.price = 3_000e18;
        s.totalAssets = PLAN_NAV;
        s.idle = idle;
        s.spotValue = SPOT_TARGET;
        s.spotQty = 211e18;
        s.shortQty = 211e18;
        s.shortNotional = SPOT_TARGET;
        s.perpEquity = int256(MARGIN_TARGET);
        s.perpMargin = MARGIN_TARGET;
    }

    function test_narrowestBandBps_cappedAt40() public pure {
        IDeltaNeutralVault.Bands memory b = _bands();
        (b.deltaSoftBps, b.idleSoftBps) = (39, 500);
        require(VaultMath.narrowestBandBps(b) == 39, "the narrowest band is not the delta band");
        (b.deltaSoftBps, b.idleSoftBps) = (500, 38);
        require(VaultMath.narrowestBandBps(b) == 38, "the narrowest band is not the idle band");
        (b.deltaSoftBps, b.idleSoftBps) = (500, 100);
        require(VaultMath.narrowestBandBps(b) == 40, "the narrowest band is not capped at 40 bps");
    }

    /// @notice A short held above the target keeps its margin until the hedge shrinks it: only
    /// margin beyond both needs is freed.
    function test_planSpot_theShortHeldKeepsItsMargin() public pure {
        VaultMath.Snapshot memory s = _planBooks(0);
        s.shortNotional = SPOT_TARGET + 100_000e6;
        uint256 held = MARGIN_TARGET + 50_000e6; // ceil((SPOT_TARGET + 100,000e6) / 2)
        s.perpEquity = int256(held + TOLERANCE);
        s.perpMargin = held + TOLERANCE;
        require(VaultMath.planSpot(s, _planInput()).marginOut == 0, "the held short's margin was freed");
        s.perpEquity += int256(TOLERANCE);
        s.perpMargin += TOLERANCE;
        require(VaultMath.planSpot(s, _planInput()).marginOut == 2 * TOLERANCE, "margin beyond both needs kept");
    }

    function test_planSpot_onTargetTradesNothing() public pure {
        VaultMath.SpotPlan memory plan = VaultMath.planSpot(_planBooks(50_000e6), _planInput());
        require(plan.marginOut == 0 && plan.marginIn == 0, "books on target moved margin");
        require(plan.buyAssets == 0 && plan.sellQty == 0, "books on target traded spot");
    }

    function test_planSpot_excessMargin_atToleranceStays_oneMoreIsFreed() public pure {
        VaultMath.Snapshot memory s = _planBooks(0);
        s.perpEquity = int256(MARGIN_TARGET + TOLERANCE);
        s.perpMargin = MARGIN_TARGET + TOLERANCE;
        require(VaultMath.planSpot(s, _planInput()).marginOut == 0, "excess margin within tolerance freed");
        s.perpEquity += 1;
        s.perpMargin += 1;
        require(VaultMath.planSpot(s, _planInput()).marginOut == TOLERANCE + 1, "excess margin past tolerance kept");
    }

    /// @notice Freeing margin keeps FEE_RESERVE of settled margin for the trades' fees: at
    /// exactly the reserve nothing changes; one unit under it, one unit less is freed; beyond the
    /// settled margin (the venue realises profit first) no reserve is needed.
    function test_planSpot_feeReserve_bothSides() public pure {
        uint256 excess = 10_000e6;
        VaultMath.Snapshot memory s = _planBooks(0);
        s.perpEquity = int256(MARGIN_TARGET + excess);
        s.perpMargin = excess + FEE_RESERVE;
        require(VaultMath.planSpot(s, _planInput()).marginOut == excess, "reserve exactly met, yet cut");
        s.perpMargin = excess + FEE_RESERVE - 1;
        require(VaultMath.planSpot(s, _planInput()).marginOut == excess - 1, "reserve one unit short, not cut");
        s.perpMargin = excess;
        require(VaultMath.planSpot(s, _planInput()).marginOut == excess - FEE_RESERVE, "settled margin fully freed");
        s.perpMargin = excess - 1;
        require(VaultMath.planSpot(s, _planInput()).marginOut == excess, "a freeing beyond settled margin cut");
        // Settled margin under the reserve: nothing is freed at all.
        s.perpEquity = int256(MARGIN_TARGET + TOLERANCE + 1);
        s.perpMargin = TOLERANCE + 1;
        require(VaultMath.planSpot(s, _planInput()).marginOut == 0, "margin under the fee reserve freed");
    }

    /// @notice Before a buy deploys idle, the short held gets its target margin from idle first
    /// (past the tolerance), and what is left buys spot; a sale needs no top-up first.
    function test_planSpot_marginTopUpBeforeABuy_atToleranceNone_oneMoreTopsUp() public pure {
        VaultMath.Snapshot memory s = _planBooks(50_000e6);
        s.spotValue = SPOT_TARGET - 2 * TOLERANCE;
        s.perpEquity = int256(MARGIN_TARGET - TOLERANCE);
        require(VaultMath.planSpot(s, _planInput()).marginIn == 0, "margin gap within tolerance topped up");
        s.perpEquity -= 1;
        VaultMath.SpotPlan memory plan = VaultMath.planSpot(s, _planInput());
        require(plan.marginIn == TOLERANCE + 1, "margin gap past tolerance ignored");
        require(plan.buyAssets == 2 * TOLERANCE, "the buy is not what the gap asks");
        s.idle = TOLERANCE + 6;
        plan = VaultMath.planSpot(s, _planInput());
        require(plan.marginIn == TOLERANCE + 1 && plan.buyAssets == 5, "idle not spent on margin first");
        s.idle = 5;
        plan = VaultMath.planSpot(s, _planInput());
        require(plan.marginIn == 5 && plan.buyAssets == 0, "top-up not capped at idle");
        s.spotValue = SPOT_TARGET + 2 * TOLERANCE;
        require(VaultMath.planSpot(s, _planInput()).marginIn == 0, "a sale topped up margin first");
    }

    function test_planSpot_buy_atToleranceNone_oneMoreBuys() public pure {
        VaultMath.Snapshot memory s = _planBooks(50_000e6);
        s.spotValue = SPOT_TARGET - TOLERANCE;
        require(VaultMath.planSpot(s, _planInput()).buyAssets == 0, "spot gap within tolerance bought");
        s.spotValue -= 1;
        require(VaultMath.planSpot(s, _planInput()).buyAssets == TOLERANCE + 1, "spot gap past tolerance not bought");
        s.idle = 7;
        require(VaultMath.planSpot(s, _planInput()).buyAssets == 7, "buy not capped at idle");
    }

    /// @notice Spot over target by tolerance + 1 unit sells ceil(1,000,000,001 units at $3,000) =
    /// 333,333,333,666,666,667 size units (rounded up: the excess goes in full).
    function test_planSpot_sell_atToleranceNone_oneMoreSellsRoundedUp() public pure {
        VaultMath.Snapshot memory s = _planBooks(0);
        s.spotValue = SPOT_TARGET + TOLERANCE;
        require(VaultMath.planSpot(s, _planInput()).sellQty == 0, "spot excess within tolerance sold");
        s.spotValue += 1;
        require(VaultMath.planSpot(s, _planInput()).sellQty == 333_333_333_666_666_667, "sell size not pinned");
        s.spotQty = 5;
        require(VaultMath.planSpot(s, _planInput()).sellQty == 5, "sell not capped at spot held");
    }

    /// @notice On a venue that fills later the books keep an execution-fee reserve out of idle,
    /// which totalAssets counts. Books on target whose whole buffer (50,000 USDC of 1,000,000) is
    /// that reserve are split less it, 950,000: spot 601,666.666666 of 633,333.333333, so the
    /// round sells the excess (31,666.666667 USDC at $3,000, rounded up) to refill idle. Counted
    /// in, the reserve stood in for the buffer and the round freed nothing (VaultRounds.t.sol,
    /// VaultRoundCashMarginFindingTest).
    function test_planSpot_splitsTheBooksLessTheFeeReserve() public pure {
        VaultMath.PlanInput memory p = _planInput();
        p.feeReserve = PLAN_NAV - SPOT_TARGET - MARGIN_TARGET;
        VaultMath.SpotPlan memory plan = VaultMath.planSpot(_planBooks(0), p);
        require(plan.sellQty == 10_555_555_555_666_666_667, "the reserve stood in for the buffer");
        require(plan.buyAssets == 0 && plan.marginIn == 0 && plan.marginOut == 0, "the sale moved margin or bought");
    }

    /// @notice One wei of spot at $3,000 is 3e-15 USDC: its notional and margin round up to 1.
    function test_planHedge_roundsUpAndFollowsTheSpotHeld() public pure {
        VaultMath.PlanInput memory p = _planInput();
        VaultMath.HedgePlan memory plan = VaultMath.planHedge(1, 0, 0, 10, 3_000e18, p);
        require(plan.marginTarget == 1 && plan.marginIn == 1, "dust notional's margin not rounded up");
        plan = VaultMath.planHedge(1e18, 1e18, 1_500e6, 10, 3_000e18, p);
        require(plan.marginTarget == 1_500e6 && plan.marginIn == 0, "margin at target topped up");
        plan = VaultMath.planHedge(1e18, 1e18, 1_500e6 - 1, 10, 3_000e18, p);
        require(plan.marginIn == 1, "one unit under target margin not topped up");
        plan = VaultMath.planHedge(1e18, 1e18, 0, 7, 3_000e18, p);
        require(plan.marginIn == 7, "top-up not capped at idle");
        plan = VaultMath.planHedge(5, 3, 0, 0, 3_000e18, p);
        require(plan.shortIncrease == 2 && plan.shortDecrease == 0, "short not grown to the spot held");
        plan = VaultMath.planHedge(3, 5, 0, 0, 3_000e18, p);
        require(plan.shortIncrease == 0 && plan.shortDecrease == 2, "short not shrunk to the spot held");
    }

    // ---------------------------------------------------------------------------------------
    // Progress check of a partial rebalance
    // ---------------------------------------------------------------------------------------

    function test_breachBps_zeroAtEachSoftThreshold_oneJustPast() public pure {
        IDeltaNeutralVault.Bands memory b = _bands();
        require(_books(CALM_EQUITY, _gapAt(100), 0).breachBps(DELTA, b, BUFFER_BPS) == 0, "delta at soft");
        require(_books(CALM_EQUITY, _gapAt(101), 0).breachBps(DELTA, b, BUFFER_BPS) == 1, "delta past soft");
        require(_books(CALM_EQUITY, 0, _idleAt(1_000)).breachBps(IDLE, b, BUFFER_BPS) == 0, "idle at soft");
        require(_books(CALM_EQUITY, 0, _idleAt(1_001)).breachBps(IDLE, b, BUFFER_BPS) == 1, "idle past soft");
        require(_books(_equityAt(3_500), 0, 0).breachBps(LOW, b, BUFFER_BPS) == 0, "low margin at soft");
        require(_books(_equityAt(3_500) - 1, 0, 0).breachBps(LOW, b, BUFFER_BPS) == 1, "low margin past soft");
        require(_books(_equityAt(7_000), 0, 0).breachBps(HIGH, b, BUFFER_BPS) == 0, "high margin at soft");
        require(_books(_equityAt(7_001), 0, 0).breachBps(HIGH, b, BUFFER_BPS) == 1, "high margin past soft");
        VaultMath.Snapshot memory noShort = _books(0, 0, 0);
        noShort.shortQty = 0;
        noShort.shortNotional = 0;
        require(noShort.breachBps(LOW, b, BUFFER_BPS) == 0, "a book without a short has a low-margin breach");
        require(noShort.breachBps(HIGH, b, BUFFER_BPS) == 0, "a book without a short has a high-margin breach");
    }

    /// @notice A short of notional at most DUST_SHORT_NOTIONAL_UNITS has no margin band: at zero
    /// equity (a 0 ratio) it breaches no band and classifies by the rest of the book; one unit
    /// more and the same book is a hard low-margin breach.
    function test_dustShort_hasNoMarginBandUpToTheThreshold() public pure {
        IDeltaNeutralVault.Bands memory b = _bands();
        VaultMath.Snapshot memory dust = _books(0, 0, _idleAt(1_000));
        dust.shortNotional = VaultMath.DUST_SHORT_NOTIONAL_UNITS;
        require(!dust.hasMarginBand(), "a dust short has a margin band");
        require(dust.marginRatioBps() == type(uint256).max, "a dust short reads a margin ratio");
        require(dust.breachBps(LOW, b, BUFFER_BPS) == 0, "a dust short has a low-margin breach");
        _expect(dust, NONE, NO_TIER, "a dust short is classified by its margin");
        dust.shortNotional = VaultMath.DUST_SHORT_NOTIONAL_UNITS + 1;
        require(dust.hasMarginBand() && dust.marginRatioBps() == 0, "a short above dust has no ratio");
        require(dust.breachBps(LOW, b, BUFFER_BPS) == 3_500, "a short above dust has no low-margin breach");
        _expect(dust, LOW, HARD, "a short above dust is not classified by its margin");
    }

    /// @dev External, so a revert inside the library reaches try/catch; returns the error selector.
    function progress(
        VaultMath.Snapshot memory before,
        VaultMath.Snapshot memory after_,
        IDeltaNeutralVault.Band band
    ) external pure returns (bytes4) {
        VaultMath.checkProgress(before, after_, band, _bands(), BUFFER_BPS);
        return bytes4(0);
    }

    function _progress(
        VaultMath.Snapshot memory before,
        VaultMath.Snapshot memory after_,
        IDeltaNeutralVault.Band band
    ) internal view returns (bytes4) {
        try this.progress(before, after_, band) returns (bytes4 ok) {
            return ok;
        } catch (bytes memory reason) {
            return bytes4(reason);
        }
    }

    bytes4 internal immutable STILL = IDeltaNeutralVault.BandStillBreached.selector;
    bytes4 internal immutable WORSE = IDeltaNeutralVault.BandWorsened.selector;

    /// @notice The breached band must shrink by at least a bps, or clear.
    function test_checkProgress_breachMustShrink() public view {
        VaultMath.Snapshot memory before = _books(CALM_EQUITY, _gapAt(150), 0);
        require(_progress(before, _books(CALM_EQUITY, _gapAt(150), 0), DELTA) == STILL, "no progress accepted");
        require(_progress(before, _books(CALM_EQUITY, _gapAt(149), 0), DELTA) == 0, "a bps of progress refused");
        require(_progress(before, _books(CALM_EQUITY, _gapAt(100), 0), DELTA) == 0, "a cleared band refused");
        VaultMath.Snapshot memory calm = _books(CALM_EQUITY, 0, 0);
        require(_progress(calm, calm, DELTA) == 0, "calm books refused");
    }

    /// @notice Idle under half the 5% buffer (a breach where exits are paid from idle only) must
    /// rise: a round that frees none is refused, a bps more passes, half the buffer clears it.
    /// Idle above its band must come down, as before.
    function test_checkProgress_idleUnderHalfTheBufferMustRise() public view {
        VaultMath.Snapshot memory before = _books(CALM_EQUITY, 0, _idleAt(100));
        require(_progress(before, _books(CALM_EQUITY, 0, _idleAt(100)), IDLE) == STILL, "freeing nothing passed");
        require(_progress(before, _books(CALM_EQUITY, 0, _idleAt(101)), IDLE) == 0, "a bps of idle refused");
        require(_progress(before, _books(CALM_EQUITY, 0, _idleAt(250)), IDLE) == 0, "half the buffer refused");
        before = _books(CALM_EQUITY, 0, _idleAt(1_200));
        require(_progress(before, _books(CALM_EQUITY, 0, _idleAt(1_200)), IDLE) == STILL, "excess idle kept");
        require(_progress(before, _books(CALM_EQUITY, 0, _idleAt(500)), IDLE) == 0, "excess idle deployed, refused");
    }

    /// @notice While delta improves, another band may worsen up to its hard threshold, not past.
    function test_checkProgress_otherBandsMayNotWorsenPastHard() public view {
        uint256 gapBefore = _gapAt(150);
        uint256 gapAfter = _gapAt(120);
        // Low margin: 2,100 -> exactly the 2,000 hard floor is fine; 1,999 is past it.
        VaultMath.Snapshot memory before = _books(_equityAt(2_100), gapBefore, 0);
        require(_progress(before, _books(_equityAt(2_000), gapAfter, 0), DELTA) == 0, "low margin at hard refused");
        require(_progress(before, _books(_equityAt(1_999), gapAfter, 0), DELTA) == WORSE, "low margin past hard");
        // Already past hard: holding still is fine, a unit worse is not.
        before = _books(_equityAt(1_990), gapBefore, 0);
        require(_progress(before, _books(_equityAt(1_990), gapAfter, 0), DELTA) == 0, "an unchanged breach refused");
        require(_progress(before, _books(_equityAt(1_989), gapAfter, 0), DELTA) == WORSE, "a worse hard breach");
        // High margin: 9,000 -> exactly the 10,000 hard ceiling is fine; 10,001 is past it.
        before = _books(_equityAt(9_000), gapBefore, 0);
        require(_progress(before, _books(_equityAt(10_000), gapAfter, 0), DELTA) == 0, "high margin at hard");
        require(_progress(before, _books(_equityAt(10_001), gapAfter, 0), DELTA) == WORSE, "high margin past hard");
        // Idle: up to 2,500 bps (5% buffer + 20% hard band) is fine; 2,501 is past it.
        before = _books(CALM_EQUITY, gapBefore, _idleAt(2_000));
        require(_progress(before, _books(CALM_EQUITY, gapAfter, _idleAt(2_500)), DELTA) == 0, "idle at hard");
        require(_progress(before, _books(CALM_EQUITY, gapAfter, _idleAt(2_501)), DELTA) == WORSE, "idle past hard");
    }

    /// @notice While the margin improves, delta may worsen up to its 300 bps hard band, not past.
    function test_checkProgress_deltaMayNotWorsenPastHard() public view {
        VaultMath.Snapshot memory before = _books(_equityAt(3_000), _gapAt(250), 0);
        require(_progress(before, _books(_equityAt(3_100), _gapAt(300), 0), LOW) == 0, "delta at hard refused");
        require(_progress(before, _books(_equityAt(3_100), _gapAt(301), 0), LOW) == WORSE, "delta past hard");
    }

    // ---------------------------------------------------------------------------------------
    // Fees (values from an independent integer model of the documented formula)
    // ---------------------------------------------------------------------------------------

    function _feeInput() internal pure returns (VaultMath.FeeInput memory f) {
        f.nav = 1_000_000e6;
        f.supply = 1_000_000e12;
        f.virtualShares = 1e6;
        f.oneShare = 1e12;
    }

    function test_feesOwed_managementPinned() public pure {
        VaultMath.FeeInput memory f = _feeInput();
        f.elapsed = 30 days;
        f.managementFeeBps = 200;
        (uint256 shares, uint256 management, uint256 mark) = VaultMath.feesOwed(f);
        require(shares == 1_646_542_260_811_568 && management == shares, "30-day management fee not pinned");
        require(mark == 998_356, "mark after a management fee not pinned");
    }

    function test_feesOwed_performanceOnlyAboveTheMark() public pure {
        VaultMath.FeeInput memory f = _feeInput();
        f.nav = 1_100_000e6; // share price 1,099,999
        f.elapsed = 1;
        f.performanceFeeBps = 3_000;
        f.highWaterMark = 1_099_999;
        (uint256 shares, , uint256 mark) = VaultMath.feesOwed(f);
        require(shares == 0 && mark == 1_099_999, "a price at the mark paid a performance fee");
        f.highWaterMark = 1_099_998;
        (shares, , mark) = VaultMath.feesOwed(f);
        require(shares == 272_727_347_107 && mark == 1_099_999, "one unit over the mark not charged");
        f.highWaterMark = 1_000_000;
        (shares, , mark) = VaultMath.feesOwed(f);
        require(shares == 28_037_094_942_872_410 && mark == 1_070_000, "10% gain fee not pinned");
    }

    function test_feesOwed_bothFeesSplitPinned() public pure {
        VaultMath.FeeInput memory f = _feeInput();
        f.nav = 1_100_000e6;
        f.elapsed = 30 days;
        f.managementFeeBps = 200;
        f.performanceFeeBps = 3_000;
        f.highWaterMark = 1_000_000;
        (uint256 shares, uint256 management, uint256 mark) = VaultMath.feesOwed(f);
        require(shares == 29_777_340_376_390_973, "fee shares not pinned");
        require(management == 1_692_784_669_035_035, "management split not pinned");
        require(mark == 1_068_192, "mark not pinned");
    }

    /// @notice A fee of the whole NAV (2%/yr for 50 years) is refused; one second less is not.
    function test_feesOwed_feeOfTheWholeNavIsRefused() public pure {
        VaultMath.FeeInput memory f = _feeInput();
        f.managementFeeBps = 200;
        f.elapsed = 1_576_800_000;
        (uint256 shares, , ) = VaultMath.feesOwed(f);
        require(shares == 0, "a fee of the whole NAV was minted");
        f.elapsed -= 1;
        (shares, , ) = VaultMath.feesOwed(f);
        require(shares == 1_572_327_043_028_301_886_791_454_402, "a fee just under the NAV not minted");
    }

    function test_feesOwed_nothingWithoutSupplyNavOrTime() public pure {
        VaultMath.FeeInput memory f = _feeInput();
        f.managementFeeBps = 200;
        f.elapsed = 30 days;
        f.highWaterMark = 7;
        f.supply = 0;
        (uint256 shares, , uint256 mark) = VaultMath.feesOwed(f);
        require(shares == 0 && mark == 7, "fees on no supply");
        f = _feeInput();
        f.managementFeeBps = 200;
        f.elapsed = 0;
        (shares, , ) = VaultMath.feesOwed(f);
        require(shares == 0, "fees for no time");
        f.elapsed = 1;
        (shares, , ) = VaultMath.feesOwed(f);
        require(shares != 0, "no fee for one second on 1M");
    }
}
