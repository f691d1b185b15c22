// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {VaultRoundStack} from "./VaultRoundStack.sol";

/// @notice A single two-phase round on a delayed PerpMarket, fuzzed: a random deposit, a random
/// price move and delay between the phases, the order executed (inside or outside its price bound)
/// or left to expire; then every holder's exit. Driven through `RoundHandler`, so each step's NAV
/// is explained and the round's cost bounded (see the handler); every ghost flag must stay clear.
abstract contract VaultRoundFuzz is VaultRoundStack {
    address internal constant ALICE = address(0xA11CE); // the handler's actor 0
    address internal constant BOB = address(0xB0B); // actor 1

    /// @notice One round: submitted, the price moved, executed after a delay or never; settled.
    /// NAV is conserved across every step within the handler's bounds, and the round leaves
    /// nothing pending.
    function testFuzz_singleRoundConservesValue(
        uint256 assets,
        uint256 moveSeed,
        uint256 delaySeed,
        uint256 fillMoveSeed,
        bool executed
    ) public {
        assets = bound(assets, 10_000e6, 1_000_000e6); // a round needs a book worth hedging
        rounds.deposit(0, assets);
        rounds.deposit(1, assets / 3);
        rounds.rebalanceAsKeeper(false);
        require(rounds.submits() == 1, "setup: no round submitted");
        rounds.settle(); // too early: must revert RoundOrderPending (a flag otherwise)
        if (executed) {
            rounds.execute(delaySeed, fillMoveSeed, delaySeed % 2 == 0);
        } else {
            rounds.movePrice(moveSeed); // a later round: the order can no longer fill
            rounds.warp(delaySeed); // up to 4 h: maybe past expiry, maybe not
        }
        rounds.settle();
        rounds.warp(3 hours); // now surely past expiry
        rounds.settle();
        require(vault.pendingRound().submittedAt == 0, "the round is still pending");
        require(rounds.settles() == 1, "settled other than once");
        _requireClean();
    }

    /// @notice Two holders (100,000 and 30,000 USDC), a filled round, ETH -5%; two keeper idle
    /// rounds let some value out each, then the guardian's close settles and both leave in full.
    function test_everyHolderLeavesAfterTheGuardiansClose() public {
        _deployTwoHolders();
        (bool ok, uint256 keeperRounds, string memory why) = _drain(2, true);
        require(ok, why);
        require(keeperRounds == 2, "the keeper's rounds did not run");
        _requireClean();
    }

    /// @notice FIXED (found by this suite): after the guardian's close on a delayed venue settled,
    /// nothing was deployed, yet every exit was still paid from idle less the execution fee: with
    /// 100,000 USDC in, 991,808,977,969 shares (1.000000 USDC) stayed with the last holder for good
    /// (maxRedeem 991,807). The fee is now reserved only while a short is open or ordered.
    function test_lastHolderTakesEverythingOnceClosed() public {
        rounds.deposit(0, 100_000e6);
        rounds.rebalanceAsKeeper(false);
        rounds.execute(0, 100, false);
        rounds.settle();
        _drain(0, true); // the guardian's close, executed and settled; Alice redeems her max
        require(vault.pendingRound().submittedAt == 0 && market.sizeOf(address(adapter)) == 0, "setup: not closed");
        require(vault.balanceOf(ALICE) == 0, "the last holder kept shares");
        require(usdc.balanceOf(address(vault)) <= 1, "more than rounding left in the vault");
    }

    /// @notice KNOWN LIMITATION, pinned (reported): on a venue that fills later every exit is paid
    /// from idle only, and the keeper's idle-breach round refills idle to the buffer only (5% of
    /// NAV). Holders who all want out therefore leave geometrically: after 8 rounds (8 x 300 s
    /// intervals, 8 execution fees) about 0.95^8 = 66% of the NAV is still locked, and a full exit
    /// never completes without the guardian's emergency close. Measured on the same deposits
    /// without the price move: 117,229 USDC left after the first exits, 111,369 after one idle
    /// round, 26,501 after 30: about -5% a round. Fails once idle rounds free what leavers
    /// ask for: update this pin then.
    function test_fullExitThroughIdleRoundsIsGeometric() public {
        _deployTwoHolders();
        (bool ok, , ) = _drain(8, false);
        uint256 left = vault.totalAssets();
        require(!ok, "everyone left through idle rounds: update this pin (and the report)");
        // 130,000 USDC in; after 8 rounds of ~5% each more than 60% is still in the vault.
        require(left > 78_000e6, "idle rounds freed more than 5% each: update this pin");
        _requireClean();
    }

    /// @notice FIXED (found by this suite's eventual-exit invariant at the CI's depth): a round's
    /// first-phase cost counted the order's execution fee against the cost bound, so a vault worth
    /// less than fee / bound (1 USDC / 50 bps = 200 USDC) could never submit a round again: Alice
    /// deposits 1,000 USDC, the keeper's round is submitted, she redeems all idle pays while it is
    /// pending, the round fills and settles around the rest, and every idle round after it
    /// reverted CostTooHigh (the campaign's: 3,505,312 before, 2,505,312 after, 17,526 allowed),
    /// so what she had left in positions was withdrawable by no one but the guardian. A round that
    /// reduces the short now pays the fee outside the bound (the venue's fixed price of an order),
    /// so the rounds that free value for her run; one that grows the short still pays it within.
    function test_smallVaultRoundsPayTheFeeToLetHoldersOut() public {
        rounds.deposit(0, 1_000e6);
        rounds.rebalanceAsKeeper(false);
        require(rounds.submits() == 1, "setup: no round submitted");
        rounds.redeem(0, 0); // her maxRedeem: what idle pays while the round is pending
        // Without the guardian: she is out (CashMargin: one round buys back the short the settle
        // left without spot), or three keeper rounds ran, each letting value out (the drain stops
        // at one that reverts or frees nothing), and she leaves geometrically (SpotCollateral).
        (bool ok, uint256 keeperRounds, string memory why) = _drain(3, false);
        bool threeRoundsRan = keeperRounds == 3 && keccak256(bytes(why)) == keccak256("drain: holders left");
        require(ok || threeRoundsRan, why);
        _requireClean();
    }

    /// @notice The attacker's side of the fee left outside the bound: in a small vault, Mallory
    /// (actor 0, 190 USDC beside Bob's 60) redeems all idle pays, which is a hard idle breach, and
    /// runs the round that refills idle herself, five times; whoever executes each order earns
    /// its 1 USDC fee, and every holder pays it pro rata. Bob loses at most his share of the
    /// fees (plus rounding): the fee is the only cost a price-neutral round adds, and the gate
    /// lets a stranger in only at the hard tier, which Mallory can reach only by leaving.
    /// Measured (NAV 250 USDC falling to 204, CashMargin; 197, SpotCollateral): Bob's 60.30 USDC
    /// fell to 58.91 (60.07 to 58.67), his share of the five fees being 1.47 (1.53). On a vault
    /// worth 200,000 USDC the same loop costs him his share of 5 USDC while Mallory moves 5% of
    /// NAV out each time (README, known limits: the round that refills idle for leavers is paid by
    /// every holder).
    function test_smallVaultFeeLoopCostsStayersTheirShareOfFees() public {
        rounds.deposit(1, 60e6); // Bob
        rounds.deposit(0, 190e6); // Mallory
        rounds.rebalanceAsKeeper(false);
        rounds.execute(0, 100, false);
        rounds.settle();
        uint256 bobBefore = vault.previewRedeem(vault.balanceOf(BOB));
        uint256 loops;
        for (; loops < 5; loops++) {
            rounds.redeem(0, 0); // Mallory's maxRedeem: idle down to the fee reserve
            uint256 submitted = rounds.submits();
            rounds.rebalanceAsAnyone(0);
            if (rounds.submits() == submitted) break; // no hard breach left to act on
            rounds.execute(0, 100, false);
            rounds.settle();
        }
        uint256 bobAfter = vault.previewRedeem(vault.balanceOf(BOB));
        uint256 bobShareOfFees = (loops * orderBook.executionFee() * vault.balanceOf(BOB)) / vault.totalSupply();
        require(loops == 5, "Mallory's loop stopped early");
        require(bobAfter + bobShareOfFees + 4 >= bobBefore, "Bob lost more than his share of the fees");
        _requireClean();
    }

    function _deployTwoHolders() internal {
        rounds.deposit(0, 100_000e6);
        rounds.deposit(1, 30_000e6);
        rounds.rebalanceAsKeeper(false);
        rounds.execute(0, 100, false); // move seed 100: the round at the same price
        rounds.settle();
        require(rounds.fills() == 1, "setup: not filled");
        rounds.movePrice(300); // bound(300, 0, 1600) - 800 = -5%
    }

    function _drain(uint256 keeperRounds, bool close) internal returns (bool, uint256, string memory) {
        vm.warp(rounds.currentTime());
        return exitProbe.drain(keeperRounds, close);
    }

    function _requireClean() internal view {
        string memory violation = rounds.firstViolation();
        require(bytes(violation).length == 0, violation);
    }
}

