// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";
import {IPerpVenue} from "../interfaces/IPerpVenue.sol";
import {ISpotVenue} from "../interfaces/ISpotVenue.sol";
import {OracleLib} from "../libraries/OracleLib.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {VaultBands} from "./VaultBands.sol";

/// @title VaultTrading
/// @notice How the vault trades: it carries out VaultMath's rebalance plan, a leaver's pro-rata
/// unwind and the guardian's full close on the venues. Every spot trade is bounded by the oracle
/// price and the slippage setting, every perp fill by the venue's own index (the snapshot's
/// `perpPrice`: with an asset feed the two differ by the asset's depeg).
/// @dev A linked library (public functions, run by DELEGATECALL): the code runs as the vault,
/// with the vault's balances, approvals and reentrancy lock, but lives outside the vault's
/// 24,576-byte limit. Only the vault calls it; it holds no state of its own.
library VaultTrading {
    /// @notice How many times a rebalance halves a spot trade the pool cannot fill within the
    /// oracle bound before it skips the trade (the smallest try is 1/32 of the plan).
    uint256 internal constant MAX_HALVINGS = 5;

    /// @notice The vault's tokens and venues (its immutables).
    struct Venues {
        IERC20 asset;
        IERC20 spot;
        ISpotVenue spotVenue;
        IPerpVenue perpVenue;
        /// Perp size units (18 decimals) per spot token unit.
        uint256 sizePerSpotUnit;
        uint8 assetDecimals;
    }

    /// @notice A perp order an asynchronous venue only queued: the round stops after submitting it,
    /// and the vault records what its settlement needs (IDeltaNeutralVault.PendingRound).
    struct Queued {
        bool queued;
        bool increasesShort;
        uint256 shortTarget;
        uint256 marginTarget;
    }

    /// @notice Carries out the plan of a rebalance of `band` (VaultMath.planInput, planSpot, then
    /// planHedge from the spot actually held). Each step keeps within the venue's margin rules:
    /// margin is freed only beyond what the target short needs, added before the short grows, and
    /// the last excess freed only after it shrinks. The spot trade may fill in part (see `trade`);
    /// the short then follows what filled. On a venue that fills later the perp leg goes first
    /// (`_submitHedgeFirst`) and the spot follows the fill at settlement.
    function carryOut(
        Venues memory v,
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Strategy memory strat,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Band band
    ) public returns (Queued memory q) {
        VaultMath.PlanInput memory p = VaultMath.planInput(strat, b, band, v.assetDecimals, s.haircutBps);
        p.feeReserve = v.asset.balanceOf(address(this)) - s.idle;
        VaultMath.SpotPlan memory spot = VaultMath.planSpot(s, p);
        if (v.perpVenue.fillsLater()) {
            q = _submitHedgeFirst(v, s, p, spot, _capLeverageBps(b, strat, p.slippageBps));
            if (q.queued) return q;
        }
        if (spot.marginOut != 0) v.perpVenue.withdrawMargin(spot.marginOut, address(this));
        if (spot.marginIn != 0) v.perpVenue.depositMargin(spot.marginIn);
        if (spot.buyAssets != 0) trade(v, false, spot.buyAssets, s.price, p.slippageBps, true);
        else trade(v, true, spot.sellQty / v.sizePerSpotUnit, s.price, p.slippageBps, true);

        uint256 equity = VaultMath.equityOrZero(s) - spot.marginOut + spot.marginIn;
        VaultMath.HedgePlan memory hedge = VaultMath.planHedge(
            v.spot.balanceOf(address(this)) * v.sizePerSpotUnit,
            s.shortQty,
            equity,
            _cashForPlans(v),
            s.perpPrice,
            p
        );
        if (v.perpVenue.fillsLater())
            _capToMargin(v, hedge, equity, s.shortQty, s.perpPrice, _capLeverageBps(b, strat, p.slippageBps));
        if (hedge.marginIn != 0) v.perpVenue.depositMargin(hedge.marginIn);
        if (hedge.shortIncrease != 0) {
            (bool filled, ) = v.perpVenue.increaseShort(
                hedge.shortIncrease,
                VaultMath.lessBps(s.perpPrice, p.slippageBps)
            );
            if (!filled) return Queued(true, true, s.shortQty + hedge.shortIncrease, hedge.marginTarget);
        } else if (hedge.shortDecrease != 0) {
            if (!decreaseShort(v, hedge.shortDecrease, s.perpPrice, p.slippageBps)) {
                return Queued(true, false, s.shortQty - hedge.shortDecrease, hedge.marginTarget);
            }
        }
        if (equity > hedge.marginTarget) freeMarginAbove(v, hedge.marginTarget);
    }

    /// @notice The first phase on a venue that fills later: the plan's margin moves and the perp
    /// order for the spot the plan would hold, with no spot traded yet, so the book stays hedged
    /// while the order waits (a spot trade first would leave it open to the price for the whole
    /// delay). Settlement trades the spot to the short that filled. A plan that moves no short
    /// changes nothing here (`q.queued` false): it runs as on a synchronous venue.
    function _submitHedgeFirst(
        Venues memory v,
        VaultMath.Snapshot memory s,
        VaultMath.PlanInput memory p,
        VaultMath.SpotPlan memory spot,
        uint256 capLeverageBps
    ) private returns (Queued memory q) {
        VaultMath.HedgePlan memory hedge = _hedgeFirstPlan(v, s, p, spot);
        uint256 planned = hedge.shortIncrease;
        uint256 equity = VaultMath.equityOrZero(s) - spot.marginOut + spot.marginIn;
        _capToMargin(v, hedge, equity, s.shortQty, s.perpPrice, capLeverageBps);
        // No spot is bought for a short the margin cannot carry (the synchronous path below would
        // buy it before the short, and leave it unhedged).
        if (hedge.shortIncrease < planned) spot.buyAssets = 0;
        // Sizes below a spot unit cannot be traded back at settlement: nothing to hedge first.
        if (hedge.shortIncrease < v.sizePerSpotUnit && hedge.shortDecrease < v.sizePerSpotUnit) return q;
        // A plan that sells spot and grows the short (spot left unhedged, as after a liquidation)
        // needs the sale's cash as the new short's margin: ordered first, the short would find
        // only idle posted and fail the venue's initial margin at every fill. Selling first only
        // lowers the unhedged long, so it runs spot first, as on a synchronous venue (which
        // queues the short after the sale).
        if (spot.sellQty != 0 && hedge.shortIncrease != 0) return q;
        if (spot.marginOut != 0) v.perpVenue.withdrawMargin(spot.marginOut, address(this));
        if (spot.marginIn + hedge.marginIn != 0) v.perpVenue.depositMargin(spot.marginIn + hedge.marginIn);
        // Queued whatever the venue answers: one that filled at once is settled in the next call.
        if (hedge.shortIncrease != 0) {
            v.perpVenue.increaseShort(hedge.shortIncrease, VaultMath.lessBps(s.perpPrice, p.slippageBps));
            return Queued(true, true, s.shortQty + hedge.shortIncrease, hedge.marginTarget);
        }
        decreaseShort(v, hedge.shortDecrease, s.perpPrice, p.slippageBps);
        return Queued(true, false, s.shortQty - hedge.shortDecrease, hedge.marginTarget);
    }

    /// @notice The cash a plan may spend: on a venue that fills later, all but the execution-fee
    /// reserve (FEE_RESERVE_ORDERS), which pays for this round's order and the next.
    function _cashForPlans(Venues memory v) private view returns (uint256 cash) {
        cash = v.asset.balanceOf(address(this));
        if (v.perpVenue.fillsLater()) cash -= Math.min(cash, FEE_RESERVE_ORDERS * v.perpVenue.orderExecutionFee());
    }

    /// @notice The leverage `_capToMargin` caps a short at: the one that leaves the margin ratio
    /// half the target's clearance (VaultMath.TARGET_CLEARANCE_BPS) above the soft floor after the
    /// fill's worst cost (VaultMath.buyBackCostBps), or the strategy's target leverage where that
    /// is higher. Capped at the target leverage (2x on the default bands), a rescue that cannot
    /// sell its unhedged spot ordered a fifth less short than its margin safely carries (2.53x);
    /// capped on the floor itself (2.70x), a rally of 2.5% while the order waited breached the
    /// floor again, and on bands set close to the venue's initial margin one of about 1.3% failed
    /// the fill (InsufficientMargin) while the order blocked rounds until it expired.
    function _capLeverageBps(
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Strategy memory strat,
        uint256 slippageBps
    ) private pure returns (uint256) {
        uint256 floorRatioBps =
            b.minMarginRatioSoftBps + VaultMath.buyBackCostBps(slippageBps) + VaultMath.TARGET_CLEARANCE_BPS / 2;
        return Math.max(strat.targetLeverageBps, (VaultMath.BPS * VaultMath.BPS) / floorRatioBps);
    }

    /// @notice When the round cannot post the margin its short needs (`equity` and the plan's
    /// top-up under `hedge.marginTarget`), caps the short `hedge` grows to what that margin
    /// carries at `leverageBps` (`_capLeverageBps`), which the bands keep above the venue's
    /// initial margin (VaultParams.checkBands). On a venue that fills later a short the margin
    /// cannot carry is refused at its fill, round after round (each paying an execution fee), as
    /// when a liquidation left the spot unhedged and the spot market is too far off the oracle to
    /// sell it: the capped short hedges what it can, and the next round grows it further. A round
    /// that posts its target margin is never capped.
    function _capToMargin(
        Venues memory v,
        VaultMath.HedgePlan memory hedge,
        uint256 equity,
        uint256 shortQty,
        uint256 perpPrice,
        uint256 leverageBps
    ) private pure {
        uint256 margin = equity + hedge.marginIn;
        if (hedge.shortIncrease == 0 || margin >= hedge.marginTarget) return;
        uint256 carried = Math.mulDiv(margin, leverageBps, VaultMath.BPS);
        uint256 maxShort = OracleLib.quoteToBaseDown(carried, perpPrice, 18, v.assetDecimals);
        if (shortQty + hedge.shortIncrease > maxShort)
            hedge.shortIncrease = maxShort > shortQty ? maxShort - shortQty : 0;
    }

    /// @notice The hedge for the spot the plan's trade would leave, as the pool would fill it now
    /// within the bound (halved as `trade` would): the short is ordered for the spot settlement
    /// can actually buy or sell.
    function _hedgeFirstPlan(
        Venues memory v,
        VaultMath.Snapshot memory s,
        VaultMath.PlanInput memory p,
        VaultMath.SpotPlan memory spot
    ) private returns (VaultMath.HedgePlan memory) {
        (uint256 spend, uint256 bought) = fillable(v, false, spot.buyAssets, s.price, p.slippageBps);
        (uint256 sold, ) = fillable(v, true, spot.sellQty / v.sizePerSpotUnit, s.price, p.slippageBps);
        return
            VaultMath.planHedge(
                s.spotQty + bought * v.sizePerSpotUnit - sold * v.sizePerSpotUnit,
                s.shortQty,
                VaultMath.equityOrZero(s) - spot.marginOut + spot.marginIn,
                // Idle as the books count it (less a venue's execution-fee reserve).
                s.idle + spot.marginOut - spot.marginIn - spend,
                s.perpPrice,
                p
            );
    }

    /// @notice The part of `amountIn` the pool fills now within the oracle bound (the venue's
    /// quote), halved up to MAX_HALVINGS times as `trade` would, and what it would deliver; zero
    /// when even the smallest part does not fit. On a synchronous venue a quote that reverts (a
    /// quoter misconfigured or down) is taken to fill all of it at the bound: the trade that
    /// follows in the same transaction still halves what the pool refuses, or reverts the round
    /// with it, so a failed quote costs a plan its cut, never the round. On a venue that fills
    /// later the quote's revert reverts the round: the short would be ordered for a trade that only
    /// settlement attempts, and a spot market that is down would leave it unhedged.
    function fillable(
        Venues memory v,
        bool sell,
        uint256 amountIn,
        uint256 price,
        uint256 slippageBps
    ) internal returns (uint256 amount, uint256 out) {
        (address tokenIn, address tokenOut) = sell
            ? (address(v.spot), address(v.asset))
            : (address(v.asset), address(v.spot));
        for (uint256 attempt; amountIn != 0 && attempt <= MAX_HALVINGS; ++attempt) {
            uint256 fairOut =
                sell
                    ? OracleLib.baseToQuoteDown(amountIn * v.sizePerSpotUnit, price, 18, v.assetDecimals)
                    : OracleLib.quoteToBaseDown(amountIn, price, 18, v.assetDecimals) / v.sizePerSpotUnit;
            uint256 minOut = VaultMath.lessBps(fairOut, slippageBps);
            try v.spotVenue.quoteExactIn(tokenIn, tokenOut, amountIn) returns (uint256 quoted) {
                if (quoted >= minOut) return (amountIn, quoted);
            } catch (bytes memory reason) {
                if (v.perpVenue.fillsLater()) _bubble(reason);
                return (amountIn, minOut);
            }
            amountIn /= 2;
        }
    }

    /// @notice The second phase of a round whose order left the venue's book (see
    /// IDeltaNeutralVault.settleRound), on the books `s` now: a filled rebalance trades the spot
    /// to the short that filled and brings the margin to its target, a filled close sells the spot (what the pool takes within the bound) and
    /// withdraws all the margin. An order that did not fill frees nothing (but margin posted for a short that never opened): the margin stays with
    /// the short that is still open. A withdrawal the venue refuses (its margin rule at a price
    /// that moved since the plan) leaves the margin for the next round: a settle never sticks.
    /// Last, the fee reserve is refilled from the margin (`keepFeeReserve`).
    function settle(
        Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 slippageBps,
        IDeltaNeutralVault.PendingRound storage round,
        bool filled
    ) public {
        _settleBooks(v, s, slippageBps, round, filled);
        keepFeeReserve(v);
    }

    /// @notice How many orders' execution fees a vault on a venue that fills later keeps in cash
    /// while a position is open or ordered (the next round's and the one after, which refills
    /// idle if the next spent it; DeltaNeutralVault._snapshot keeps them out of idle).
    uint256 internal constant FEE_RESERVE_ORDERS = 2;

    /// @notice Keeps the two execution fees the vault reserves for its next rounds (see
    /// DeltaNeutralVault._snapshot) in cash, taking what is missing from the margin if the venue
    /// lets it go. An order the venue cancels (outside its price bound) pays its fee to the
    /// executor and frees nothing, so two in a row used to leave the vault no cash for the next
    /// order while its band stayed breached: every round reverted until a deposit came.
    function keepFeeReserve(Venues memory v) internal {
        uint256 reserve = FEE_RESERVE_ORDERS * v.perpVenue.orderExecutionFee();
        uint256 cash = v.asset.balanceOf(address(this));
        if (cash < reserve) {
            try v.perpVenue.withdrawMargin(reserve - cash, address(this)) {} catch {} // solhint-disable-line no-empty-blocks
        }
    }

    function _settleBooks(
        Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 slippageBps,
        IDeltaNeutralVault.PendingRound storage round,
        bool filled
    ) private {
        if (!filled) {
            // Margin posted for a short that never opened has nothing to back: back to idle.
            if (s.shortQty == 0) _withdrawAllMargin(v);
            return;
        }
        if (round.emergencyClose) {
            trade(v, true, s.spotQty / v.sizePerSpotUnit, s.price, slippageBps, true);
            _withdrawAllMargin(v);
            return;
        }
        // The spot follows the short that filled (what the pool takes within the bound), paid
        // from idle as the books count it (the venue's execution-fee reserve stays).
        uint256 reserve = v.asset.balanceOf(address(this)) - s.idle;
        if (s.shortQty > s.spotQty) {
            uint256 cost = OracleLib.baseToQuoteUp(s.shortQty - s.spotQty, s.price, 18, v.assetDecimals);
            trade(v, false, Math.min(cost, s.idle), s.price, slippageBps, true);
        } else if (s.spotQty > s.shortQty) {
            trade(v, true, (s.spotQty - s.shortQty) / v.sizePerSpotUnit, s.price, slippageBps, true);
        }
        // Then the margin goes to its target: the excess freed, a shortfall (a rescue's sale
        // arrives only now) topped up from idle.
        uint256 equityNow = VaultMath.positivePart(v.perpVenue.equity());
        uint256 target = round.marginTarget;
        if (equityNow > target) {
            // solhint-disable-next-line no-empty-blocks
            try v.perpVenue.withdrawMargin(equityNow - target, address(this)) {} catch {}
        } else if (equityNow < target) {
            uint256 topUp = Math.min(target - equityNow, v.asset.balanceOf(address(this)) - reserve);
            if (topUp != 0) v.perpVenue.depositMargin(topUp);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Two-phase rounds (IDeltaNeutralVault.settleRound). The vault's PendingRound is read and
    // written here, through a storage pointer, to keep its packing out of the vault's code.
    // ---------------------------------------------------------------------------------------

    /// @notice Records the round whose order `perpVenue` queued, after checking its first phase's
    /// cost: what the books lost is at most `maxCostBps` of `navBefore` (the order's own price
    /// bound bounds the rest), not counting the order's execution fee when the order reduces the
    /// short. The fee is the venue's fixed price of an order (paid to whoever executes it,
    /// refunded on expiry), not a trading loss the bound scales: counted in, it exceeds the bound
    /// of a vault under fee / bound (200 USDC at a 1 USDC fee and 50 bps), which then could never
    /// free value for its leavers again. A round that grows the short still pays it within the
    /// bound, so a vault too small to pay for its hedge stays in idle.
    /// @param band The breached band; `None` for the guardian's close, which has no cost bound.
    function submitRound(
        IDeltaNeutralVault.PendingRound storage round,
        IPerpVenue perpVenue,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Tier tier,
        uint256 maxCostBps,
        uint256 navBefore,
        uint256 navAfter,
        Queued memory q
    ) public {
        bool emergencyClose = band == IDeltaNeutralVault.Band.None;
        if (!emergencyClose) {
            uint256 feeOutsideBound = q.increasesShort ? 0 : perpVenue.orderExecutionFee();
            VaultBands.checkCost(navBefore, navAfter + feeOutsideBound, maxCostBps);
        }
        round.submittedAt = uint64(block.timestamp);
        round.band = band;
        round.tier = tier;
        round.increasesShort = q.increasesShort;
        round.emergencyClose = emergencyClose;
        round.totalAssetsBefore = navBefore;
        round.shortTarget = q.shortTarget;
        round.marginTarget = q.marginTarget;
        emit IDeltaNeutralVault.RoundSubmitted(
            msg.sender,
            band,
            tier,
            emergencyClose,
            navBefore,
            navAfter,
            q.shortTarget
        );
    }

    /// @notice Whether the pending round can be settled now: its order left the venue's book, or
    /// expired there. False with no round pending.
    function roundSettleable(
        IDeltaNeutralVault.PendingRound storage round,
        IPerpVenue venue
    ) public view returns (bool) {
        if (round.submittedAt == 0) return false;
        IPerpVenue.PendingOrder memory order = venue.pendingOrder();
        return !order.pending || block.timestamp >= order.expiresAt;
    }

    /// @notice Opens the settlement of the pending round: takes back its order when it expired
    /// (the fee is refunded to the vault). Reverts NoPendingRound, or RoundOrderPending while the
    /// order may still execute.
    /// @return expiredOrderCancelled Whether an expired order was taken back.
    function openSettlement(
        IDeltaNeutralVault.PendingRound storage round,
        IPerpVenue venue
    ) public returns (bool expiredOrderCancelled) {
        if (round.submittedAt == 0) revert IDeltaNeutralVault.NoPendingRound();
        IPerpVenue.PendingOrder memory order = venue.pendingOrder();
        if (!order.pending) return false;
        if (block.timestamp < order.expiresAt) revert IDeltaNeutralVault.RoundOrderPending(order.expiresAt);
        venue.cancelOrder();
        return true;
    }

    /// @notice Closes the settlement: reports it (and, for a filled rebalance, the Rebalanced the
    /// round stands for, priced from before its first phase) on the books `after_`, and clears the
    /// round.
    function closeSettlement(
        IDeltaNeutralVault.PendingRound storage round,
        bool orderFilled,
        bool expiredOrderCancelled,
        VaultMath.Snapshot memory after_
    ) public {
        uint256 navBefore = round.totalAssetsBefore;
        emit IDeltaNeutralVault.RoundSettled(
            msg.sender,
            orderFilled,
            expiredOrderCancelled,
            navBefore,
            after_.totalAssets
        );
        if (orderFilled && !round.emergencyClose) {
            emit IDeltaNeutralVault.Rebalanced(
                msg.sender,
                round.band,
                round.tier,
                navBefore,
                after_.totalAssets,
                after_.spotQty,
                after_.shortQty,
                VaultMath.equityOrZero(after_)
            );
        }
        delete round.submittedAt;
        delete round.band;
        delete round.tier;
        delete round.increasesShort;
        delete round.emergencyClose;
        delete round.totalAssetsBefore;
        delete round.shortTarget;
        delete round.marginTarget;
    }

    /// @notice Sells `fractionWad` of the spot, buys back the same share of the short and frees
    /// the leaver's share of the perp equity. The whole trade or nothing: a leaver's unwind never
    /// fills in part.
    function unwind(
        Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 fractionWad,
        uint256 slippageBps
    ) public returns (uint256 spotUnits, uint256 shortReduce, uint256 marginOut) {
        uint256 spotHeld = s.spotQty / v.sizePerSpotUnit;
        // Rounded up so the proceeds cover what the leaver is owed; capped at what is held.
        spotUnits = Math.min(Math.mulDiv(spotHeld, fractionWad, VaultMath.WAD, Math.Rounding.Ceil), spotHeld);
        shortReduce = Math.min(Math.mulDiv(s.shortQty, fractionWad, VaultMath.WAD, Math.Rounding.Ceil), s.shortQty);
        // The stayers keep their share of the perp equity, rounded in their favour; the leaver's
        // proceeds carry the buy-back's cost. (A skew-premium gain lands in idle, and with the
        // cost floored at zero it stays with the stayers.)
        uint256 stayersEquity = Math.mulDiv(
            VaultMath.equityOrZero(s),
            VaultMath.WAD - fractionWad,
            VaultMath.WAD,
            Math.Rounding.Ceil
        );
        trade(v, true, spotUnits, s.price, slippageBps, false);
        if (shortReduce != 0) decreaseShortNow(v, shortReduce, s.perpPrice, slippageBps);
        uint256 equityNow = VaultMath.positivePart(v.perpVenue.equity());
        marginOut = equityNow > stayersEquity ? equityNow - stayersEquity : 0;
        if (marginOut != 0) v.perpVenue.withdrawMargin(marginOut, address(this));
    }

    /// @notice Closes the short, sells all spot and withdraws all margin (the guardian's emergency
    /// unwind). Spot dust without a short is left alone (unpriced, too small to swap). On a venue
    /// that only queues the close, the spot stays held, hedged by the short until it fills, and is
    /// sold at settlement with the margin withdrawn.
    function closeAll(
        Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 slippageBps
    ) public returns (Queued memory q) {
        if (s.shortQty != 0 && !decreaseShort(v, s.shortQty, s.perpPrice, slippageBps)) {
            return Queued(true, false, 0, 0);
        }
        if (s.price != 0) trade(v, true, s.spotQty / v.sizePerSpotUnit, s.price, slippageBps, false);
        _withdrawAllMargin(v);
    }

    /// @notice Withdraws the equity above `target` (positive part) from the venue.
    function freeMarginAbove(Venues memory v, uint256 target) internal {
        uint256 equityNow = VaultMath.positivePart(v.perpVenue.equity());
        if (equityNow > target) v.perpVenue.withdrawMargin(equityNow - target, address(this));
    }

    /// @notice Withdraws all the settled margin. A venue that refuses to pay margin out (e.g. its
    /// pool in deficit) must not stop the guardian from closing the positions: the margin stays
    /// claimable on the venue.
    function _withdrawAllMargin(Venues memory v) internal {
        uint256 margin = v.perpVenue.position().margin;
        if (margin != 0) {
            try v.perpVenue.withdrawMargin(margin, address(this)) {} catch {} // solhint-disable-line no-empty-blocks
        }
    }

    /// @notice Swaps `amountIn` (spot units when selling, assets when buying) for at least its
    /// oracle value less `slippageBps`, and checks what actually arrived (the venue enforces the
    /// minimum too, but the vault does not take its word for it). With `partialFill` a swap the
    /// pool cannot fill within the bound (the venue's InsufficientOutput) is retried at half the
    /// size, up to MAX_HALVINGS times, then skipped: a rebalance trades what its bound allows.
    /// Any other failure reverts the whole flow.
    function trade(
        Venues memory v,
        bool sell,
        uint256 amountIn,
        uint256 price,
        uint256 slippageBps,
        bool partialFill
    ) internal {
        (IERC20 tokenIn, IERC20 tokenOut) = sell ? (v.spot, v.asset) : (v.asset, v.spot);
        uint256 before = tokenOut.balanceOf(address(this));
        for (uint256 attempt; amountIn != 0; ++attempt) {
            uint256 fairOut =
                sell
                    ? OracleLib.baseToQuoteDown(amountIn * v.sizePerSpotUnit, price, 18, v.assetDecimals)
                    : OracleLib.quoteToBaseDown(amountIn, price, 18, v.assetDecimals) / v.sizePerSpotUnit;
            uint256 minOut = VaultMath.lessBps(fairOut, slippageBps);
            try v.spotVenue.swapExactIn(address(tokenIn), address(tokenOut), amountIn, minOut, address(this)) {
                uint256 received = tokenOut.balanceOf(address(this)) - before;
                if (received < minOut) revert IDeltaNeutralVault.SpotOutputTooLow(received, minOut);
                return;
            } catch (bytes memory reason) {
                if (!partialFill || _selector(reason) != ISpotVenue.InsufficientOutput.selector) _bubble(reason);
                if (attempt == MAX_HALVINGS) return;
                amountIn /= 2;
            }
        }
    }

    /// @notice Buys back part of the short, a risk-reducing trade, with the fill bounded by the
    /// oracle price plus the slippage setting and the premium allowance (VaultMath.buyBackBound).
    /// @return filled False when an asynchronous venue only queued the order: the caller stops
    /// the round there or reverts, so no margin is freed against a buy-back still to come.
    function decreaseShort(
        Venues memory v,
        uint256 size,
        uint256 price,
        uint256 slippageBps
    ) internal returns (bool filled) {
        (filled, ) = v.perpVenue.decreaseShort(size, VaultMath.buyBackBound(price, slippageBps));
    }

    /// @notice `decreaseShort` for a flow that must fill now (a leaver's unwind): an order only
    /// queued reverts the whole flow (which takes the order back).
    function decreaseShortNow(Venues memory v, uint256 size, uint256 price, uint256 slippageBps) internal {
        if (!decreaseShort(v, size, price, slippageBps)) revert IDeltaNeutralVault.VenueOrderPending();
    }

    function _selector(bytes memory reason) private pure returns (bytes4 selector) {
        if (reason.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            selector := mload(add(reason, 32))
        }
    }

    function _bubble(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }
}
