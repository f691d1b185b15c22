// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PositionLib} from "../../contracts/perp/libraries/PositionLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice PositionLib on its own: trades and the oracle-edge price rule.
contract PositionLibTest is TestBase {
    using PositionLib for PositionLib.Account;
    using PositionLib for PositionLib.Context;

    uint256 internal constant DIVISOR = 1e30;

    function _ctx(uint256 price, uint256 previousPrice) internal pure returns (PositionLib.Context memory c) {
        c.price = price;
        c.previousPrice = previousPrice;
        c.divisor = DIVISOR;
    }

    /// @notice A buyer gets the higher of the two answers, a seller the lower: neither side can
    /// trade at the answer that favours it while the previous one still counts.
    function testFuzz_tradePriceIsTheWorseForTheTrader(uint256 price, uint256 previous) public pure {
        price = bound(price, 1, 1e30);
        previous = bound(previous, 1, 1e30);
        PositionLib.Context memory c = _ctx(price, previous);
        uint256 buy = c.tradePrice(true);
        uint256 sell = c.tradePrice(false);
        require(buy >= price && buy >= previous && (buy == price || buy == previous), "buy not the higher");
        require(sell <= price && sell <= previous && (sell == price || sell == previous), "sell not the lower");
        // Outside the window both answers are the latest one: no spread.
        PositionLib.Context memory out = _ctx(price, price);
        require(out.tradePrice(true) == price && out.tradePrice(false) == price, "spread outside the window");
    }

    /// @notice A full close realises PnL at the fill and leaves no entry.
    function testFuzz_closeRealisesAtTheFill(bool long, uint256 entry, uint256 fill) public pure {
        entry = bound(entry, 1e18, 1e24);
        fill = bound(fill, 1e18, 1e24);
        PositionLib.Account memory a;
        a.size = long ? int96(5e18) : -5e18;
        a.entryPrice = uint96(entry);
        PositionLib.Trade memory t = a.trade(-int256(a.size), fill, 5, _ctx(fill, fill));
        require(t.newSize == 0 && t.newEntry == 0 && !t.grows, "not closed");
        int256 move = int256(fill) - int256(entry);
        int256 expected = long ? move * 5 : -move * 5; // 5 tokens, per-WAD price move
        // signedValue rounds toward negative infinity: within one collateral unit.
        int256 scaled = t.realizedPnl * int256(DIVISOR);
        require(scaled <= expected * 1e18 && expected * 1e18 - scaled < int256(DIVISOR), "PnL not at the fill");
    }
}

/// @notice The account's stored layout: two slots, collateral split across their spare bits.
contract PositionLibLayoutTest is TestBase {
    using PositionLib for PositionLib.Account;

    PositionLib.Account internal _stored;

    /// @notice Any collateral up to 2^128 - 1 reads back exactly, next to extreme values of every
    /// other field, and the account occupies two slots.
    function testFuzz_collateralRoundTripsInTwoSlots(uint128 qty, int96 margin, int96 size) public {
        PositionLib.Account memory a;
        a.margin = margin;
        a.size = size;
        a.entryPrice = type(uint96).max;
        a.lastFundingIndex = type(int96).min;
        a.setCollateral(qty);
        _stored = a;
        PositionLib.Account memory back = _stored;
        require(back.collateralOf() == qty, "collateral lost");
        require(back.margin == margin && back.size == size, "first slot fields lost");
        require(back.entryPrice == type(uint96).max && back.lastFundingIndex == type(int96).min, "second slot lost");
        bytes32 third;
        assembly {
            third := sload(add(_stored.slot, 2))
        }
        require(third == bytes32(0), "the account uses a third slot");
    }

    function setCollateral(uint256 qty) external pure {
        PositionLib.Account memory a;
        a.setCollateral(qty);
    }

    /// @notice Collateral beyond 128 bits is refused, not truncated.
    function test_collateralBeyond128BitsReverts() public view {
        try this.setCollateral(uint256(type(uint128).max) + 1) {
            revert("accepted collateral beyond 128 bits");
        } catch (bytes memory reason) {
            require(bytes4(reason) == PositionLib.CollateralOverflow.selector, "unexpected revert");
        }
    }
}
