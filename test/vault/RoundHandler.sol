// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {DelayedOrders} from "../../contracts/perp/DelayedOrders.sol";
import {PerpMarket} from "../../contracts/perp/PerpMarket.sol";
import {PerpMarketAdapter} from "../../contracts/perp/PerpMarketAdapter.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {DeltaNeutralVault} from "../../contracts/vault/DeltaNeutralVault.sol";
import {TestBase} from "../utils/Vm.sol";
import {RoundExitProbe} from "./RoundExitProbe.sol";

/// @notice Drives a vault on a delayed PerpMarket through its two-phase rounds: depositors and
/// leavers (up to max*), share transfers, a keeper and anyone rebalancing, an executor that fills
/// the book's orders at a random later time, in either order, or not at all, a perp trader whose
/// own delayed orders share the book, settlers, price moves and time (past an order's expiry too).
///
/// Every step's change of NAV is explained: a flow moves it by what was paid in or out to the wei;
/// a price or time move by the book's delta times the price change plus the funding accrued
/// (within NAV_ROUNDING_UNITS); what a round's steps (submit, fill, settle) change beyond that is
/// its cost, summed in `roundCost` and bounded at settlement. Violations are ghost flags (a failed
/// `require` in a handler would count as a mere revert), asserted by the invariant contract.
/// @dev The handler is a keeper of the vault. Time only moves forward through `currentTime`.
contract RoundHandler is TestBase {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    /// @notice Oracle answers stay within $1,500–$6,000 and move at most 8% a step: nobody
    /// liquidates here, and a CashMargin short at 2x survives a few unhedged steps.
    int256 internal constant PRICE_MIN = 1_500e8;
    int256 internal constant PRICE_MAX = 6_000e8;
    uint256 internal constant MAX_STEP_BPS = 800;
    /// @notice Units a price or time move may shift NAV by beyond delta x move + funding: the floors
    /// of the spot's, the collateral's and the PnL's values, and the funding's (as VaultHandler).
    uint256 internal constant NAV_ROUNDING_UNITS = 4;
    /// @notice Units a round may lose beyond its bound: the rounding of each of its valuations.
    uint256 internal constant ROUND_ROUNDING_UNITS = 4;
    int256 internal constant MAX_TRADER_SIZE = 300e18;
    /// @notice The executor's move seed for a round at the same price (`_executeOrder`).
    uint256 internal constant NO_MOVE = 100;

    DeltaNeutralVault public immutable vault;
    PerpMarket public immutable market;
    PerpMarketAdapter public immutable adapter;
    DelayedOrders public immutable book;
    TestERC20 public immutable usdc;
    TestERC20 public immutable weth;
    MockV3Aggregator public immutable feed;

    address[] internal _actors;
    address public constant EXECUTOR = address(0xE1EC);
    address public constant SETTLER = address(0x5E771E);
    address public constant TRADER = address(0x7EADE);

    uint256 public currentTime;
    /// @notice Runs the eventual-exit probe (set once by the test).
    RoundExitProbe public exitProbe;

    // ---- ghost ledgers ----
    /// @notice USDC each actor was minted, paid into the vault and received from it.
    mapping(address => uint256) public funded;
    mapping(address => uint256) public paidIn;
    mapping(address => uint256) public paidOut;
    /// @notice Execution fees the executor should have earned (the orders' own fees).
    uint256 public feesOwedToExecutor;
    /// @notice NAV the current round lost beyond its explained terms (signed: a gain is negative).
    int256 public roundCost;
    /// @notice The current round's cost could not be measured (a move valued off the plain books).
    bool public roundUnmeasured;
    /// @notice The largest round cost seen, in bps of the NAV before the round (for the report).
    uint256 public maxRoundCostBps;

    // ---- ghost flags ----
    bool public flowNavNotExact;
    bool public sharePriceFellOnFlow;
    bool public navNotConserved;
    bool public roundCostExceeded;
    bool public rebalanceWhilePending;
    bool public exitBeyondIdleWhilePending;
    bool public settleRevertedUnexpectedly;
    bool public settleBeforeItsTime;
    bool public maxExitReverted;
    bool public feeEarnedByOutsider;
    bool public neverWithdrawable;
    string public firstViolation;

    // ---- counters ----
    uint256 public submits;
    uint256 public fills;
    uint256 public bookCancels;
    uint256 public expirySettles;
    uint256 public settles;
    uint256 public pendingFlows;
    uint256 public drainProbes;
    /// @notice Probes that ended in the pinned SpotCollateral finding (idle round spent the fee).
    uint256 public knownFeeReserveSpent;

    constructor(
        DeltaNeutralVault vault_,
        PerpMarket market_,
        PerpMarketAdapter adapter_,
        DelayedOrders book_,
        TestERC20 usdc_,
        TestERC20 weth_,
        MockV3Aggregator feed_
    ) {
        (vault, market, adapter, book, usdc, weth, feed) = (vault_, market_, adapter_, book_, usdc_, weth_, feed_);
        currentTime = block.timestamp;
        _actors.push(address(0xA11CE));
        _actors.push(address(0xB0B));
        _actors.push(address(0xCA401));
        // The trader keeps margin at the market and pays its orders' fees to the book.
        usdc_.mint(TRADER, 2_000_000e6);
        vm.startPrank(TRADER);
        usdc_.approve(address(market_), type(uint256).max);
        usdc_.approve(address(book_), type(uint256).max);
        market_.depositMargin(1_000_000e6);
        vm.stopPrank();
    }

    function setExitProbe(RoundExitProbe probe_) external {
        require(address(exitProbe) == address(0), "probe already set");
        exitProbe = probe_;
    }

    modifier synced() {
        vm.warp(currentTime);
        _;
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    // ---------------------------------------------------------------------------------------
    // Depositors, leavers, transfers: NAV moves by the payment to the wei
    // ---------------------------------------------------------------------------------------

    function deposit(uint256 actorSeed, uint256 assets) external synced {
        address actor = _actor(actorSeed);
        assets = bound(assets, 1e6, 1_000_000e6);
        _fund(actor, assets);
        Books memory pre = _books();
        vm.prank(actor);
        try vault.deposit(assets, actor) {
            paidIn[actor] += assets;
            _checkFlow(pre, int256(assets), "deposit");
        } catch {}
    }

    function mint(uint256 actorSeed, uint256 shares) external synced {
        address actor = _actor(actorSeed);
        shares = bound(shares, 1e12, 1_000_000e12);
        uint256 preview = vault.previewMint(shares);
        _fund(actor, preview);
        Books memory pre = _books();
        vm.prank(actor);
        try vault.mint(shares, actor) returns (uint256 assets) {
            paidIn[actor] += assets;
            _checkFlow(pre, int256(assets), "mint");
        } catch {}
    }

    /// @notice Redeems up to maxRedeem: within it an exit must never revert.
    function redeem(uint256 actorSeed, uint256 shares) external synced {
        address actor = _actor(actorSeed);
        uint256 max = vault.maxRedeem(actor);
        if (max == 0) return;
        shares = shares % 4 == 0 ? max : bound(shares, 1, max);
        Books memory pre = _books();
        vm.prank(actor);
        try vault.redeem(shares, actor, actor) returns (uint256 assets) {
            paidOut[actor] += assets;
            _checkFlow(pre, -int256(assets), "redeem");
        } catch {
            _violate(maxExitReverted = true, "redeem within maxRedeem reverted", shares, max);
        }
    }

    /// @notice Withdraws up to maxWithdraw; one unit past it, while a round is pending, must revert.
    function withdraw(uint256 actorSeed, uint256 assets, bool pastMax) external synced {
        address actor = _actor(actorSeed);
        uint256 max = vault.maxWithdraw(actor);
        if (pastMax && _pending() && vault.balanceOf(actor) != 0) {
            pendingFlows++;
            vm.prank(actor);
            try vault.withdraw(max + 1, actor, actor) {
                _violate(exitBeyondIdleWhilePending = true, "withdraw past maxWithdraw while pending", max + 1, 0);
            } catch {}
            return;
        }
        if (max == 0) return;
        assets = bound(assets, 1, max);
        Books memory pre = _books();
        vm.prank(actor);
        try vault.withdraw(assets, actor, actor) {
            paidOut[actor] += assets;
            _checkFlow(pre, -int256(assets), "withdraw");
        } catch {
            _violate(maxExitReverted = true, "withdraw within maxWithdraw reverted", assets, max);
        }
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 shares) external synced {
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        uint256 balance = vault.balanceOf(from);
        if (balance == 0) return;
        shares = bound(shares, 1, balance);
        Books memory pre = _books();
        vm.prank(from);
        vault.transfer(to, shares);
        _checkFlow(pre, 0, "transfer");
    }

    // ---------------------------------------------------------------------------------------
    // The keeper, anyone, the executor, settlers
    // ---------------------------------------------------------------------------------------

    /// @notice The keeper rebalances when the gate allows it (after waiting out the interval, as a
    /// keeper polling checkUpkeep would); while a round is pending the rebalance must revert.
    function rebalanceAsKeeper(bool waitForInterval) external synced {
        if (_pending()) {
            pendingFlows++;
            try vault.rebalance() {
                _violate(rebalanceWhilePending = true, "rebalance went through while pending", 0, 0);
            } catch (bytes memory err) {
                if (bytes4(err) != IDeltaNeutralVault.VenueOrderPending.selector)
                    _violate(
                        rebalanceWhilePending = true,
                        "rebalance while pending: not VenueOrderPending",
                        uint32(bytes4(err)),
                        0
                    );
            }
            return;
        }
        uint256 next = vault.vaultState().nextKeeperRebalanceAt;
        if (waitForInterval && next > currentTime) _publishAt(next, _answer());
        (, , bool allowed) = vault.rebalanceGate(address(this));
        if (allowed) _rebalance(address(this));
    }

    /// @notice Anyone rebalances (the gate lets strangers in at the hard tier only).
    function rebalanceAsAnyone(uint256 actorSeed) external synced {
        if (_pending()) return;
        (, , bool allowed) = vault.rebalanceGate(_actor(actorSeed));
        if (allowed) _rebalance(_actor(actorSeed));
    }

    /// @notice The executor fills an order `delaySeed` seconds after it became executable (at the
    /// feed's first round after it, which may move the price by up to ±1%: past the vault's 50 bps
    /// bound the book cancels the order), the vault's or the trader's first. An order a later round
    /// already passed cannot fill any more: the executor's attempt reverts and it waits for expiry.
    function execute(uint256 delaySeed, uint256 moveSeed, bool traderFirst) external synced {
        if (traderFirst) _executeOrder(TRADER, delaySeed, moveSeed);
        _executeOrder(address(adapter), delaySeed, moveSeed);
        if (!traderFirst) _executeOrder(TRADER, delaySeed, moveSeed);
    }

    /// @notice Anyone settles; it must revert exactly while the vault's order is live at the book,
    /// and succeed otherwise.
    function settle() external synced {
        _settle();
    }

    /// @notice The perp trader queues an order of up to ±100 ETH (a position within ±300 ETH): it
    /// shares the book with the vault, so the executor's order of fills varies.
    function traderSubmit(uint256 sizeSeed) external synced {
        if (book.hasPendingOrder(TRADER)) {
            vm.prank(TRADER);
            try book.cancelOrder(TRADER) {} catch {} // only once expired
            return;
        }
        int256 size = int256(bound(sizeSeed, 0, 200e18)) - 100e18;
        int256 target = market.sizeOf(TRADER) + size;
        if (size == 0 || target > MAX_TRADER_SIZE || target < -MAX_TRADER_SIZE) return;
        uint256 acceptable = size > 0 ? type(uint256).max : 0;
        vm.prank(TRADER);
        try book.submitOrder(size, acceptable) {} catch {}
    }

    // ---------------------------------------------------------------------------------------
    // Price and time
    // ---------------------------------------------------------------------------------------

    /// @notice The oracle moves by up to ±8% (the spot venue prices at the oracle).
    function movePrice(uint256 stepSeed) external synced {
        int256 step = int256(bound(stepSeed, 0, 2 * MAX_STEP_BPS)) - int256(MAX_STEP_BPS);
        _publishAt(currentTime + 1, (_answer() * (int256(BPS) + step)) / int256(BPS));
    }

    /// @notice Time passes, up to 4 hours (past an order's 3-hour expiry too), and the feed posts a
    /// heartbeat round: a pending order that missed its first round can then only expire.
    function warp(uint256 secondsSeed) external synced {
        _publishAt(currentTime + bound(secondsSeed, 1, 4 hours), _answer());
    }

    // ---------------------------------------------------------------------------------------
    // Eventually withdrawable: probed on a copy of the state
    // ---------------------------------------------------------------------------------------

    /// @notice The eventual-exit probe (RoundExitProbe) runs on a copy of this state, restored
    /// after: a handler step, so the fuzzer reaches it from arbitrary states.
    function probeEventualExit() external synced {
        if (address(exitProbe) == address(0)) return;
        drainProbes++;
        (bool ok, string memory why) = exitProbe.probe(currentTime);
        if (ok) return;
        // The pinned SpotCollateral finding is counted, not flagged; anything else is a violation.
        bool known =
            vault.hedgeMode() == IDeltaNeutralVault.HedgeMode.SpotCollateral &&
                keccak256(bytes(why)) == keccak256(bytes(exitProbe.FEE_RESERVE_SPENT()));
        if (known) knownFeeReserveSpent++;
        else _violate(neverWithdrawable = true, why, 0, 0);
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    struct Books {
        uint256 nav;
        uint256 supply;
    }

    /// @notice What a price or time move may change NAV by: the book's delta (spot owned minus the
    /// short, size units), the short's accrued funding, the answer; whether the account is valued
    /// at its plain books (positive, the pool paying every claim).
    struct NavTerms {
        uint256 nav;
        int256 delta;
        int256 funding;
        int256 answer;
        bool plain;
    }

    function _books() internal view returns (Books memory b) {
        b.nav = vault.totalAssets();
        b.supply = vault.totalSupply();
    }

    /// @dev A flow moves NAV by exactly what was paid (`paid`, signed), and never lowers the assets
    /// per share (compared by cross-multiplication, virtual share and asset included).
    function _checkFlow(Books memory pre, int256 paid, string memory what) internal {
        if (_pending()) pendingFlows++;
        uint256 nav = vault.totalAssets();
        uint256 supply = vault.totalSupply();
        if (int256(nav) != int256(pre.nav) + paid)
            _violate(
                flowNavNotExact = true,
                string.concat(what, ": NAV moved by other than the payment"),
                pre.nav,
                nav
            );
        if ((nav + 1) * (pre.supply + VIRTUAL_SHARES) < (pre.nav + 1) * (supply + VIRTUAL_SHARES))
            _violate(sharePriceFellOnFlow = true, string.concat(what, " lowered the share price"), pre.nav, nav);
        _checkWallets();
    }

    function _navTerms() internal view returns (NavTerms memory t) {
        IPerpMarket.PositionView memory p = market.positionOf(address(adapter));
        uint256 spot = weth.balanceOf(address(vault)) + p.collateral;
        t.nav = vault.totalAssets();
        t.delta = int256(spot) + p.size;
        t.funding = p.accruedFunding;
        t.answer = _answer();
        bool dustOnly = p.size == 0 && spot != 0 && spot <= 1e12;
        bool positive = p.equity + int256(p.collateralValue) > 0 || (p.size == 0 && p.collateral == 0);
        t.plain = positive && !dustOnly && market.poolCash() >= market.openClaims();
    }

    /// @dev Publishes a feed round at `time` (the clock moves there) with `answer` clamped into the
    /// range, and checks the NAV's move is delta x price change + funding.
    function _publishAt(uint256 time, int256 answer) internal {
        if (answer < PRICE_MIN) answer = PRICE_MIN;
        if (answer > PRICE_MAX) answer = PRICE_MAX;
        NavTerms memory pre = _navTerms();
        currentTime = time;
        vm.warp(time);
        feed.updateAnswer(answer);
        NavTerms memory post = _navTerms();
        if (!pre.plain || !post.plain) {
            if (_pending()) roundUnmeasured = true;
            return;
        }
        int256 expected =
            int256(pre.nav) + (pre.delta * (post.answer - pre.answer)) / 1e20 + (post.funding - pre.funding);
        if (SignedMath.abs(int256(post.nav) - expected) > NAV_ROUNDING_UNITS)
            _violate(navNotConserved = true, "NAV not conserved across a price/time move", pre.nav, post.nav);
    }

    function _rebalance(address caller) internal {
        uint256 navPre = vault.totalAssets();
        uint256 supplyPre = vault.totalSupply();
        vm.prank(caller);
        try vault.rebalance() {} catch {
            return;
        }
        if (vault.totalSupply() != supplyPre)
            _violate(roundCostExceeded = true, "a round minted shares", supplyPre, vault.totalSupply());
        roundCost = int256(navPre) - int256(vault.totalAssets());
        roundUnmeasured = false;
        if (_pending()) submits++;
        else _closeRound(navPre); // filled at once: nothing needed the perp
    }

    /// @dev Executes `account`'s order at the book if it is pending: waits until it is executable
    /// plus `delaySeed` (0–10 minutes), publishing the first round after it if none came yet.
    function _executeOrder(address account, uint256 delaySeed, uint256 moveSeed) internal {
        if (!book.hasPendingOrder(account)) return;
        (uint256 executableAt, ) = book.orderWindow(account);
        (, , , uint256 updatedAt, ) = feed.latestRoundData();
        uint256 submittedAt = book.orderOf(account).submittedAt;
        if (updatedAt <= submittedAt) {
            uint256 at = Math.max(executableAt, currentTime + 1) + bound(delaySeed, 0, 600);
            int256 stepBps = int256(bound(moveSeed, 0, 200)) - 100;
            _publishAt(at, (_answer() * (int256(BPS) + stepBps)) / int256(BPS));
        } else if (currentTime < executableAt) {
            return; // a round after it came before it could fill: only expiry is left
        }
        uint256 fee = book.orderOf(account).executionFee;
        bool vaults = account == address(adapter);
        uint256 navPre = vault.totalAssets();
        uint256 earned = usdc.balanceOf(EXECUTOR);
        vm.prank(EXECUTOR);
        try book.executeOrder(account) returns (bool filled, uint256) {
            feesOwedToExecutor += fee;
            if (vaults) {
                if (filled) fills++;
                else bookCancels++;
                roundCost += int256(navPre) - int256(vault.totalAssets());
            }
        } catch {}
        if (usdc.balanceOf(EXECUTOR) - earned > fee)
            _violate(feeEarnedByOutsider = true, "executor earned more than the order's fee", earned, fee);
    }

    function _settle() internal {
        bool pending = _pending();
        bool live = book.hasPendingOrder(address(adapter));
        (, uint256 expiresAt) = book.orderWindow(address(adapter));
        bool due = !live || currentTime >= expiresAt;
        uint256 navPre = vault.totalAssets();
        uint256 supplyPre = vault.totalSupply();
        uint256 roundNavBefore = vault.pendingRound().totalAssetsBefore;
        vm.prank(SETTLER);
        try vault.settleRound() {
            if (!pending || !due)
                _violate(settleBeforeItsTime = true, "settleRound went through early or with none", expiresAt, 0);
            settles++;
            if (live) expirySettles++;
            if (vault.totalSupply() != supplyPre)
                _violate(roundCostExceeded = true, "a settlement minted shares", supplyPre, vault.totalSupply());
            roundCost += int256(navPre) - int256(vault.totalAssets());
            _closeRound(roundNavBefore);
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            bool expected =
                (!pending && sel == IDeltaNeutralVault.NoPendingRound.selector) ||
                    (pending && !due && sel == IDeltaNeutralVault.RoundOrderPending.selector);
            if (!expected)
                _violate(settleRevertedUnexpectedly = true, "settleRound reverted", uint32(sel), currentTime);
        }
        if (usdc.balanceOf(SETTLER) != 0) _violate(feeEarnedByOutsider = true, "a settler was paid", 0, 0);
        _checkWallets();
    }

    /// @dev A round's cost (NAV lost by its steps beyond the explained moves) is at most
    /// strategy.maxRebalanceCostBps of the NAV before it, plus the execution fee (which the expired
    /// order's refund returns), plus rounding.
    function _closeRound(uint256 navBefore) internal {
        if (roundUnmeasured) return;
        uint256 bound_ =
            navBefore.mulDiv(vault.strategy().maxRebalanceCostBps, BPS) + book.executionFee() + ROUND_ROUNDING_UNITS;
        if (roundCost > 0 && navBefore != 0) {
            uint256 costBps = uint256(roundCost).mulDiv(BPS, navBefore, Math.Rounding.Ceil);
            if (costBps > maxRoundCostBps) maxRoundCostBps = costBps;
        }
        if (roundCost > int256(bound_))
            _violate(roundCostExceeded = true, "round cost above its bound", uint256(roundCost), bound_);
        roundCost = 0;
    }

    /// @dev Nobody but the executor earns from the vault or the book: each depositor's wallet is
    /// what it was minted less what it paid in plus what it was paid out, to the wei.
    function _checkWallets() internal {
        for (uint256 i; i < _actors.length; i++) {
            address a = _actors[i];
            if (usdc.balanceOf(a) != funded[a] - paidIn[a] + paidOut[a])
                _violate(feeEarnedByOutsider = true, "a depositor's wallet does not reconcile", usdc.balanceOf(a), 0);
        }
        if (usdc.balanceOf(EXECUTOR) != feesOwedToExecutor)
            _violate(feeEarnedByOutsider = true, "the executor's fees do not reconcile", usdc.balanceOf(EXECUTOR), 0);
    }

    function _pending() internal view returns (bool) {
        return vault.pendingRound().submittedAt != 0;
    }

    function _fund(address actor, uint256 assets) internal {
        usdc.mint(actor, assets);
        funded[actor] += assets;
        vm.prank(actor);
        usdc.approve(address(vault), assets);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _answer() internal view returns (int256 answer) {
        (, answer, , , ) = feed.latestRoundData();
    }

    /// @dev Keeps the first violation's description; callers set the flag in the first argument.
    function _violate(bool, string memory what, uint256 a, uint256 b) internal {
        if (bytes(firstViolation).length == 0)
            firstViolation = string.concat(what, " (", vm.toString(a), ", ", vm.toString(b), ")");
    }
}
