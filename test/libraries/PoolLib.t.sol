// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpMath} from "../../contracts/perp/libraries/PerpMath.sol";
import {PoolLib} from "../../contracts/perp/libraries/PoolLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice PoolLib on its own: the profit rule and the open-claims sums.
contract PoolLibTest is TestBase {
    using PoolLib for PoolLib.Claims;

    /// @dev USDC (6 decimals): 10^(18 + 18 - 6).
    uint256 internal constant DIVISOR = 1e30;

    /// @notice A debit passes in full; a credit is never negative, never above what is owed and
    /// never above the pool's cash (its balance less receivables).
    function testFuzz_payableNeverPaysPastCreditOrCash(int256 credit, int256 cash, int256 claims) public pure {
        credit = int256(bound(uint256(credit), 0, 2e30)) - 1e30;
        cash = int256(bound(uint256(cash), 0, 2e30)) - 1e30;
        claims = int256(bound(uint256(claims), 0, 2e30)) - 1e30;
        int256 paid = PoolLib.payable_(credit, cash, claims);
        if (credit <= 0) {
            require(paid == credit, "debit changed");
            return;
        }
        require(paid >= 0 && paid <= credit, "paid outside [0, credit]");
        require(paid <= (cash > 0 ? cash : int256(0)), "paid past the cash");
        // Claims within the cash and able to pay: in full.
        if (claims <= cash && credit <= cash) require(paid == credit, "solvent pool cut a profit");
    }

    /// @notice The debt sum follows the negative parts of the margins it is moved through, and
    /// returns to zero when every account is back at a non-negative margin.
    function testFuzz_debtSumFollowsNegativeMargins(int96[4] memory margins, int96[4] memory next) public pure {
        PoolLib.Claims memory claims;
        uint256 expected;
        for (uint256 i = 0; i < 4; i++) {
            claims.replaceDebt(0, margins[i]);
            expected += PoolLib.debtOf(margins[i]);
        }
        require(claims.debt == expected, "debt != sum of negative margins");
        expected = 0;
        for (uint256 i = 0; i < 4; i++) {
            claims.replaceDebt(margins[i], next[i]);
            expected += PoolLib.debtOf(next[i]);
        }
        require(claims.debt == expected, "debt != sum after moves");
        for (uint256 i = 0; i < 4; i++) claims.replaceDebt(next[i], 0);
        require(claims.debt == 0, "debt does not return to zero");
    }

    /// @notice Claims beyond the cash: every winner gets the same fraction, cash / claims, of its profit.
    function testFuzz_payableIsProRataWhenClaimsExceedThePool(
        uint256 credit,
        uint256 pool,
        uint256 excess
    ) public pure {
        credit = bound(credit, 1, 1e24);
        pool = bound(pool, 1, 1e24);
        uint256 claims = pool + bound(excess, 1, 1e24);
        int256 paid = PoolLib.payable_(int256(credit), int256(pool), int256(claims));
        uint256 proRata = (credit * pool) / claims;
        require(uint256(paid) == (proRata < pool ? proRata : pool), "not pro rata");
    }

    /// @notice Funding a losing position earned, settled while the position stays open: the part
    /// the loss left open outweighs is paid in full, the rest as `payable_` pays a winner, never
    /// past the credit or the cash, never less than the plain rule. No funding, no open loss, or a
    /// debit: the plain rule exactly.
    function testFuzz_payableOffsettingFundingCutsOnlyAWinnersShare(
        int256 credit,
        int256 funding,
        int256 keptPnl,
        int256 cash,
        int256 claims
    ) public pure {
        credit = int256(bound(uint256(credit), 0, 2e30)) - 1e30;
        funding = int256(bound(uint256(funding), 0, 2e30)) - 1e30;
        keptPnl = int256(bound(uint256(keptPnl), 0, 2e30)) - 1e30;
        cash = int256(bound(uint256(cash), 0, 2e30)) - 1e30;
        claims = int256(bound(uint256(claims), 0, 2e30)) - 1e30;
        int256 paid = PoolLib.payableOffsettingFunding(credit, funding, keptPnl, cash, claims);
        int256 plain = PoolLib.payable_(credit, cash, claims);
        if (credit <= 0 || funding <= 0 || keptPnl >= 0) {
            require(paid == plain, "the plain rule changed");
            return;
        }
        require(paid >= 0 && paid <= credit, "paid outside [0, credit]");
        require(paid <= (cash > 0 ? cash : int256(0)), "paid past the cash");
        require(paid >= plain, "paid less than the plain rule");
        // All of the credit is funding the open loss outweighs: paid as far as the cash goes.
        if (credit <= funding && credit <= -keptPnl)
            require(paid == (credit < cash ? credit : (cash > 0 ? cash : int256(0))), "an offset was cut");
    }

    /// @notice The market's case: a losing short (6,000 USDC of open loss) settles 90 USDC of
    /// funding while the pool holds 1,000 USDC against 6,000 of open claims. The plain rule pays a
    /// sixth (15 USDC); offsetting, all of it. Realised profit alongside is still cut.
    function test_aLosingShortsFundingIsPaidInFull() public pure {
        int256 usdc = 1e6;
        require(PoolLib.payable_(90 * usdc, 1_000 * usdc, 6_000 * usdc) == 15 * usdc, "plain rule");
        require(
            PoolLib.payableOffsettingFunding(90 * usdc, 90 * usdc, -6_000 * usdc, 1_000 * usdc, 6_000 * usdc) ==
                90 * usdc,
            "funding offset"
        );
        // 60 of funding and 30 of realised profit: the funding is paid, the profit cut to a sixth.
        require(
            PoolLib.payableOffsettingFunding(90 * usdc, 60 * usdc, -6_000 * usdc, 1_000 * usdc, 6_000 * usdc) ==
                60 * usdc + 5 * usdc,
            "profit cut"
        );
        // An open loss of 45 offsets 45 of the 90 of funding.
        require(
            PoolLib.payableOffsettingFunding(90 * usdc, 90 * usdc, -45 * usdc, 1_000 * usdc, 6_000 * usdc) ==
                45 * usdc + (45 * usdc) / 6,
            "partly offset"
        );
    }

    struct Book {
        int256[5] sizes;
        uint256[5] entries;
        int256[5] indices;
        int256 skew;
    }

    /// @dev Five accounts with sizes of either sign, entries and funding indices from `seed`.
    function _book(uint256 seed) internal pure returns (Book memory book) {
        for (uint256 i = 0; i < 5; i++) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            book.sizes[i] = int256(bound(r, 0, 2e24)) - 1e24;
            book.entries[i] = bound(r >> 80, 1, 1_000_000) * 1e18;
            book.indices[i] = int256(bound(r >> 160, 0, 2e22)) - 1e22;
            book.skew += book.sizes[i];
        }
    }

    /// @notice The O(1) open claims equal the sum of the accounts' own claims, up to per-account
    /// rounding, and removing every account returns the sum to zero.
    function testFuzz_openClaimsMatchTheAccounts(uint256 seed, uint256 priceDollars, int256 index) public pure {
        uint256 price = bound(priceDollars, 1, 1_000_000) * 1e18;
        index = int256(bound(uint256(index), 0, 2e22)) - 1e22;
        Book memory book = _book(seed);
        PoolLib.Claims memory claims;
        int256 expected;
        for (uint256 i = 0; i < 5; i++) {
            claims.replace(0, 0, 0, book.sizes[i], book.entries[i], book.indices[i], DIVISOR);
            expected +=
                PerpMath.signedValue(book.sizes[i], PerpMath.priceDelta(price, book.entries[i]), DIVISOR) +
                PerpMath.signedValue(-book.sizes[i], index - book.indices[i], DIVISOR);
        }
        int256 gap = claims.openClaims(book.skew, price, index, DIVISOR) - expected;
        require(gap <= 12 && gap >= -12, "open claims drift from the accounts");
        for (uint256 i = 0; i < 5; i++) {
            claims.replace(book.sizes[i], book.entries[i], book.indices[i], 0, 0, 0, DIVISOR);
        }
        require(claims.basis == 0, "the sum does not return to zero");
    }
}