contract VaultRoundCashMarginFuzzTest is VaultRoundFuzz {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }
}

contract VaultRoundSpotCollateralFuzzTest is VaultRoundFuzz {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }
}

/// @notice A sequence the SpotCollateral round campaign reached (a failure of the suite's own
/// expiry warp, which moved the clock backwards), kept as a regression: the vault's order missed
/// its first round while 4 h passed, the trader queued one, the executor ran both; past expiry
/// anyone settles and nothing stays pending.
contract VaultRoundSpotCollateralScenarioTest is VaultRoundStack {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }

    function test_missedOrderExpiresAndSettles() public {
        rounds.mint(
            73096144341361562783695616815466383094301065345791366652507949313389497964578,
            350087868235068216635140044209040420681274624280158289073884710077022
        );
        rounds.rebalanceAsKeeper(false);
        require(rounds.submits() == 1, "setup: no round submitted");
        rounds.warp(1579324476263865778291148389794615130982998446707577901482);
        rounds.traderSubmit(48340024672573442808301994171957773206785301425700356358270);
        rounds.execute(24278, 19908, true);
        require(vault.pendingRound().submittedAt != 0, "setup: settled already");
        rounds.settle(); // 4 h after it, past the 3 h expiry: the settle takes the order back
        require(vault.pendingRound().submittedAt == 0, "still pending");
        require(rounds.expirySettles() == 1, "not settled by expiry");
        string memory violation = rounds.firstViolation();
        require(bytes(violation).length == 0, violation);
    }
}

