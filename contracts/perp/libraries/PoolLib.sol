// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title PoolLib
/// @notice The pool's solvency counting what open positions claim, and the rule that cuts a
/// profit the pool cannot pay.
///
/// An account's claim on the pool is size * (price - entry) - size * (index - lastIndex). Summed
/// over accounts that is skew * price - sum(size * entry) - skew * index + sum(size * lastIndex),
/// so two running sums make the total readable in O(1). Each account adds and later removes its
/// own rounded terms, so the sums are exact for the terms; the total differs from the sum of
/// per-account claims only by per-account rounding (a wei or two per open account).
library PoolLib {
    using SafeCast for int256;

    /// @notice Running sums over open accounts, collateral units.
    /// @param entryValue sum(size * entryPrice).
    /// @param fundingValue sum(size * lastFundingIndex).
    /// @param live Set at deployment so the slot is never zero: the first trade after the book
    /// empties then rewrites a slot instead of creating one (20,000 gas more).
    struct Claims {
        int120 entryValue;
        int120 fundingValue;
        bool live;
    }

    /// @notice Replaces one account's terms: (oldSize, oldEntry, oldIndex) out, the new ones in.
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
        int256 entryValue =
            int256(claims.entryValue) -
                PerpMath.signedValue(oldSize, int256(oldEntry), divisor) +
                PerpMath.signedValue(newSize, int256(newEntry), divisor);
        int256 fundingValue =
            int256(claims.fundingValue) -
                PerpMath.signedValue(oldSize, oldIndex, divisor) +
                PerpMath.signedValue(newSize, newIndex, divisor);
        claims.entryValue = entryValue.toInt120();
        claims.fundingValue = fundingValue.toInt120();
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
        return
            PerpMath.signedValue(skew, int256(price), divisor) -
            claims.entryValue -
            PerpMath.signedValue(skew, index, divisor) +
            claims.fundingValue;
    }

    /// @notice What the pool pays of a `credit` (funding plus realised PnL) owed to an account.
    /// A debit is taken in full. A profit is paid in full while the pool's equity counting open
    /// claims is non-negative; below that, every winner is paid the same fraction,
    /// poolBalance / openClaims, of what it is owed. In every case the pool never pays out more
    /// than it holds, so every settled margin stays backed by tokens.
    /// @param pool Realised pool balance before the payment.
    /// @param claims Open claims before the payment, the account's own included.
    function payable_(int256 credit, int256 pool, int256 claims) internal pure returns (int256) {
        if (credit <= 0) return credit;
        if (pool <= 0) return 0;
        uint256 owed = uint256(credit);
        uint256 held = uint256(pool);
        if (claims > pool) owed = Math.mulDiv(owed, held, uint256(claims));
        return int256(Math.min(owed, held));
    }
}
