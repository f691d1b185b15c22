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
    uint256 internal constant NAV = 1_000e6;
    uint256 internal constant BUFFER_BPS = 500;

    /// @dev A book of `NAV` with 1 USDC idle (10 bps, under a quarter of the 5% buffer) and a short
    /// of `shortQty` worth `notional`, matched by the spot, its margin at half the notional.
    function _classify(
        uint256 shortQty,
        uint256 notional
    ) internal pure returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        VaultMath.Snapshot memory s;
        s.price = 3_000e6;
        s.idle = 1e6;
        s.totalAssets = NAV;
        s.spotQty = shortQty;
        s.shortQty = shortQty;
        s.shortNotional = notional;
        s.spotValue = notional;
        s.perpEquity = int256(notional / 2);
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
}
