// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {VaultMath} from "../../contracts/libraries/VaultMath.sol";
import {VaultBands} from "../../contracts/vault/VaultBands.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice The idle-low breach of a vault on a venue that fills later (`VaultBands.classify`), at
/// the size of short where it starts: only a short a round can free value from makes a low idle a
/// breach. FIXED (a hostile review's finding): any short did, so a dust short left by a bank run,
/// which releases the two-fee reserve such a round pays from, was a hard idle breach that no round
/// could pay for until the next deposit.
contract VaultBandsIdleTest is TestBase {
    uint256 internal constant BUFFER_BPS = 500;

    /// @dev A book with one unit of idle (under a quarter of the 5% buffer) and a short of
    /// `shortQty` worth `notional`, matched by the spot, its margin at half the notional; no
    /// execution-fee reserve.
    function _classify(
        uint256 shortQty,
        uint256 notional
    ) internal pure returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        return _classifyBook(1, 0, shortQty, notional);
    }

    /// @dev As `_classify`, with `idle` idle and `reserve` more cash kept out of it (the two-fee
    /// reserve, DeltaNeutralVault._snapshot): NAV is their sum with the spot and the margin.
    function _classifyBook(
        uint256 idle,
        uint256 reserve,
        uint256 shortQty,
        uint256 notional
    ) internal pure returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        VaultMath.Snapshot memory s;
        s.price = 3_000e6;
        s.idle = idle;
        s.spotQty = shortQty;
        s.shortQty = shortQty;
        s.shortNotional = notional;
        s.spotValue = notional;
        s.perpEquity = int256(notional / 2);
        s.totalAssets = idle + reserve + notional + notional / 2;
        IDeltaNeutralVault.Bands memory b = IDeltaNeutralVault.Bands({
            deltaSoftBps: 100,
            deltaHardBps: 300,
            minMarginRatioSoftBps: 3_500,
            minMarginRatioHardBps: 2_000,
            maxMarginRatioSoftBps: 7_000,
            maxMarginRatioHardBps: 10_000,
            idleSoftBps: 500,
            idleHardBps: 2_000
        });
        VaultBands.GateInput memory g;
        g.supply = 1e12;
        g.idleLowBreaches = true;
        return VaultBands.classify(s, b, BUFFER_BPS, g);
    }

    function test_dustShortIsNoIdleBreach() public pure {
        (IDeltaNeutralVault.Band band, ) = _classify(VaultMath.SPOT_DUST, 20_000);
        require(band == IDeltaNeutralVault.Band.None, "a dust short made a low idle a breach");
    }

    function test_shortWithoutMarginBandIsNoIdleBreach() public pure {
        (IDeltaNeutralVault.Band band, ) = _classify(5e12, VaultMath.DUST_SHORT_NOTIONAL_UNITS);
        require(band == IDeltaNeutralVault.Band.None, "a short worth a cent made a low idle a breach");
    }

    function test_shortAboveDustMakesLowIdleAHardBreach() public pure {
        (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) = _classify(
            VaultMath.SPOT_DUST + 1,
            VaultMath.DUST_SHORT_NOTIONAL_UNITS + 1
        );
        require(band == IDeltaNeutralVault.Band.Idle && tier == IDeltaNeutralVault.Tier.Hard, "no hard idle breach");
    }

    /// @notice With a 2 USDC reserve (two 1 USDC fees) a low idle is a breach only once the buffer
    /// of the books less the reserve is worth more than it: 5% of 39.999999 USDC is not (a round
    /// would pay 1 USDC to free under 2), 5% of 40.000020 is. FIXED (found by the round campaign's
    /// eventual-exit invariant once its probe counted value, not shares): a 2.5 USDC book kept a
    /// hard idle breach whose rounds each paid a fee and freed nothing (VaultRounds.t.sol).
    function test_bookNotWorthItsRoundsIsNoIdleBreach() public pure {
        (IDeltaNeutralVault.Band band, ) = _classifyBook(0, 2e6, 1e16, 26_666_666);
        require(band == IDeltaNeutralVault.Band.None, "a book not worth its rounds has an idle breach");
        IDeltaNeutralVault.Tier tier;
        (band, tier) = _classifyBook(0, 2e6, 1e16, 26_666_680);
        require(band == IDeltaNeutralVault.Band.Idle && tier == IDeltaNeutralVault.Tier.Hard, "no hard idle breach");
    }
}
