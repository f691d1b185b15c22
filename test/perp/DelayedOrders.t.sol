// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {DelayedOrders} from "../../contracts/perp/DelayedOrders.sol";
import {IDelayedOrders} from "../../contracts/interfaces/IDelayedOrders.sol";
import {PerpMarket} from "../../contracts/perp/PerpMarket.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {PerpDeployer} from "./PerpMarket.t.sol";

/// @notice Random actions on a delayed market: submit, feed rounds, execute (by an executor),
/// cancel (by the owner or a stranger), and time. Each actor's wallet starts with a fixed sum.
contract DelayedOrdersHandler is PerpDeployer {
    PerpMarket internal immutable _market;
    DelayedOrders internal immutable _book;
    TestERC20 internal immutable _usdc;
    MockV3Aggregator internal immutable _aggregator;
    address[3] internal _actors = [address(0xA1), address(0xA2), address(0xA3)];
    address public constant EXECUTOR = address(0xE1);
    int256 internal _answer = 3_000e8;

    uint256 public fills;
    uint256 public cancels;
    /// @notice An account's size changed other than by its own order's fill.
    bool public sizeMovedWithoutFill;

    constructor(PerpMarket market_, DelayedOrders book_, TestERC20 usdc_, MockV3Aggregator feed_) {
        (_market, _book, _usdc, _aggregator) = (market_, book_, usdc_, feed_);
        for (uint256 i; i < _actors.length; i++) {
            usdc_.mint(_actors[i], 200_000e6);
            vm.startPrank(_actors[i]);
            usdc_.approve(address(market_), type(uint256).max);
            usdc_.approve(address(book_), type(uint256).max);
            market_.depositMargin(100_000e6);
            vm.stopPrank();
        }
    }

    function actors() external view returns (address[3] memory) {
        return _actors;
    }

    function submit(uint256 actorSeed, uint256 sizeSeed, bool buy, uint256 boundBps) external {
        address actor = _actors[actorSeed % _actors.length];
        int256 size = int256(bound(sizeSeed, 1e17, 30e18));
        uint256 price = uint256(_answer) * 1e10;
        uint256 acceptable = (price * bound(boundBps, 9_900, 10_100)) / 10_000;
        vm.prank(actor);
        try _book.submitOrder(buy ? size : -size, acceptable) {} catch {}
    }

    function publishRound(uint256 moveBps, uint256 delay) external {
        vm.warp(block.timestamp + bound(delay, 1, 30));
        _answer = (_answer * int256(bound(moveBps, 9_950, 10_050))) / 10_000;
        _aggregator.updateAnswer(_answer);
    }

    function wait(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 4 hours));
        // A heartbeat round keeps the feed fresh for the market.
        _aggregator.updateAnswer(_answer);
    }

    function execute(uint256 actorSeed) external {
        address actor = _actors[actorSeed % _actors.length];
        int256 sizeBefore = _market.sizeOf(actor);
        IDelayedOrders.Order memory order = _book.orderOf(actor);
        vm.prank(EXECUTOR);
        try _book.executeOrder(actor) returns (bool filled, uint256) {
            if (filled) fills++;
            else cancels++;
            int256 moved = _market.sizeOf(actor) - sizeBefore;
            // Only the order moves the size: in full, or capped for a reduction, or not at all.
            if (!filled && moved != 0) sizeMovedWithoutFill = true;
            if (filled && !order.reduceOnly && moved != order.sizeDelta) sizeMovedWithoutFill = true;
        } catch {
            if (_market.sizeOf(actor) != sizeBefore) sizeMovedWithoutFill = true;
        }
    }

    function cancel(uint256 actorSeed, bool asStranger) external {
        address actor = _actors[actorSeed % _actors.length];
        vm.prank(asStranger ? EXECUTOR : actor);
        try _book.cancelOrder(actor) {
            cancels++;
        } catch {}
    }
}

/// @notice Conservation of the margin token across the market, the book and the wallets, and
/// the book's escrow to the wei, under the handler's random sequences.
contract DelayedOrdersInvariantTest is PerpDeployer {
    PerpMarket internal market;
    DelayedOrders internal book;
    TestERC20 internal usdc;
    MockV3Aggregator internal feed;
    DelayedOrdersHandler internal handler;
    uint256 internal totalSupply;

    function setUp() public {
        usdc = new TestERC20("USD Coin", "USDC", 6);
        feed = new MockV3Aggregator(8, 3_000e8);
        book = new DelayedOrders(IDelayedOrders.Params({minDelay: 5, maxDelay: 3 hours, executionFee: 1e6}));
        IPerpMarket.MarketParams memory p = _params();
        p.skewScale = 2_000;
        market = new PerpMarket(usdc, _feed(feed), p, IERC20Metadata(address(0)), address(book));
        book.bindMarket(market);
        usdc.mint(address(this), 1_000_000e6);
        usdc.approve(address(market), type(uint256).max);
        market.fundPool(1_000_000e6);
        handler = new DelayedOrdersHandler(market, book, usdc, feed);
        totalSupply = usdc.totalSupply();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Every token is in the market (pool and margins), in the book (escrow) or in a
    /// wallet; the book holds exactly the fees of the pending orders.
    function invariant_noValueCreated() public view {
        address[3] memory actors = handler.actors();
        int256 margins;
        uint256 escrow;
        uint256 wallets = usdc.balanceOf(handler.EXECUTOR());
        for (uint256 i; i < actors.length; i++) {
            margins += market.positionOf(actors[i]).signedMargin;
            escrow += book.escrowOf(actors[i]);
            wallets += usdc.balanceOf(actors[i]);
            require(book.hasPendingOrder(actors[i]) == (book.orderOf(actors[i]).submittedAt != 0), "pending flag");
        }
        require(usdc.balanceOf(address(book)) == escrow, "book balance != escrow");
        require(book.totalEscrow() == escrow, "total escrow != sum");
        require(int256(usdc.balanceOf(address(market))) == margins + market.poolBalance(), "market != margins + pool");
        require(usdc.balanceOf(address(market)) + escrow + wallets == totalSupply, "a token appeared or vanished");
    }

    /// @notice An account's size moves only by its own order's fill.
    function invariant_sizeMovesOnlyByItsOrder() public view {
        require(!handler.sizeMovedWithoutFill(), "size moved without the order's fill");
    }
}