/// @notice What the SpotCollateral round campaign found (invariant R5 and R4).
contract VaultRoundSpotCollateralFindingTest is VaultRoundStack {
    address internal constant CAROL = address(0xCA401); // the handler's actor 2

    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }

    /// @dev The campaign's sequence: Carol deposits 576,878 USDC, the keeper's round is filled,
    /// ETH falls 6.31% (the short's profit is cash margin at the venue), the round is settled and
    /// Carol redeems all idle pays (28,856 USDC): idle is 1 unit plus the 1 USDC fee reserve, an
    /// idle breach (Band.Idle, Tier.Soft). Then one keeper idle round, executed and settled.
    function _idleRoundAfterADrop() internal {
        rounds.deposit(58625, 10572756449770625818089493097343088446499304353701212380126309931963677229851);
        rounds.rebalanceAsKeeper(false);
        rounds.execute(1710629475897590410820151882, 2430544256397821326243136319227659876392290684234461855395, false);
        rounds.movePrice(222708); // 222708 % 1601 - 800 = -631 bps
        vm.warp(rounds.currentTime());
        exitProbe.drain(0, false); // settle, Carol redeems her maxRedeem
        require(usdc.balanceOf(address(vault)) == 2_000_001, "setup: idle is not the fee reserve + 1");
        exitProbe.drain(1, false); // one keeper idle round, executed and settled
    }

    /// @notice FIXED (found by this suite): the idle-breach round of a SpotCollateral vault on a
    /// delayed venue, after a price drop, did not refill idle: it spent the short's cash profit and
    /// the 1 USDC execution-fee reserve on more spot (182.67 -> 185.12 ETH), leaving the vault 1
    /// unit of USDC; Carol's 550,755 USDC were withdrawable by no one (maxRedeem 0) and the
    /// guardian's emergencyUnwind reverted ERC20InsufficientBalance(vault, 1, 1000000). An Idle
    /// round's grow now brings idle up to its target from the cash equity before it buys.
    function test_idleRoundRefillsIdle() public {
        _idleRoundAfterADrop();
        // The round refilled idle (the drain's leavers may have taken part of it since) and kept the
        // fee for the next round.
        require(usdc.balanceOf(address(vault)) >= orderBook.executionFee(), "the fee reserve was spent");
        // The guardian's close can pay the venue's fee, and Carol leaves.
        (bool out, , ) = exitProbe.drain(0, true);
        require(out, "the close did not let Carol out");
    }
}

