// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {ISpotVenue} from "../../contracts/interfaces/ISpotVenue.sol";
import {DelayedOrders} from "../../contracts/perp/DelayedOrders.sol";
import {PerpMarket} from "../../contracts/perp/PerpMarket.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {PerpMarketAdapter} from "../../contracts/perp/PerpMarketAdapter.sol";
import {ParamsLib} from "../../contracts/perp/libraries/ParamsLib.sol";
import {SpotCollateralMath} from "../../contracts/libraries/SpotCollateralMath.sol";
import {OracleSpotVenue} from "../../contracts/test/OracleSpotVenue.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {DeltaNeutralVault} from "../../contracts/vault/DeltaNeutralVault.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice Drives the vault stack for the invariant suite: several depositors, a third-party
/// redeemer, a long trader and a liquidator on the perp market, price and time moves, keeper and
/// permissionless rebalances, the guardian's pause and unwind, fee switches, donations, and (for a
/// SpotCollateral vault) the venue raising its collateral haircut. Every input is bounded into a
/// meaningful range, so few calls are wasted. The vault may be in either hedge mode, on a market
/// that fills at once or later (`orderBook` set): on the latter every rebalance and emergency
/// unwind is a two-phase round the handler completes as an executor and a settler would, the
/// trader's orders go through the book too, and a round may also be left pending while the other
/// actions run (`rebalanceLeavingRoundPending`, `finishRound`).
///
/// Properties that are only observable around a single call (right after a rebalance, across an
/// exit) are checked here and recorded as ghost flags, because a failed `require` inside a handler
/// would only count as a revert (failOnRevert = false); the invariant contract asserts the flags.
/// The first violation's description is kept for the failure message.
/// @dev The handler is the vault's keeper, guardian and owner. Time only moves forward through
/// `currentTime`, and every action first warps to it, so the oracle's heartbeat and the perp
/// market's funding clock stay consistent however the fuzzer orders calls.
contract VaultHandler is TestBase {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant VIRTUAL_SHARES = 1e6; // the vault's 10 ** DECIMALS_OFFSET
    /// @notice Oracle answers (8 decimals) stay within $1,000–$9,000 and move at most 15% a step.
    int256 internal constant PRICE_MIN = 1_000e8;
    int256 internal constant PRICE_MAX = 9_000e8;
    uint256 internal constant MAX_STEP_BPS = 1_500;
    /// @notice The trader's position stays within ±500 ETH so the perp pool stays solvent.
    uint256 internal constant MAX_TRADER_SIZE = 500e18;
    /// @notice Below this NAV (1,000 USDC) a vault is dust: trades round to nothing.
    uint256 internal constant MIN_LIVE_NAV = 1_000e6;
    /// @notice Units a price or time move may shift NAV by beyond its measured terms: the floors of
    /// the held spot's and the collateral's values and the PnL's rounding, one unit each, and one
    /// for the funding's.
    uint256 internal constant NAV_ROUNDING_UNITS = 4;

    DeltaNeutralVault public immutable vault;
    PerpMarket public immutable market;
    PerpMarketAdapter public immutable adapter;
    TestERC20 public immutable usdc;
    TestERC20 public immutable weth;
    MockV3Aggregator public immutable feed;
    OracleSpotVenue public immutable venue;
    /// @notice The vault posts its spot as the short's collateral (SpotCollateral mode).
    bool public immutable spotCollateral;

    address[] internal _actors;
    address public constant SPENDER = address(0x5BE4D);
    address public constant TRADER = address(0x7EADE);
    address public constant LIQUIDATOR = address(0x11D);
    address public constant FEE_RECIPIENT = address(0xFEE);
    /// @notice Fills the book's orders on a market that fills later (and earns their fees).
    address public constant EXECUTOR = address(0xE1EC);

    /// @notice The market's order book when it fills orders later (zero: it fills at once).
    DelayedOrders public orderBook;

    /// @notice The fuzz campaign's clock (only moves forward).
    uint256 public currentTime;

    // ---- ghost ledgers (per share owner, asset units) ----
    /// @notice Assets paid in for shares the account received.
    mapping(address => uint256) public deposited;
    /// @notice Assets paid out for shares the account burned (to whichever receiver).
    mapping(address => uint256) public withdrawn;
    /// @notice Book value (at the pre-exit NAV, rounded up) of every share the account burned.
    mapping(address => uint256) public exitBookValue;
    /// @notice Book value (at the pre-entry NAV, rounded down) of every share the account got.
    mapping(address => uint256) public entryBookValue;
    uint256 public donatedUsdc;
    uint256 public donatedWeth;

    // ---- ghost flags: each names the invariant that asserts it ----
    bool public bandsBreachedAfterRebalance;
    bool public liquidatableAfterRebalance;
    bool public shortNotSpotAfterRebalance;
    bool public rebalanceCostExceeded;
    bool public pauseBlockedExit;
    bool public idleExitFailed;
    bool public exitLoweredSharePrice;
    bool public previewNotConservative;
    bool public roundingFavouredCaller;
    bool public residualTooLarge;
    bool public gateBypassed;
    bool public actedWhilePaused;
    bool public emergencyUnwindIncomplete;
    bool public rebalanceCouldNotRestore;
    bool public exitRevertedUnexpectedly;
    bool public navNotConserved;
    bool public collateralLockedInsideHardBands;
    bool public debtUncoveredAfterVaultAction;
    bool public liquidatedInsideHardBands;
    bool public roundStuck;
    string public firstViolation;
    /// @dev The vault account's margin equity when the current action began (or at its last
    /// debt check): what `_checkDebtCovered` compares an exit's result with.
    int256 private _marginEquityBefore;
    /// @notice Every distinct revert selector seen from exits and rebalances (for triage).
    bytes4[] public exitRevertSelectors;
    bytes4[] public rebalanceRevertSelectors;
    mapping(bytes4 => bool) internal _seenExit;
    mapping(bytes4 => bool) internal _seenRebalance;

    // ---- counters (for a human reading a run) ----
    uint256 public rebalances;
    uint256 public rebalanceReverts;
    uint256 public exits;
    uint256 public exitReverts;
    uint256 public pausedExits;
    uint256 public idleExits;
    uint256 public exitsToZeroSupply;
    uint256 public liquidationsOfVault;
    uint256 public haircutRaises;
    uint256 public conservedMoves;
    /// @notice Two-phase rounds (a market that fills later): filled, cancelled by the book or
    /// expired, settled, and left pending for the other actions.
    uint256 public roundsFilled;
    uint256 public roundsNotFilled;
    uint256 public roundsSettled;
    uint256 public roundsLeftPending;

    constructor(
        DeltaNeutralVault vault_,
        PerpMarket market_,
        PerpMarketAdapter adapter_,
        TestERC20 usdc_,
        TestERC20 weth_,
        MockV3Aggregator feed_,
        OracleSpotVenue venue_
    ) {
        vault = vault_;
        market = market_;
        adapter = adapter_;
        usdc = usdc_;
        weth = weth_;
        feed = feed_;
        venue = venue_;
        spotCollateral = vault_.hedgeMode() == IDeltaNeutralVault.HedgeMode.SpotCollateral;
        currentTime = block.timestamp;
        _actors.push(address(0xA11CE));
        _actors.push(address(0xB0B));
        _actors.push(address(0xCA401));
        _actors.push(address(0xDA7E));
    }

    /// @notice Completes the two-step ownership transfer the test started (not a fuzz target).
    function acceptVaultOwnership() external {
        vault.acceptOwnership();
    }

    /// @notice Names the market's order book when it fills later (set once by the test, not a fuzz
    /// target); the trader approves it for its orders' execution fees.
    function setOrderBook(DelayedOrders book_) external {
        require(address(orderBook) == address(0) && address(book_) != address(0), "order book already set");
        orderBook = book_;
        vm.prank(TRADER);
        usdc.approve(address(book_), type(uint256).max);
    }

    modifier synced() {
        vm.warp(currentTime);
        _marginEquityBefore = _perp().marginEquity;
        _;
    }

    // ---------------------------------------------------------------------------------------
    // Views for the invariant contract
    // ---------------------------------------------------------------------------------------

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function exitRevertSelectorList() external view returns (bytes4[] memory) {
        return exitRevertSelectors;
    }

    function rebalanceRevertSelectorList() external view returns (bytes4[] memory) {
        return rebalanceRevertSelectors;
    }

    // ---------------------------------------------------------------------------------------
    // Depositors
    // ---------------------------------------------------------------------------------------

    function deposit(uint256 actorSeed, uint256 receiverSeed, uint256 assets) external synced {
        address actor = _actor(actorSeed);
        address receiver = _actor(receiverSeed);
        assets = bound(assets, 1e6, 2_000_000e6);
        _accrue();
        bool wasPaused = vault.paused();
        (uint256 navPre, uint256 supplyPre) = _books();
        uint256 preview = vault.previewDeposit(assets);
        _fund(actor, assets);
        vm.prank(actor);
        try vault.deposit(assets, receiver) returns (uint256 shares) {
            if (wasPaused) _violate(actedWhilePaused = true, "deposit succeeded while paused", assets, shares);
            if (shares < preview)
                _violate(previewNotConservative = true, "deposit minted < previewDeposit", shares, preview);
            deposited[receiver] += assets;
            entryBookValue[receiver] += shares.mulDiv(navPre + 1, supplyPre + VIRTUAL_SHARES);
        } catch {}
    }

    function mint(uint256 actorSeed, uint256 shares) external synced {
        address actor = _actor(actorSeed);
        shares = bound(shares, 1e12, 2_000_000e12);
        _accrue();
        bool wasPaused = vault.paused();
        (uint256 navPre, uint256 supplyPre) = _books();
        uint256 preview = vault.previewMint(shares);
        _fund(actor, preview);
        vm.prank(actor);
        try vault.mint(shares, actor) returns (uint256 assets) {
            if (wasPaused) _violate(actedWhilePaused = true, "mint succeeded while paused", assets, shares);
            if (assets > preview) _violate(previewNotConservative = true, "mint took > previewMint", assets, preview);
            deposited[actor] += assets;
            entryBookValue[actor] += shares.mulDiv(navPre + 1, supplyPre + VIRTUAL_SHARES);
        } catch {}
    }

    function redeem(uint256 actorSeed, uint256 shares) external synced {
        address actor = _actor(actorSeed);
        uint256 balance = vault.balanceOf(actor);
        if (balance == 0) return;
        // A full exit now and then: it exercises the last-holder path.
        shares = shares % 5 == 0 ? balance : bound(shares, 1, balance);
        _exit(actor, actor, shares, true, false);
    }

    function withdraw(uint256 actorSeed, uint256 assets) external synced {
        address actor = _actor(actorSeed);
        _accrue();
        uint256 maxAssets = vault.maxWithdraw(actor);
        if (maxAssets == 0) return;
        _exit(actor, actor, bound(assets, 1, maxAssets), false, false);
    }

    /// @notice A third party redeems an actor's shares with the actor's allowance.
    function redeemApproved(uint256 ownerSeed, uint256 shares) external synced {
        address owner = _actor(ownerSeed);
        uint256 balance = vault.balanceOf(owner);
        if (balance == 0) return;
        shares = bound(shares, 1, balance);
        vm.prank(owner);
        vault.approve(SPENDER, shares);
        _exit(SPENDER, owner, shares, true, false);
        // Whatever happened, the allowance must be fully spent or still intact: reset it.
        vm.prank(owner);
        vault.approve(SPENDER, 0);
    }

    /// @notice A bank run: every holder, the fee recipient included, redeems everything in turn.
    /// The last one exercises the empty-vault path.
    function exitEveryone() external synced {
        for (uint256 i = 0; i <= _actors.length; i++) {
            address owner = i < _actors.length ? _actors[i] : FEE_RECIPIENT;
            uint256 balance = vault.balanceOf(owner);
            if (balance != 0) _exit(owner, owner, balance, true, false);
        }
    }

    /// @notice An exit small enough to be paid from idle assets alone: it must always succeed,
    /// paused or not (the pause stops deposits and rebalances, never withdrawals).
    function redeemFromIdle(uint256 actorSeed, uint256 shares) external synced {
        address actor = _actor(actorSeed);
        _accrue();
        uint256 balance = vault.balanceOf(actor);
        uint256 idleShares = vault.convertToShares(usdc.balanceOf(address(vault)));
        uint256 cap = Math.min(balance, idleShares);
        // On a market that fills later the vault keeps two orders' fees out of idle: maxRedeem.
        if (_fillsLater()) cap = Math.min(cap, vault.maxRedeem(actor));
        if (cap == 0) return;
        _exit(actor, actor, bound(shares, 1, cap), true, true);
    }

    // ---------------------------------------------------------------------------------------
    // Keeper, anyone, guardian, owner
    // ---------------------------------------------------------------------------------------

    /// @notice The keeper rebalances; with `waitForInterval` it first waits out the minimum
    /// interval, as a real keeper polling `checkUpkeep` would (the feed keeps publishing).
    function rebalanceAsKeeper(bool waitForInterval) external synced {
        uint256 next = vault.vaultState().nextKeeperRebalanceAt;
        if (waitForInterval && next > currentTime) {
            currentTime = next;
            vm.warp(currentTime);
            feed.updateAnswer(_answer());
        }
        _rebalance(address(this));
    }

    function rebalanceAsAnyone(uint256 actorSeed) external synced {
        _rebalance(_actor(actorSeed));
    }

    function togglePause() external synced {
        if (vault.paused()) vault.unpause();
        else vault.pause();
    }

    /// @notice On a market that fills later: the keeper or anyone rebalances and the round's order
    /// is left at the book, for the other actions to meet (deposits and exits while it waits, price
    /// and time moves, a liquidation); `finishRound` ends it.
    function rebalanceLeavingRoundPending(uint256 actorSeed, bool asKeeper) external synced {
        if (!_fillsLater()) return;
        _accrue();
        address caller = asKeeper ? address(this) : _actor(actorSeed);
        vm.prank(caller);
        try vault.rebalance() {
            if (_roundPending()) roundsLeftPending++;
        } catch {}
    }

    /// @notice On a market that fills later: the executor fills the vault's order at the first
    /// feed round after its minimum delay (`fill`; an order a later round already passed can only
    /// expire), or the order is left to expire; then anyone settles. A round whose order filled,
    /// was cancelled by the book or expired always settles.
    function finishRound(bool fill) external synced {
        if (!_fillsLater() || !_roundPending()) return;
        _completeRound(fill);
        _checkDebtCovered("a round's settlement", false);
    }

    function emergencyUnwind() external synced {
        bool roundWasPending = _roundPending();
        try vault.emergencyUnwind() {
            // During a round the guardian's close only pauses; its own close is a round to finish.
            if (roundWasPending) return;
            if (_roundPending() && !_completeRound(true)) return;
            // A close's settlement sells the spot within the slippage bound or keeps it (it never
            // reverts); with the spot market beyond the bound only the short must be closed.
            bool spotFills = venue.feeBps() + venue.adverseBps() < vault.strategy().maxSlippageBps;
            if (_fillsLater() && !spotFills) {
                if (market.sizeOf(address(adapter)) != 0)
                    _violate(emergencyUnwindIncomplete = true, "emergencyUnwind left the short open", 0, 0);
            } else if (
                weth.balanceOf(address(vault)) > 1e12 || // dust without a short is left alone
                market.sizeOf(address(adapter)) != 0 ||
                _perp().margin != 0 ||
                _perp().collateral > 1e12 // collateral dust stays posted (with any unit of debt it covers)
            ) _violate(emergencyUnwindIncomplete = true, "emergencyUnwind left a position", 0, 0);
            _checkDebtCovered("emergencyUnwind", false);
        } catch {}
    }

    function setFees(uint256 managementSeed, uint256 performanceSeed, bool on) external synced {
        uint16 management = on ? uint16(bound(managementSeed, 0, 200)) : 0;
        uint16 performance = on ? uint16(bound(performanceSeed, 0, 3_000)) : 0;
        try vault.setFees(management, performance, FEE_RECIPIENT) {} catch {}
    }

    // ---------------------------------------------------------------------------------------
    // Markets, time, outsiders
    // ---------------------------------------------------------------------------------------

    /// @notice The oracle moves by up to ±15%. NAV must move by exactly the book's delta times
    /// the move (`_checkConserved`): nothing else in it depends on the price.
    function movePrice(uint256 stepSeed) external synced {
        int256 step = int256(bound(stepSeed, 0, 2 * MAX_STEP_BPS)) - int256(MAX_STEP_BPS);
        int256 price = (_answer() * (int256(BPS) + step)) / int256(BPS);
        if (price < PRICE_MIN) price = PRICE_MIN;
        if (price > PRICE_MAX) price = PRICE_MAX;
        NavTerms memory pre = _navTerms();
        feed.updateAnswer(price);
        _checkConserved(pre, "price move");
    }

    /// @notice Time passes (up to 2 days) and a pending haircut change lands once due. NAV must
    /// move by exactly the funding the short accrued (`_checkConserved`).
    function warp(uint256 secondsSeed) external synced {
        NavTerms memory pre = _navTerms();
        currentTime += bound(secondsSeed, 1, 2 days);
        vm.warp(currentTime);
        // Keepers' world: the feed keeps publishing within its heartbeat.
        feed.updateAnswer(_answer());
        if (spotCollateral) {
            try market.applyParameter(ParamsLib.COLLATERAL_HAIRCUT_BPS) {} catch {} // none due: nothing
        }
        _checkConserved(pre, "time move");
    }

    /// @notice The perp venue raises its collateral haircut by up to one step (5 points), within
    /// its bounds (at most 50%); the change lands after the market's parameter delay (`warp`
    /// applies it). Every margin rule then counts the vault's collateral for less.
    function raiseHaircut(uint256 bpsSeed) external synced {
        uint256 current = market.collateralHaircutBps();
        uint256 target = Math.min(
            current + bound(bpsSeed, 1, ParamsLib.COLLATERAL_HAIRCUT_STEP_BPS),
            ParamsLib.MAX_COLLATERAL_HAIRCUT_BPS
        );
        if (target == current) return;
        vm.prank(market.owner());
        market.setParameter(ParamsLib.COLLATERAL_HAIRCUT_BPS, target);
        haircutRaises++;
    }

    /// @notice A trader moves their position on the perp market by up to ±300 ETH (within ±500
    /// ETH in total), topping up margin to 30% of the new notional: this creates skew, so funding.
    function trade(uint256 sizeSeed) external synced {
        int256 current = market.sizeOf(TRADER);
        int256 target = current + int256(bound(sizeSeed, 0, 600e18)) - 300e18;
        int256 cap = int256(MAX_TRADER_SIZE);
        if (target > cap) target = cap;
        if (target < -cap) target = -cap;
        int256 delta = target - current;
        if (delta == 0) return;
        uint256 notional = SignedMath.abs(target).mulDiv(uint256(_answer()), 1e20);
        int256 equity = market.positionOf(TRADER).equity;
        int256 wanted = int256(notional.mulDiv(3_000, BPS)) + 100e6;
        if (wanted > equity) {
            uint256 topUp = uint256(wanted - (equity > 0 ? equity : int256(0)));
            usdc.mint(TRADER, topUp);
            vm.startPrank(TRADER);
            usdc.approve(address(market), topUp);
            market.depositMargin(topUp);
            vm.stopPrank();
        }
        uint256 acceptablePrice = delta > 0 ? type(uint256).max : 0;
        if (!_fillsLater()) {
            vm.prank(TRADER);
            try market.modifyPosition(delta, acceptablePrice) {} catch {}
            return;
        }
        // Through the book: submitted, then filled at the first feed round after its minimum delay.
        if (orderBook.hasPendingOrder(TRADER)) return;
        vm.prank(TRADER);
        try orderBook.submitOrder(delta, acceptablePrice) {} catch {
            return;
        }
        _executeAtNextRound(TRADER);
    }

    /// @notice A liquidation bot: the trader or, with keepers down, the vault's own short.
    /// A liquidation of the vault's short while its book was inside its hard margin band (at or
    /// above the hard floor, which the bands keep well above the venue's maintenance margin) is a
    /// violation: the vault's own margin reading and the venue's would then disagree.
    function liquidate(bool vaultAccount) external synced {
        address account = vaultAccount ? address(adapter) : TRADER;
        bool insideHard = vaultAccount && _insideHardMarginBand();
        vm.prank(LIQUIDATOR);
        try market.liquidate(account) {
            if (!vaultAccount) return;
            liquidationsOfVault++;
            if (insideHard) _violate(liquidatedInsideHardBands = true, "liquidated inside the hard band", 0, 0);
        } catch {}
    }

    function donate(uint256 amountSeed, bool spotToken) external synced {
        if (spotToken) {
            uint256 amount = bound(amountSeed, 1, 5e18);
            weth.mint(address(vault), amount);
            donatedWeth += amount;
        } else {
            uint256 amount = bound(amountSeed, 1, 50_000e6);
            usdc.mint(address(vault), amount);
            donatedUsdc += amount;
        }
    }

    /// @notice The spot market drifts off the oracle by 0–60 bps (past 45 bps plus the 5 bps fee,
    /// the vault's 50 bps slippage bound rejects trades).
    function setSpotOffset(uint256 bpsSeed) external synced {
        venue.setAdverseBps(bound(bpsSeed, 0, 60));
    }

    /// @notice Rounding never favours the caller, for a fuzzed amount in the current state.
    function probeRounding(uint256 assets, uint256 shares) external synced {
        assets = bound(assets, 0, 1e15);
        shares = bound(shares, 0, 1e21);
        if (vault.convertToAssets(vault.convertToShares(assets)) > assets)
            _violate(roundingFavouredCaller = true, "assets->shares->assets grew", assets, 0);
        if (vault.convertToShares(vault.convertToAssets(shares)) > shares)
            _violate(roundingFavouredCaller = true, "shares->assets->shares grew", shares, 0);
        if (vault.previewRedeem(shares) > vault.convertToAssets(shares))
            _violate(roundingFavouredCaller = true, "previewRedeem > convertToAssets", shares, 0);
        if (vault.previewWithdraw(assets) < vault.convertToShares(assets))
            _violate(roundingFavouredCaller = true, "previewWithdraw < convertToShares", assets, 0);
        if (vault.previewDeposit(assets) > vault.convertToShares(assets))
            _violate(roundingFavouredCaller = true, "previewDeposit > convertToShares", assets, 0);
        if (vault.previewMint(shares) < vault.convertToAssets(shares))
            _violate(roundingFavouredCaller = true, "previewMint < convertToAssets", shares, 0);
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    struct ExitContext {
        bool wasPaused;
        bool insideHardBands;
        uint256 navPre;
        uint256 supplyPre;
        uint256 preview;
        uint256 slack;
        uint256 idlePre;
        bool beyondMax;
    }

    /// @dev One redeem (`byShares`) or withdraw by `caller` of `owner`'s position, with every
    /// per-call property recorded.
    function _exit(address caller, address owner, uint256 amount, bool byShares, bool fromIdle) internal {
        _accrue();
        ExitContext memory c;
        c.wasPaused = vault.paused();
        (c.navPre, c.supplyPre) = _books();
        c.idlePre = usdc.balanceOf(address(vault));
        c.preview = byShares ? vault.previewRedeem(amount) : vault.previewWithdraw(amount);
        // A SpotCollateral unwind leaves collateral worth up to twice the margin rule's cushion
        // posted when the rule holds it back (SpotCollateralTrading._freeCollateral, by design):
        // the leaver's proceeds lack it, so the last exit may leave that much behind too.
        c.slack = _premiumSlack() + (spotCollateral ? 2 * SpotCollateralMath.RULE_CUSHION_UNITS : 0);
        c.insideHardBands = _insideHardMarginBand();
        c.beyondMax = amount > (byShares ? vault.maxRedeem(owner) : vault.maxWithdraw(owner));
        exits++;
        if (c.wasPaused) pausedExits++;
        if (fromIdle) idleExits++;

        uint256 sharesBefore = vault.balanceOf(owner);
        (bool ok, uint256 paid, bytes memory err) = _callExit(caller, owner, amount, byShares);
        if (!ok) {
            exitReverts++;
            bytes4 sel = _selector(err);
            if (!_seenExit[sel]) {
                _seenExit[sel] = true;
                exitRevertSelectors.push(sel);
            }
            if (_selector(err) == Pausable.EnforcedPause.selector)
                _violate(pauseBlockedExit = true, "exit reverted with EnforcedPause", amount, 0);
            if (fromIdle) _violate(idleExitFailed = true, "idle-sized redeem reverted", amount, uint32(sel));
            if (
                sel == IDeltaNeutralVault.ExitBeyondIdle.selector ||
                sel == IDeltaNeutralVault.VenueOrderPending.selector
            ) {
                // A market that fills later pays exits from idle (beyond it: VenueOrderPending
                // while a round is pending, ExitBeyondIdle otherwise): only past the max exit.
                if (!c.beyondMax)
                    _violate(exitRevertedUnexpectedly = true, "ExitBeyondIdle within the max exit", amount, 0);
            } else if (sel == IDeltaNeutralVault.CollateralLocked.selector) {
                // The release loop frees a leaver's collateral in steps; inside its hard margin
                // band a book must always let it out.
                if (c.insideHardBands)
                    _violate(collateralLockedInsideHardBands = true, "CollateralLocked inside hard bands", amount, 0);
            } else if (!_expectedExitRevert(sel)) {
                _violate(exitRevertedUnexpectedly = true, "exit reverted unexpectedly, selector", uint32(sel), amount);
            }
            return;
        }
        _checkDebtCovered("exit", true);
        uint256 burned = sharesBefore - vault.balanceOf(owner);
        if (byShares ? paid < c.preview : burned > c.preview)
            _violate(previewNotConservative = true, "exit worse than its preview", paid, c.preview);
        withdrawn[owner] += paid;
        exitBookValue[owner] += burned.mulDiv(c.navPre + 1, c.supplyPre + VIRTUAL_SHARES, Math.Rounding.Ceil);
        _checkExitPrice(c, burned);
    }

    /// @dev Reasons an unwinding exit may legitimately revert: the spot venue is off the oracle
    /// by more than the slippage bound, or the perp venue's own margin rules refuse the trade or
    /// the withdrawal (an underwater short, a margin ratio under the initial margin, a pool in
    /// deficit). Anything else (a payout the vault cannot fund, a panic) is a vault bug.
    function _expectedExitRevert(bytes4 sel) internal pure returns (bool) {
        return
            sel == ISpotVenue.InsufficientOutput.selector ||
            sel == IPerpMarket.FillPriceOutOfBounds.selector ||
            sel == IPerpMarket.InsufficientMargin.selector ||
            sel == IPerpMarket.WithdrawalBelowInitialMargin.selector ||
            sel == IPerpMarket.PoolDeficit.selector;
    }

    /// @dev Redeems `amount` shares or withdraws `amount` assets of `owner` as `caller`, to the
    /// caller; returns the assets paid, or the revert data.
    function _callExit(
        address caller,
        address owner,
        uint256 amount,
        bool byShares
    ) internal returns (bool ok, uint256 paid, bytes memory err) {
        vm.prank(caller);
        if (byShares) {
            try vault.redeem(amount, caller, owner) returns (uint256 assets) {
                return (true, assets, "");
            } catch (bytes memory reason) {
                return (false, 0, reason);
            }
        }
        try vault.withdraw(amount, caller, owner) returns (uint256) {
            return (true, amount, "");
        } catch (bytes memory reason) {
            return (false, 0, reason);
        }
    }

    /// @dev After an exit the remaining holders' assets per share must not have fallen: the
    /// leaver pays their own unwind cost. Compared exactly by cross-multiplication. When the last
    /// share leaves, only the virtual shares' cut (plus one share of rounding and any skew
    /// premium the unwind earned over the oracle) may stay behind.
    function _checkExitPrice(ExitContext memory c, uint256 burned) internal {
        (uint256 navPost, uint256 supplyPost) = _books();
        if ((navPost + 1) * (c.supplyPre + VIRTUAL_SHARES) < (c.navPre + 1) * (supplyPost + VIRTUAL_SHARES))
            _violate(exitLoweredSharePrice = true, "exit lowered the share price", c.navPre, navPost);
        if (supplyPost == 0) {
            exitsToZeroSupply++;
            uint256 kept = burned == 0 ? 0 : (burned - 1).mulDiv(c.navPre + 1, c.supplyPre + VIRTUAL_SHARES);
            uint256 allowed = c.navPre + 2 - kept + c.slack;
            if (navPost > allowed) _violate(residualTooLarge = true, "last exit left value behind", navPost, allowed);
        }
    }

    function _rebalance(address caller) internal {
        _accrue();
        (IDeltaNeutralVault.Band bandPre, IDeltaNeutralVault.Tier tier, bool allowed) = vault.rebalanceGate(caller);
        // A margin or delta rescue only rescues: deploying idle is the next rebalance's job.
        bool rescue = bandPre == IDeltaNeutralVault.Band.MarginLow || bandPre == IDeltaNeutralVault.Band.Delta;
        bool wasPaused = vault.paused();
        (uint256 navPre, uint256 supplyPre) = _books();
        uint256 maxLoss = navPre.mulDiv(vault.strategy().maxRebalanceCostBps, BPS);
        // A spot market further off the oracle than the slippage bound fills no spot trade: the
        // rebalance then does only what needs no swap (margin moves, the short) and may leave the
        // other bands breached, or revert when that does not improve the breached band.
        bool spotFills = venue.feeBps() + venue.adverseBps() < vault.strategy().maxSlippageBps;

        bool ok = true;
        bytes memory err;
        if (caller != address(this)) vm.prank(caller);
        try vault.rebalance() {} catch (bytes memory reason) {
            ok = false;
            err = reason;
        }
        // On a market that fills later the round ends at its settlement, and its cost has three
        // bounds (README, two-phase rounds): the first phase's is maxRebalanceCostBps, the execution
        // fee aside; the perp fill's is the order's price bound (the same slippage setting) plus
        // the venue's taker fee; a settlement's trade is within the slippage bound, on a leg the
        // first phase did not trade.
        bool roundFilled = true;
        if (ok && _roundPending()) {
            maxLoss += orderBook.executionFee() + _fillCostBound(orderBook.orderOf(address(adapter)).sizeDelta);
            roundFilled = _completeRound(true);
        }
        if (!ok) {
            rebalanceReverts++;
            bytes4 sel = _selector(err);
            // With real money in the vault and venues inside the slippage bound, a rebalance the
            // gate allowed must restore the bands (liveness of the hard tier).
            if (sel == IDeltaNeutralVault.BandStillBreached.selector && navPre >= MIN_LIVE_NAV && spotFills)
                _violate(rebalanceCouldNotRestore = true, "rebalance could not restore the bands", navPre, 0);
            if (!_seenRebalance[sel]) {
                _seenRebalance[sel] = true;
                rebalanceRevertSelectors.push(sel);
            }
            return;
        }
        rebalances++;
        if (wasPaused) _violate(actedWhilePaused = true, "rebalance succeeded while paused", 0, 0);
        if (!allowed) _violate(gateBypassed = true, "rebalance succeeded past its gate", uint8(tier), 0);

        // A round whose order the book cancelled (its fill outside the bound) frees or deploys
        // nothing: it is measured by its cost only. A filled one's spot follows the short's fill
        // at settlement, so the short equals the spot only within the delta band (`checkBands`).
        if (roundFilled) _checkRebalancedBook(rescue, spotFills, !_fillsLater());
        (uint256 navPost, uint256 supplyPost) = _books();
        if (navPost + maxLoss < navPre)
            _violate(rebalanceCostExceeded = true, "rebalance lost > cost bound", navPre, navPost);
        // Fees were accrued just before, so the rebalance mints none: the share price moves with NAV.
        if (supplyPost != supplyPre)
            _violate(rebalanceCostExceeded = true, "rebalance minted shares", supplyPre, supplyPost);
    }

    /// @dev The book right after a successful rebalance: every band inside (`checkBands`; a rescue
    /// may leave the idle band breached), not liquidatable, the short equal to the spot owned
    /// (`checkHedge`), the debt covered.
    function _checkRebalancedBook(bool rescue, bool checkBands, bool checkHedge) internal {
        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        bool idleLeftByRescue = rescue && st.band == IDeltaNeutralVault.Band.Idle;
        if (st.band != IDeltaNeutralVault.Band.None && checkBands && !idleLeftByRescue)
            _violate(bandsBreachedAfterRebalance = true, "band breached after rebalance", uint8(st.band), 0);
        if (market.isLiquidatable(address(adapter)))
            _violate(liquidatableAfterRebalance = true, "liquidatable after rebalance", st.marginRatioBps, 0);
        uint256 spotQty = _spotQty(); // 18 decimals = perp size units
        int256 size = market.sizeOf(address(adapter));
        if (size > 0 || (uint256(-size) != spotQty && checkHedge))
            _violate(shortNotSpotAfterRebalance = true, "short != spot after rebalance", uint256(-size), spotQty);
        _checkDebtCovered("rebalance", false);
    }

    /// @dev Ends the round the vault has pending, as its executor and any settler would: its order
    /// fills at the first feed round after the minimum delay, at the same price (`fill`, unless a
    /// later round already passed it), or expires; then anyone settles, which must succeed.
    /// Returns whether the order filled (false: cancelled by the book, expired, or no round).
    function _completeRound(bool fill) internal returns (bool filled) {
        if (!_roundPending()) return false;
        address account = address(adapter);
        if (orderBook.hasPendingOrder(account)) {
            if (fill) filled = _executeAtNextRound(account);
            if (orderBook.hasPendingOrder(account)) {
                (, uint256 expiresAt) = orderBook.orderWindow(account);
                _passTimeTo(expiresAt, true);
            }
        } else {
            filled = true; // nothing left at the book: the round's order is in the books already
        }
        if (filled) roundsFilled++;
        else roundsNotFilled++;
        try vault.settleRound() {
            roundsSettled++;
        } catch (bytes memory err) {
            _violate(
                roundStuck = true,
                "settleRound reverted after its order left the book",
                uint32(_selector(err)),
                0
            );
            return false;
        }
        if (_roundPending()) _violate(roundStuck = true, "a round is still pending after its settlement", 0, 0);
    }

    /// @dev The executor fills `account`'s order at the feed's first round after its minimum delay
    /// (published at the same price if none came yet); an order a later round already passed cannot
    /// fill. Returns whether it filled (false: not executable, or cancelled by the book).
    function _executeAtNextRound(address account) internal returns (bool filled) {
        (uint256 executableAt, uint256 expiresAt) = orderBook.orderWindow(account);
        (, , , uint256 updatedAt, ) = feed.latestRoundData();
        if (currentTime >= expiresAt) return false;
        // The first round after the order fills it: publish one if none came yet, else wait for
        // the minimum delay without another round.
        bool roundCame = updatedAt > orderBook.orderOf(account).submittedAt;
        if (!roundCame || currentTime < executableAt) _passTimeTo(executableAt, !roundCame);
        vm.prank(EXECUTOR);
        try orderBook.executeOrder(account) returns (bool done, uint256) {
            return done;
        } catch {
            return false;
        }
    }

    /// @dev The clock moves to `time` (at least a second on) and, with `publish`, the feed publishes
    /// a round at the same price: NAV moves by the funding accrued alone (`_checkConserved`).
    function _passTimeTo(uint256 time, bool publish) internal {
        NavTerms memory pre = _navTerms();
        currentTime = Math.max(time, currentTime + 1);
        vm.warp(currentTime);
        if (publish) feed.updateAnswer(_answer());
        _checkConserved(pre, "round's wait");
    }

    /// @dev The most a perp order of `sizeDelta` may cost against the oracle: its acceptable price
    /// (maxSlippageBps off the oracle) and the venue's taker fee on its notional, plus a unit.
    function _fillCostBound(int256 sizeDelta) internal view returns (uint256) {
        uint256 notional = SignedMath.abs(sizeDelta).mulDiv(uint256(_answer()), 1e20, Math.Rounding.Ceil);
        uint256 bps = vault.strategy().maxSlippageBps + market.marketParams().takerFeeBps;
        return notional.mulDiv(bps, BPS, Math.Rounding.Ceil) + 1;
    }

    function _fillsLater() internal view returns (bool) {
        return address(orderBook) != address(0);
    }

    function _roundPending() internal view returns (bool) {
        return vault.pendingRound().submittedAt != 0;
    }

    /// @dev Accrues fees first so that every measured flow sees a settled supply (fees dilute all
    /// holders; the per-call properties are about the flow itself). Anyone may call accrueFees.
    function _accrue() internal {
        vault.accrueFees();
    }

    function _books() internal view returns (uint256 nav, uint256 supply) {
        return (vault.totalAssets(), vault.totalSupply());
    }

    function _perp() internal view returns (IPerpMarket.PositionView memory) {
        return market.positionOf(address(adapter));
    }

    /// @dev Spot the vault owns, size units: held, and posted at the venue as collateral.
    function _spotQty() internal view returns (uint256) {
        return weth.balanceOf(address(vault)) + _perp().collateral;
    }

    /// @dev The vault's margin ratio (the venue's, collateral at its haircut) is at or above its
    /// hard floor and at or below its hard ceiling, or there is no short.
    function _insideHardMarginBand() internal view returns (bool) {
        uint256 ratio = vault.vaultState().marginRatioBps;
        if (market.sizeOf(address(adapter)) == 0) return true;
        IDeltaNeutralVault.Bands memory b = vault.bands();
        return ratio >= b.minMarginRatioHardBps && ratio <= b.maxMarginRatioHardBps;
    }

    /// @dev After the vault's own action, its cash equity (a debt under a rallied short) plus the
    /// collateral at the venue's haircut is not negative: the vault never leaves a debt its
    /// collateral does not cover. An exit (`byExit`) need only not create or deepen one: the dust
    /// short a bank run leaves can go a unit under water as the price rises, with nobody acting,
    /// and a later exit paid from idle does not touch it (a round does: it posts margin first).
    function _checkDebtCovered(string memory after_, bool byExit) internal {
        int256 marginEquity = _perp().marginEquity;
        if (marginEquity < 0 && (!byExit || marginEquity < _marginEquityBefore))
            _violate(
                debtUncoveredAfterVaultAction = true,
                string.concat("debt beyond the collateral at the haircut after ", after_),
                uint256(-marginEquity),
                uint256(-SignedMath.min(_marginEquityBefore, 0))
            );
        _marginEquityBefore = marginEquity;
    }

    /// @notice What NAV consists of that a move may change: NAV itself, the book's delta (spot owned
    /// minus the short, size units), the short's accrued funding, the oracle answer; and whether
    /// the account is valued at its plain books (positive, and the pool pays every claim in full).
    struct NavTerms {
        uint256 nav;
        int256 delta;
        int256 funding;
        int256 answer;
        bool plain;
    }

    function _navTerms() internal view returns (NavTerms memory t) {
        IPerpMarket.PositionView memory p = _perp();
        uint256 spot = _spotQty();
        t.nav = vault.totalAssets();
        t.delta = int256(spot) + p.size;
        t.funding = p.accruedFunding;
        t.answer = _answer();
        // Spot dust with no short is valued at zero (an all-idle vault needs no oracle).
        bool dustOnly = p.size == 0 && spot != 0 && spot <= 1e12;
        bool positive = p.equity + int256(p.collateralValue) > 0 || (p.size == 0 && p.collateral == 0);
        t.plain = positive && !dustOnly && market.poolCash() >= market.openClaims();
    }

    /// @dev Across a move of the price or of time alone, NAV changes by exactly delta x the price
    /// change (WETH 18 dec x answer 8 dec -> USDC 6 dec: / 1e20) plus the funding accrued, within
    /// NAV_ROUNDING_UNITS. A delta-neutral book (short = spot) is therefore price-independent.
    /// Skipped when the account is not valued at its plain books (floored at zero, or the pool
    /// cutting claims: the venue's loss, not the vault's arithmetic).
    function _checkConserved(NavTerms memory pre, string memory what) internal {
        NavTerms memory post = _navTerms();
        if (!pre.plain || !post.plain) return;
        conservedMoves++;
        int256 expected =
            int256(pre.nav) + (pre.delta * (post.answer - pre.answer)) / 1e20 + (post.funding - pre.funding);
        int256 diff = int256(post.nav) - expected;
        if (SignedMath.abs(diff) > NAV_ROUNDING_UNITS)
            _violate(navNotConserved = true, string.concat("NAV not conserved across a ", what), pre.nav, post.nav);
    }

    /// @dev Upper bound on what buying back the whole short could earn over the oracle: the
    /// skew premium, at most notional * (|skew| + short) / skewScale, plus a unit of rounding.
    function _premiumSlack() internal view returns (uint256) {
        int256 size = market.sizeOf(address(adapter));
        if (size >= 0) return 1;
        uint256 shortSize = uint256(-size);
        uint256 notional = shortSize.mulDiv(uint256(_answer()), 1e20, Math.Rounding.Ceil);
        uint256 scale = market.marketParams().skewScale * 1e18;
        return notional.mulDiv(SignedMath.abs(market.skew()) + shortSize, scale, Math.Rounding.Ceil) + 1;
    }

    function _fund(address actor, uint256 assets) internal {
        usdc.mint(actor, assets);
        vm.prank(actor);
        usdc.approve(address(vault), assets);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _answer() internal view returns (int256) {
        (, int256 answer, , , ) = feed.latestRoundData();
        return answer;
    }

    function _selector(bytes memory ret) internal pure returns (bytes4 sel) {
        if (ret.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            sel := mload(add(ret, 32))
        }
    }

    /// @dev Keeps the first violation's description for the invariant's failure message. Callers
    /// set the ghost flag in the first argument (`flag = true`), so flag and message stay together.
    function _violate(bool, string memory what, uint256 a, uint256 b) internal {
        if (bytes(firstViolation).length == 0) {
            firstViolation = string.concat(what, " (", _toString(a), ", ", _toString(b), ")");
        }
    }

    function _toString(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory out = new bytes(78);
        uint256 i = 78;
        while (v != 0) {
            out[--i] = bytes1(uint8(48 + (v % 10)));
            v /= 10;
        }
        bytes memory trimmed = new bytes(78 - i);
        for (uint256 j = 0; j < trimmed.length; j++) trimmed[j] = out[i + j];
        return string(trimmed);
    }
}
