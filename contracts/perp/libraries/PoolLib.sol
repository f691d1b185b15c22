// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title PoolLib
/// @notice The pool's solvency counting what open positions claim, and the rule that cuts a
/// profit the pool cannot pay.
///
/// An account's claim on the pool is size * (price - entry) - size * (index - lastIndex)
/// = size * (price - index) - size * (entry - lastIndex). Summed over accounts that is
/// skew * (price - index) - sum(size * (entry - lastIndex)), so one running sum makes the total
/// readable in O(1). Each account adds and later removes its own rounded term, so the sum is exact
/// for the terms; the total differs from the sum of per-account claims only by per-account
/// rounding (a wei or two per open account).
library PoolLib {
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @notice The running sums over accounts, collateral units.
    /// @param basis sum(size * (entryPrice - lastFundingIndex)) over open accounts.
    /// @param debt sum of the negative settled margins: what accounts owe the pool, backed by their
    /// base-token collateral. The pool's balance counts it (a receivable), so its cash is
    /// poolBalance - debt.
    /// @param live Set at deployment so the slot is never zero: the first trade after the book
    /// empties then rewrites a slot instead of creating one (20,000 gas more).
    struct Claims {
        int128 basis;
        uint112 debt;
        bool live;
    }

    /// @notice Replaces one account's term: (oldSize, oldEntry, oldIndex) out, the new one in.
    function replace(
        Claims memory claims,
        int256 oldSize,
        uint256 oldEntry,
        int256 oldIndex,
        int256 newSize,
        uint256 newEntry,
        int256 newIndex,
        uint256 divisor
    ) internal pure {
        int256 basis =
            int256(claims.basis) -
                PerpMath.signedValue(oldSize, int256(oldEntry) - oldIndex, divisor) +
                PerpMath.signedValue(newSize, int256(newEntry) - newIndex, divisor);
        claims.basis = basis.toInt128();
    }

    /// @notice Moves one account's debt (the negative part of its margin) from `oldMargin`'s to `newMargin`'s.
    function replaceDebt(Claims memory claims, int256 oldMargin, int256 newMargin) internal pure {
        if (oldMargin >= 0 && newMargin >= 0) return;
        claims.debt = SafeCast.toUint112(claims.debt + debtOf(newMargin) - debtOf(oldMargin));
    }

    /// @notice The negative part of a margin.
    function debtOf(int256 margin) internal pure returns (uint256) {
        return margin < 0 ? uint256(-margin) : 0;
    }

    /// @notice Total unrealised PnL plus accrued funding of every open position at `price` and
    /// `index` (+ = the pool owes traders).
    function openClaims(
        Claims memory claims,
        int256 skew,
        uint256 price,
        int256 index,
        uint256 divisor
    ) internal pure returns (int256) {
        return PerpMath.signedValue(skew, int256(price) - index, divisor) - claims.basis;
    }

    /// @notice What the pool pays of a `credit` (funding plus realised PnL) owed to an account.
    /// A debit is taken in full. A profit is paid in full while open claims are within the pool's
    /// cash; beyond that, every winner is paid the same fraction, cash / openClaims, of what it
    /// is owed, so winners share what the pool holds instead of the first ones draining it.
    /// Receivables (margin debts) and the pool's base tokens count for its solvency but pay no
    /// one. In every case the pool never pays out more cash than it holds, so every positive
    /// settled margin stays backed by tokens (with no debts, cash is the pool's balance).
    /// @param cash Margin tokens the pool can pay this account with: its balance less the debts of
    /// other accounts (a profit that repays the account's own debt moves no tokens).
    /// @param claims Open claims before the payment, the account's own included.
    function payable_(int256 credit, int256 cash, int256 claims) internal pure returns (int256) {
        if (credit <= 0) return credit;
        if (cash <= 0) return 0;
        uint256 owed = uint256(credit);
        uint256 held = uint256(cash);
        if (claims > cash) owed = Math.mulDiv(owed, held, uint256(claims));
        return int256(Math.min(owed, held));
    }

    /// @notice `payable_` for a credit settled by an account action that leaves a position open
    /// (a reduction, a growth, a withdrawal): funding a losing position earned offsets the loss
    /// the action leaves open (`keptPnl`: the unrealised PnL, at the oracle on the entry before the
    /// action, of what stays open), a receivable of the pool, and is paid in full as far as the
    /// cash goes; the rest of the credit is a winner's share of the cash, cut as `payable_` cuts
    /// it. So a small reduction of a losing short settles its funding as `positionOf` values it
    /// (its whole claim is a loss: no cut), not cut at a rate out of proportion to the trade.
    /// Realised PnL is never offset, and a close or flip keeps nothing open: a trade cannot offset
    /// a loss it makes of its own premium.
    function payableOffsettingFunding(
        int256 credit,
        int256 funding,
        int256 keptPnl,
        int256 cash,
        int256 claims
    ) internal pure returns (int256) {
        if (credit <= 0) return credit;
        if (cash <= 0) return 0;
        int256 offset = funding;
        if (-keptPnl < offset) offset = -keptPnl;
        if (credit < offset) offset = credit;
        if (offset < 0) offset = 0;
        int256 paid = offset + payable_(credit - offset, cash, claims);
        return paid < cash ? paid : cash;
    }
}
