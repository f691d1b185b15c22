// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {EdgeLib} from "../../contracts/perp/libraries/EdgeLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice EdgeLib on its own, against a Chainlink mock feed: when a growth record settles, what
/// move it gives up, and how trades move it.
contract EdgeLibTest is TestBase {
    using EdgeLib for EdgeLib.Growth;

    uint256 internal constant WINDOW = 15;
    MockV3Aggregator internal agg;

    function setUp() public {
        vm.warp(1_000_000);
        agg = new MockV3Aggregator(8, 3_000e8);
    }

    /// @dev The feed as the market's load step reads it now.
    function _feed() internal view returns (EdgeLib.Feed memory f) {
        (uint80 roundId, int256 answer, , uint256 updatedAt, ) = agg.latestRoundData();
        f = EdgeLib.Feed({
            aggregator: AggregatorV3Interface(address(agg)),
            decimals: 8,
            roundId: roundId,
            updatedAt: updatedAt,
            price: uint256(answer) * 1e10,
            window: WINDOW
        });
    }

    /// @dev A growth of `size` now, in the feed's latest round, filled at the previous round's
    /// answer (`atPrevious`, inside that round's window) or the latest, with no premium.
    function _grow(int256 size, bool atPrevious) internal view returns (EdgeLib.Growth memory g) {
        EdgeLib.Feed memory f = _feed();
        (, int256 previous, , , ) = agg.getRoundData(f.roundId - 1);
        uint256 base = atPrevious ? uint256(previous) * 1e10 : f.price;
        g.afterTrade(0, size, f, base, base);
    }

    function _moved(int256 bps) internal pure returns (int256) {
        return (3_000e8 * (10_000 + bps)) / 10_000;
    }

    /// @notice The round after the growth gives up exactly its favourable move when it lands less
    /// than the window after the growth, and nothing when it lands later or goes against the
    /// trader, for either side.
    function testFuzz_theNextRoundsFavourableMoveInsideTheWindowOnly(
        bool long,
        uint256 sizeSeed,
        int256 bpsSeed,
        uint256 delay
    ) public {
        int256 size = int256(bound(sizeSeed, 1, 1e27)) * (long ? int256(1) : -1);
        int256 bps = int256(bound(uint256(bpsSeed), 0, 2_000)) - 1_000;
        delay = bound(delay, 0, 3 * WINDOW);
        EdgeLib.Growth memory g = _grow(size, false);
        vm.warp(block.timestamp + delay);
        agg.updateAnswer(_moved(bps));
        (bool settles, uint256 move) = g.pendingMove(_feed(), false);
        require(settles, "a landed round does not settle the record");
        int256 favourable = long ? bps : -bps;
        uint256 expected = delay < WINDOW && favourable > 0 ? uint256(favourable) * 3_000e14 : 0;
        require(move == expected, "wrong move");
    }

    /// @notice With no new round the record waits while the next one could still land inside the
    /// window, and settles with no charge once it no longer can.
    function testFuzz_noNewRoundWaitsOutTheWindow(uint256 elapsed) public {
        elapsed = bound(elapsed, 0, 2 * WINDOW);
        EdgeLib.Growth memory g = _grow(5e18, false);
        vm.warp(block.timestamp + elapsed);
        (bool settles, uint256 move) = g.pendingMove(_feed(), false);
        require(settles == (elapsed >= WINDOW), "settled at the wrong time");
        require(move == 0, "charged with no new round");
    }

    /// @notice A reduction inside the next round's own window waits (it fills at the worse of the
    /// two answers already); anything else, or the same reduction after that window, settles.
    function test_aReductionInsideTheNextRoundsWindowWaits() public {
        EdgeLib.Growth memory g = _grow(5e18, false);
        vm.warp(block.timestamp + 5);
        agg.updateAnswer(_moved(50));
        (bool settles, ) = g.pendingMove(_feed(), true);
        require(!settles, "a reduction inside the window settled");
        (bool viewSettles, uint256 move) = g.pendingMove(_feed(), false);
        require(viewSettles && move == 15e18, "the view does not count the charge");
        vm.warp(block.timestamp + WINDOW);
        (settles, move) = g.pendingMove(_feed(), true);
        require(settles && move == 15e18, "a reduction after the window did not settle");
    }

    /// @notice A growth filled at the previous round's answer (inside that round's window) is
    /// measured from it: the move is what the trader would gain on its actual fill.
    function test_aGrowthAtThePreviousAnswerIsMeasuredFromIt() public {
        agg.updateAnswer(2_985e8); // inside this round's window a buy fills at the previous 3000
        EdgeLib.Growth memory atPrevious = _grow(5e18, true);
        EdgeLib.Growth memory atAnswer = _grow(5e18, false);
        vm.warp(block.timestamp + 3);
        agg.updateAnswer(3_000e8);
        (, uint256 move) = atPrevious.pendingMove(_feed(), false);
        require(move == 0, "charged a move the fill at 3000 never had");
        (, move) = atAnswer.pendingMove(_feed(), false);
        require(move == 15e18, "a fill at 2985 not measured from it");
        agg.updateRoundData(3, 3_015e8, block.timestamp, block.timestamp);
        (, move) = atPrevious.pendingMove(_feed(), false);
        require(move == 15e18, "not measured from the previous answer");
    }

    /// @notice A proxy moved to a new phase aggregator restarts its ids at phase + 1, round 1:
    /// that round is the next one, read for its time and answer.
    function test_aPhaseChangeReadsTheNewPhasesFirstRound() public {
        EdgeLib.Growth memory g = _grow(-5e18, false);
        uint80 firstOfNextPhase = uint80((uint256(1) << 64) | 1);
        agg.updateRoundData(firstOfNextPhase, 2_970e8, block.timestamp + 4, block.timestamp + 4);
        vm.warp(block.timestamp + 20);
        (bool settles, uint256 move) = g.pendingMove(_feed(), false);
        require(settles && move == 30e18, "the next phase's first round was not used");
        // Landing after the window there proves no charge.
        EdgeLib.Growth memory h = g;
        agg.updateRoundData(firstOfNextPhase, 2_970e8, block.timestamp, block.timestamp);
        (, move) = h.pendingMove(_feed(), false);
        require(move == 0, "charged a round that landed after the window");
        agg.updateRoundData(firstOfNextPhase + 1, 2_900e8, block.timestamp, block.timestamp);
        (, move) = h.pendingMove(_feed(), false);
        require(move == 0, "the next phase's first round was not read");
    }

    /// @notice A gap in the ids (the next round unreadable while the feed has moved on) cannot be
    /// shown to have landed after the window: it counts as inside it, at the latest answer.
    function test_aMissingNextRoundChargesAtTheLatestAnswer() public {
        EdgeLib.Growth memory g = _grow(5e18, false);
        vm.warp(block.timestamp + 3_600);
        agg.updateRoundData(5, 3_030e8, block.timestamp, block.timestamp);
        (bool settles, uint256 move) = g.pendingMove(_feed(), false);
        require(settles && move == 30e18, "a missing round was not charged");
        // Against the trader, the fail-safe answer charges nothing.
        agg.updateRoundData(5, 2_970e8, block.timestamp, block.timestamp);
        (, move) = g.pendingMove(_feed(), false);
        require(move == 0, "charged an adverse move");
    }

    /// @notice A stale feed that resumes long after the growth proves the round landed after the
    /// window: no charge, however far it moved.
    function test_aRoundThatLandsLateChargesNothing() public {
        EdgeLib.Growth memory g = _grow(5e18, false);
        vm.warp(block.timestamp + 2 days);
        agg.updateAnswer(4_000e8);
        (bool settles, uint256 move) = g.pendingMove(_feed(), false);
        require(settles && move == 0, "charged a round that came days later");
    }

    /// @notice Trades keep the record consistent with the position: the guarded size carries the
    /// position's sign and never exceeds it; growths in one round add up, a reduction uses the
    /// guarded size up first, a flip guards the new side alone, a close leaves it unwritten.
    function testFuzz_tradesKeepTheGuardedSizeWithinThePosition(int256[6] memory deltas) public view {
        EdgeLib.Growth memory g;
        EdgeLib.Feed memory f = _feed();
        int256 size;
        // The part of the position held from before this round's growths: reductions reach it last.
        uint256 unguarded;
        for (uint256 i = 0; i < deltas.length; i++) {
            int256 delta = int256(bound(uint256(deltas[i]), 0, 2e21)) - 1e21;
            if (delta == 0) continue;
            int256 next = size + delta;
            bool changed = g.afterTrade(size, next, f, f.price, f.price);
            if (next == 0) {
                // A flat account's record is moot and left unwritten; the next growth starts anew.
                require(!changed, "a close wrote the record");
                (size, unguarded) = (0, 0);
                continue;
            }
            bool sameSide = size != 0 && (size > 0) == (next > 0);
            if (!sameSide)
                unguarded = 0; // a close or a flip leaves nothing from before
            else if (_abs(next) < unguarded) unguarded = _abs(next);
            size = next;
            require(g.guardedSize == 0 || (g.guardedSize > 0) == (size > 0), "guarded on the wrong side");
            require(_abs(g.guardedSize) == _abs(size) - unguarded, "guarded size is not last in, first out");
        }
    }

    /// @notice A reduction with nothing guarded leaves the record as it was (no write needed).
    function test_aReductionWithNothingGuardedChangesNothing() public {
        agg.updateAnswer(3_000e8);
        EdgeLib.Feed memory f = _feed(); // round 2
        EdgeLib.Growth memory g = EdgeLib.Growth({
            roundId: 1,
            grownAt: 5,
            guardedSize: 0,
            atPrevious: false,
            premiumPpm: 0
        });
        require(!g.afterTrade(10e18, 4e18, f, f.price, f.price), "reported a change");
        require(!g.afterTrade(10e18, 0, f, f.price, f.price), "reported a change on a close");
        require(g.afterTrade(10e18, 12e18, f, f.price, f.price), "growth not reported");
        require(g.guardedSize == 2e18 && g.roundId == 2, "growth not kept");
    }

    /// @notice A fill at a premium moves with the price at that scale: the record keeps the
    /// largest premium of the round's growths (rounded up), and re-pricing charges the move at it,
    /// so a trader selling into a skew keeps no premium-sized share of the move.
    function test_aPremiumFillIsChargedTheMoveAtItsScale() public view {
        EdgeLib.Feed memory f = _feed();
        EdgeLib.Growth memory g;
        g.afterTrade(0, -10e18, f, 3_030e18, f.price); // sold 1% above the answer
        g.afterTrade(-10e18, -20e18, f, 3_003e18, f.price); // then 0.1% above it
        require(g.premiumPpm == 10_000 && g.guardedSize == -20e18, "largest premium not kept");
        // A 300 fall on the 20 guarded tokens at 1% over: 303 off the whole position's entry.
        require(EdgeLib.reprice(-20e18, 3_016.5e18, -20e18, 300e18, g.premiumPpm) == 2_713.5e18, "not at scale");
        require(EdgeLib.premiumPpm(2_999e18, 3_000e18) == 0, "a discount counted as a premium");
        require(EdgeLib.premiumPpm(3_000e18 + 1, 3_000e18) == 1, "not rounded up");
    }

    /// @notice Re-pricing moves the whole position's entry by at least the guarded move, rounded
    /// against the account by less than a wei of price.
    function testFuzz_repriceRoundsAgainstTheAccount(
        bool long,
        uint256 sizeSeed,
        uint256 guardedSeed,
        uint256 entry,
        uint256 move
    ) public pure {
        uint256 absSize = bound(sizeSeed, 1, 1e27);
        uint256 absGuarded = bound(guardedSeed, 1, absSize);
        entry = bound(entry, 1e18, 1e24);
        move = bound(move, 1, entry / 2);
        int256 size = long ? int256(absSize) : -int256(absSize);
        int256 guarded = long ? int256(absGuarded) : -int256(absGuarded);
        uint256 next = EdgeLib.reprice(size, entry, guarded, move, 0);
        uint256 shift = long ? next - entry : entry - next;
        require(shift * absSize >= absGuarded * move, "charged less than the guarded move");
        require((shift - 1) * absSize < absGuarded * move, "charged more than a wei of price over");
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }
}