/// @notice What the CashMargin round campaign found (invariant R5).
contract VaultRoundCashMarginFindingTest is VaultRoundStack {
    address internal constant ALICE = address(0xA11CE); // the handler's actor 0

    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }

    /// @notice FIXED (R5 on another campaign path; the seeds are the campaign's). Alice deposits
    /// 3,017 USDC; a stranger's round orders a 0.637 ETH short, which fills; Alice withdraws all
    /// idle pays before the settle, so the settle can buy only 0.0063 ETH of spot and the book is
    /// net short; the delta round buys the short back to the spot. After her exits 30.5 USDC
    /// stay: no idle, 0.0063 ETH of spot and of short, 9.45 USDC of margin, a hard idle-low
    /// breach. The keeper's idle round used to succeed and free nothing: its plan split the books
    /// with the two-fee execution reserve (2 USDC, 6.5% of this book) counted as idle, and its
    /// progress check measured only idle above the buffer. With those fixed (the plan splits the
    /// books less the reserve, an idle round must raise an idle under half its buffer), three
    /// rounds let 1.0 USDC out to her and paid 3 fees of 1 USDC: a book whose buffer is worth no
    /// more than the reserve is not worth its rounds, and now makes no idle breach. The
    /// guardian's close is her exit.
    function test_bookTooSmallForItsRoundsLeavesByTheClose() public {
        rounds.deposit(192603748940175986368644992815539712200737602905, 3017275064);
        rounds.rebalanceAsAnyone(1989);
        rounds.execute(112374919623388131929946488, 561851906518676, true);
        rounds.withdraw(
            2412292620473866115105742911297269343867006454161028357730524,
            139812568442691331534440231758640357573710661043595752278991976156,
            false
        );
        rounds.settle();
        rounds.rebalanceAsAnyone(4107);
        rounds.execute(
            1445503624010250499380312935950031658129159,
            3366295442461375418779125559935698979875868307015746294,
            true
        );
        vm.warp(rounds.currentTime());
        (bool out, uint256 keeperRounds, string memory why) = exitProbe.drain(3, false);
        require(!out && keeperRounds == 0 && vault.vaultState().band == IDeltaNeutralVault.Band.None, "a round ran");
        // 30.5 USDC stay; idle pays her a unit of rounding at most.
        require(vault.previewRedeem(vault.maxRedeem(ALICE)) <= 1 && vault.totalAssets() > 30e6, "Alice got out");
        (out, , why) = exitProbe.drain(0, true); // the guardian's close
        require(out, why);
    }
}
