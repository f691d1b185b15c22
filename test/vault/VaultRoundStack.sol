// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RoundExitProbe} from "./RoundExitProbe.sol";
import {RoundHandler} from "./RoundHandler.sol";
import {VaultStackBase} from "./VaultStack.sol";

/// @notice The vault stack with its PerpMarket in delayed mode (a DelayedOrders book), the round
/// handler as a keeper and the eventual-exit probe as a keeper and guardian.
abstract contract VaultRoundStack is VaultStackBase {
    RoundHandler internal rounds;
    RoundExitProbe internal exitProbe;

    function _delayedVenue() internal pure override returns (bool) {
        return true;
    }

    function setUp() public override {
        super.setUp();
        rounds = new RoundHandler(vault, market, adapter, orderBook, usdc, weth, feed);
        exitProbe = new RoundExitProbe(vault, orderBook, feed, address(adapter), rounds.actors());
        rounds.setExitProbe(exitProbe);
        // The stack's handler owns the vault.
        vm.startPrank(address(handler));
        vault.setKeeper(address(rounds), true);
        vault.setKeeper(address(exitProbe), true);
        vault.setGuardian(address(exitProbe), true);
        vm.stopPrank();
    }
}
