// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {PerpMarket} from "../../contracts/perp/PerpMarket.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {PerpMath} from "../../contracts/perp/libraries/PerpMath.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestBase, Vm} from "../utils/Vm.sol";

/// @notice Deploys a market with the fixture's default parameters.
abstract contract PerpDeployer is TestBase {
    uint32 internal constant HEARTBEAT = 1 days;
    IERC20Metadata internal constant NO_BASE = IERC20Metadata(address(0));
    /// @dev A synchronous market: no order book.
    address internal constant NO_BOOK = address(0);

    function _params() internal pure returns (IPerpMarket.MarketParams memory) {
        return
            IPerpMarket.MarketParams({
                takerFeeBps: 5,
                initialMarginBps: 1_000,
                maintenanceMarginBps: 500,
                liquidationRewardBps: 100,
                maxFundingRatePerDay: 1e15,
                skewScale: 1_000_000,
                maxLongOpenInterest: 10_000,
                maxShortOpenInterest: 10_000
            });
    }

    function _feed(MockV3Aggregator aggregator) internal pure returns (OracleLib.Feed memory) {
        return
            OracleLib.Feed({
                aggregator: AggregatorV3Interface(address(aggregator)),
                heartbeat: HEARTBEAT,
                sequencerUptimeFeed: AggregatorV3Interface(address(0)),
                sequencerGracePeriod: 0
            });
    }

    /// @dev |size| * price in collateral units (6 decimals), rounded up; the requirement basis.
    function _notionalUp(int256 size, uint256 priceWad) internal pure returns (uint256) {
        uint256 absSize = size < 0 ? uint256(-size) : uint256(size);
        uint256 product = absSize * priceWad;
        return product / 1e30 + (product % 1e30 == 0 ? 0 : 1);
    }

    function _bpsUp(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return (amount * bps + 9_999) / 10_000;
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }
}

/// @notice Exposes the market's collateral conversions for comparison with OracleLib.
contract PerpMarketHarness is PerpMarket {
    constructor(
        IERC20Metadata collateral_,
        OracleLib.Feed memory feed_,
        MarketParams memory params_
    ) PerpMarket(collateral_, feed_, params_, IERC20Metadata(address(0)), address(0)) {}

    function toCollateralUp(uint256 baseAmount, uint256 priceWad) external view returns (uint256) {
        return PerpMath.toCollateralUp(baseAmount, priceWad, _quoteDivisor);
    }

    function toCollateralDown(uint256 baseAmount, uint256 priceWad) external view returns (uint256) {
        return PerpMath.toCollateralDown(baseAmount, priceWad, _quoteDivisor);
    }
}

/// @notice Fuzz properties of single trades and liquidations.
contract PerpMarketFuzzTest is PerpDeployer {
    TestERC20 internal usdc;
    MockV3Aggregator internal feed;
    PerpMarket internal market;
    address internal constant MAKER = address(0xBEEF);
    address internal constant KEEPER = address(0xCAFE);

    function setUp() public {
        usdc = new TestERC20("USD Coin", "USDC", 6);
        feed = new MockV3Aggregator(8, 3_000e8);
        market = new PerpMarket(usdc, _feed(feed), _params(), NO_BASE, NO_BOOK);
        usdc.mint(address(this), 1e18);
        usdc.approve(address(market), type(uint256).max);
        market.fundPool(1e12);
        usdc.mint(MAKER, 1e18);
        vm.prank(MAKER);
        usdc.approve(address(market), type(uint256).max);
    }

    function _signed(uint256 magnitude, bool negative) internal pure returns (int256) {
        return negative ? -int256(magnitude) : int256(magnitude);
    }

    /// @dev Another account moves the skew first, so fills carry a premium either way.
    function _preSkew(uint256 seed) internal {
        int256 skew = _signed(bound(seed, 0, 5_000e18), seed % 2 == 0);
        if (skew == 0) return;
        vm.prank(MAKER);
        market.depositMargin(1e15);
        vm.prank(MAKER);
        market.modifyPosition(skew, skew > 0 ? type(uint256).max : 0);
    }

    /// @notice A trade either leaves the position at or above initial margin (valued exactly as
    /// the market's view reports it), or reverts with InsufficientMargin carrying an equity below
    /// the requirement.
    function testFuzz_noPositionOpensBelowInitialMargin(
        uint256 margin,
        uint256 sizeSeed,
        bool short,
        uint256 priceDollars,
        uint256 skewSeed
    ) public {
        priceDollars = bound(priceDollars, 100, 100_000);
        feed.updateAnswer(int256(priceDollars * 1e8));
        _preSkew(skewSeed);
        margin = bound(margin, 1, 1e12);
        int256 size = _signed(bound(sizeSeed, 1, 1_000e18), short);
        market.depositMargin(margin);

        uint256 price = priceDollars * 1e18;
        try market.modifyPosition(size, short ? 0 : type(uint256).max) {
            IPerpMarket.PositionView memory v = market.positionOf(address(this));
            uint256 required = _bpsUp(_notionalUp(size, price), 1_000);
            require(v.size == size, "size not applied");
            require(v.equity >= int256(required), "opened below initial margin");
        } catch (bytes memory reason) {
            require(bytes4(reason) == IPerpMarket.InsufficientMargin.selector, "unexpected revert");
            (int256 equity, uint256 required) = abi.decode(_args(reason), (int256, uint256));
            require(required == _bpsUp(_notionalUp(size, price), 1_000), "wrong requirement");
            require(equity < int256(required), "rejected a position at initial margin");
        }
    }

    /// @notice After any price move and time, liquidation succeeds exactly when equity is below
    /// maintenance, and `isLiquidatable` agrees.
    function testFuzz_liquidationOnlyBelowMaintenance(
        uint256 sizeSeed,
        bool short,
        uint256 extraMargin,
        uint256 movePct,
        uint256 dt,
        uint256 skewSeed
    ) public {
        _preSkew(skewSeed);
        int256 size = _signed(bound(sizeSeed, 1e15, 1_000e18), short);
        // Enough for initial margin plus fee and premium at 3000, plus a fuzzed cushion.
        uint256 margin = _bpsUp(_notionalUp(size, 3_000e18), 1_200) + bound(extraMargin, 0, 1e10);
        market.depositMargin(margin);
        market.modifyPosition(size, short ? 0 : type(uint256).max);

        vm.warp(block.timestamp + bound(dt, 0, 30 days));
        uint256 newDollars = (3_000 * bound(movePct, 50, 150)) / 100;
        feed.updateAnswer(int256(newDollars * 1e8));

        IPerpMarket.PositionView memory v = market.positionOf(address(this));
        uint256 maintenance = _bpsUp(_notionalUp(size, newDollars * 1e18), 500);
        bool below = v.equity < int256(maintenance);
        require(market.isLiquidatable(address(this)) == below, "isLiquidatable disagrees");

        vm.prank(KEEPER);
        try market.liquidate(address(this)) {
            require(below, "liquidated at or above maintenance");
            require(market.sizeOf(address(this)) == 0, "position left open");
        } catch (bytes memory reason) {
            require(!below, "could not liquidate below maintenance");
            require(bytes4(reason) == IPerpMarket.NotLiquidatable.selector, "unexpected revert");
        }
    }

    /// @notice With a winner still open, liquidating the gapped loser records as bad debt exactly
    /// the part of its shortfall that the pool's equity counting the winner's claim cannot cover;
    /// the winner is then never paid past the pool, and tokens still equal margins plus the pool.
    function testFuzz_shortfallBeyondPoolEquityIsRecorded(uint256 sizeSeed, uint256 gapPct) public {
        IPerpMarket.MarketParams memory p = _params();
        p.maxFundingRatePerDay = 0;
        PerpMarket m = new PerpMarket(usdc, _feed(feed), p, NO_BASE, NO_BOOK);
        usdc.approve(address(m), type(uint256).max);
        m.fundPool(1e6);
        int256 size = int256(bound(sizeSeed, 1e18, 100e18));
        (address long, address short) = _openPair(m, size);
        // The gap lands after the pair's window: no growth charge, this is about the shortfall alone.
        vm.warp(block.timestamp + m.oracleEdgeWindow());

        uint256 gapped = (3_000e18 * bound(gapPct, 130, 300)) / 100;
        feed.updateAnswer(int256(gapped / 1e10));
        int256 poolBefore = m.poolBalance();
        uint256 loserMargin = m.positionOf(short).margin;
        vm.prank(KEEPER);
        m.liquidate(short);

        int256 poolAfter = poolBefore + int256(loserMargin);
        require(m.poolBalance() == poolAfter, "pool did not take the loser's margin");
        IPerpMarket.PositionView memory winner = m.positionOf(long);
        int256 claim = PerpMath.signedValue(winner.size, int256(gapped) - int256(winner.entryPrice), 1e30);
        require(_abs(m.openClaims() - claim) <= 2, "open claims != the winner's claim");
        // The view values the winner at what the pool could pay now, not at face.
        require(winner.unrealizedPnl <= poolAfter, "winner valued past the pool");
        int256 equity = poolAfter - m.openClaims();
        require(equity < 0, "pool equity not short");
        require(m.badDebt() <= uint256(-equity), "bad debt beyond the equity shortfall");
        require(m.badDebt() > 0, "no bad debt recorded");

        vm.prank(long);
        m.modifyPosition(-size, 0);
        require(m.poolBalance() >= 0, "winner paid past the pool");
        int256 margins = int256(m.positionOf(long).margin + m.positionOf(short).margin);
        require(int256(usdc.balanceOf(address(m))) == margins + m.poolBalance(), "conservation broken");
    }

    /// @notice A position opened ahead of a feed update (at any time before it) and closed while the
    /// update is younger than the oracle-edge window never gains: the close fills at the worse of the
    /// new and the previous answer. Whatever the update size, direction, position size and prior
    /// skew. (A close after the window fills at the new answer: see the README's known limits.)
    function testFuzz_noRiskFreeRoundTripAroundAnUpdate(
        uint256 sizeSeed,
        bool short,
        uint256 moveBps,
        bool up,
        uint256 skewSeed,
        uint256 delay
    ) public {
        _preSkew(skewSeed);
        int256 size = _signed(bound(sizeSeed, 1e15, 1_000e18), short);
        uint256 margin = _bpsUp(_notionalUp(size, 3_000e18), 2_000) + 1e6;
        market.depositMargin(margin);
        market.modifyPosition(size, short ? 0 : type(uint256).max);

        // The update lands any time after the open (the same second included); the close follows
        // within the window.
        moveBps = bound(moveBps, 1, 1_000);
        vm.warp(block.timestamp + bound(delay, 0, 3_000));
        feed.updateAnswer(
            int256(up ? (3_000e8 * (10_000 + moveBps)) / 10_000 : (3_000e8 * (10_000 - moveBps)) / 10_000)
        );
        vm.warp(block.timestamp + bound(delay >> 8, 0, market.oracleEdgeWindow() - 1));
        market.modifyPosition(-size, short ? type(uint256).max : 0);

        uint256 left = market.positionOf(address(this)).margin;
        require(left <= margin, "round trip around an update gained");
    }

    /// @dev A long and a short of `size` on `m`, each funded just above initial margin.
    function _openPair(PerpMarket m, int256 size) internal returns (address long, address short) {
        long = address(0xA1);
        short = address(0xA2);
        uint256 margin = _bpsUp(_notionalUp(size, 3_000e18), 1_100);
        for (uint256 i = 0; i < 2; i++) {
            address trader = i == 0 ? long : short;
            usdc.mint(trader, margin);
            vm.prank(trader);
            usdc.approve(address(m), type(uint256).max);
            vm.prank(trader);
            m.depositMargin(margin);
        }
        vm.prank(long);
        m.modifyPosition(size, type(uint256).max);
        vm.prank(short);
        m.modifyPosition(-size, 0);
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    /// @notice The market's precomputed-divisor conversions equal OracleLib's, both directions,
    /// for every supported collateral precision.
    function testFuzz_conversionsMatchOracleLib(uint256 amount, uint256 price, uint8 decimalsSeed) public {
        uint8[4] memory options = [uint8(6), 8, 18, 0];
        uint8 decimals = options[decimalsSeed % 4];
        TestERC20 token = new TestERC20("T", "T", decimals);
        PerpMarketHarness harness = new PerpMarketHarness(token, _feed(feed), _params());
        amount = bound(amount, 0, 1e30);
        price = bound(price, 1e12, 1e30);
        require(
            harness.toCollateralUp(amount, price) == OracleLib.baseToQuoteUp(amount, price, 18, decimals),
            "up differs"
        );
        require(
            harness.toCollateralDown(amount, price) == OracleLib.baseToQuoteDown(amount, price, 18, decimals),
            "down differs"
        );
    }

    /// @dev Revert data without its 4-byte selector.
    function _args(bytes memory reason) internal pure returns (bytes memory args) {
        args = new bytes(reason.length - 4);
        for (uint256 i = 0; i < args.length; i++) args[i] = reason[i + 4];
    }
}

/// @notice The growth charge of the oracle-edge rule against a twin market that has the rule off
/// (same feed, same trades): what a trader keeps around a feed round, honest or not.
contract PerpMarketEdgeTest is PerpDeployer {
    TestERC20 internal usdc;
    MockV3Aggregator internal feed;
    PerpMarket internal market;
    PerpMarket internal twin;
    address internal constant MAKER = address(0xBEEF);
    uint256 internal window;

    function setUp() public {
        usdc = new TestERC20("USD Coin", "USDC", 6);
        feed = new MockV3Aggregator(8, 3_000e8);
        // A small skew scale, so a prior skew puts a premium of up to 12.5% on the trader's fills.
        IPerpMarket.MarketParams memory p = _params();
        p.skewScale = 20_000;
        market = new PerpMarket(usdc, _feed(feed), p, NO_BASE, NO_BOOK);
        twin = new PerpMarket(usdc, _feed(feed), p, NO_BASE, NO_BOOK);
        twin.setParameter("oracleEdgeWindow", 0);
        vm.warp(block.timestamp + twin.PARAMETER_DELAY());
        twin.applyParameter("oracleEdgeWindow");
        feed.updateAnswer(3_000e8);
        // Every test starts outside the last round's window.
        vm.warp(block.timestamp + 60);
        window = market.oracleEdgeWindow();
        usdc.mint(address(this), 1e18);
        usdc.mint(MAKER, 1e18);
        PerpMarket[2] memory both = [market, twin];
        for (uint256 i = 0; i < 2; i++) {
            usdc.approve(address(both[i]), type(uint256).max);
            both[i].fundPool(1e12);
            vm.prank(MAKER);
            usdc.approve(address(both[i]), type(uint256).max);
            vm.prank(MAKER);
            both[i].depositMargin(1e15);
        }
    }

    /// @dev The same trade on both markets (the caller's account, or the maker's).
    function _trade(address trader, int256 size) internal {
        uint256 bound_ = size > 0 ? type(uint256).max : 0;
        vm.prank(trader);
        market.modifyPosition(size, bound_);
        vm.prank(trader);
        twin.modifyPosition(size, bound_);
    }

    function _open(int256 size, uint256 skewSeed) internal returns (uint256 margin) {
        int256 skew = int256(bound(skewSeed, 0, 5_000e18)) * (skewSeed % 2 == 0 ? int256(1) : -1);
        if (skew != 0) _trade(MAKER, skew);
        margin = _bpsUp(_notionalUp(size, 3_000e18), 4_000) + 1e6;
        market.depositMargin(margin);
        twin.depositMargin(margin);
        _trade(address(this), size);
    }

    function _moveFeed(uint256 moveBps, bool up) internal {
        feed.updateAnswer(
            int256(up ? (3_000e8 * (10_000 + moveBps)) / 10_000 : (3_000e8 * (10_000 - moveBps)) / 10_000)
        );
    }

    /// @notice Around one round, whatever the update (size, sign), the position (size, side, prior
    /// skew), the delay from the open to the round and from the round to the close: a trader who
    /// opened less than the window before the round never gains; a move against the trader is
    /// kept in full (as on the twin); a trader who opened earlier is charged nothing (as on the
    /// twin) unless the close falls inside the round's own window (the after-round rule).
    function testFuzz_noRiskFreeRoundTripAroundARoundSeenPending(
        uint256 sizeSeed,
        bool short,
        uint256 moveBps,
        bool up,
        uint256 skewSeed,
        uint256 delay,
        uint256 closeDelay
    ) public {
        int256 size = int256(bound(sizeSeed, 1e15, 1_000e18)) * (short ? int256(-1) : int256(1));
        uint256 margin = _open(size, skewSeed);
        delay = bound(delay, 0, 3 * window);
        closeDelay = bound(closeDelay, 0, 3 * window);
        vm.warp(block.timestamp + delay);
        _moveFeed(bound(moveBps, 1, 1_000), up);
        vm.warp(block.timestamp + closeDelay);
        _trade(address(this), -size);

        uint256 left = market.positionOf(address(this)).margin;
        uint256 twinLeft = twin.positionOf(address(this)).margin;
        bool favourable = up != short;
        if (!favourable) require(left == twinLeft, "an adverse move was not kept in full");
        else if (delay < window) require(left <= margin, "a round trip around a round seen pending gained");
        else if (closeDelay >= window) require(left == twinLeft, "an honest trader was charged");
        else require(left <= twinLeft, "the after-round rule paid the trader");
        require(
            usdc.balanceOf(address(market)) == uint256(market.poolBalance()) + market.positionOf(MAKER).margin + left,
            "conservation"
        );
    }

    /// @notice A position opened long before the round, closed after its window: no charge, the
    /// whole move kept, exactly as on the twin.
    function test_anHonestTraderWhoOpenedOutsideTheWindowIsNotCharged() public {
        uint256 margin = _open(100e18, 0);
        vm.warp(block.timestamp + window);
        _moveFeed(100, true); // +1%, landing exactly the window after the open
        vm.warp(block.timestamp + window);
        (, , int256 guarded, uint256 pending) = market.edgeGrowthOf(address(this));
        require(guarded == 100e18 && pending == 0, "a growth outside the window is charged");
        _trade(address(this), -100e18);
        uint256 left = market.positionOf(address(this)).margin;
        require(left == twin.positionOf(address(this)).margin, "charged");
        // 3,000 of move less two taker fees of ~150 each.
        require(left > margin + 2_650e6, "the +3,000 move was not kept");
    }

    /// @notice A growth in the window before a round that goes against it keeps the whole loss and
    /// is charged nothing on top.
    function test_aGrowthInTheWindowKeepsAnAdverseMoveInFull() public {
        _open(-100e18, 0);
        vm.warp(block.timestamp + 3);
        _moveFeed(100, true); // +1% against the short, 3 s after it opened
        vm.warp(block.timestamp + window);
        (, , , uint256 pending) = market.edgeGrowthOf(address(this));
        require(pending == 0, "an adverse round is charged");
        _trade(address(this), 100e18);
        uint256 left = market.positionOf(address(this)).margin;
        require(left == twin.positionOf(address(this)).margin, "the loss differs from the twin's");
    }

    /// @notice A sale into a long skew fills above the answer, and that premium moves with the
    /// price: charged at the oracle move alone, a short sold at a 6.25% premium ahead of a -5%
    /// round would keep 6.25% of the move (more than its fees). Charged at the fill's scale, it
    /// keeps nothing.
    function test_aSaleIntoASkewKeepsNoPremiumShareOfTheMove() public {
        uint256 margin = _open(-100e18, 2_500e18 * 2); // the maker longs 2,500 ETH first
        vm.warp(block.timestamp + 1);
        _moveFeed(500, false);
        vm.warp(block.timestamp + window);
        _trade(address(this), 100e18);
        uint256 left = market.positionOf(address(this)).margin;
        require(left <= margin, "the premium's share of the move was kept");
        require(twin.positionOf(address(this)).margin > margin + 14_000e6, "the twin did not keep the move");
    }

    /// @notice A growth in a later round settles the old record's charge before it replaces it:
    /// adding size cannot erase the charge, and the round trip still gains nothing.
    function test_aNewGrowthSettlesTheOldChargeFirst() public {
        uint256 margin = _open(100e18, 0);
        vm.warp(block.timestamp + 2);
        _moveFeed(100, true); // +1% seen pending: 100 ETH x 30, at the fill's 0.25% premium
        vm.warp(block.timestamp + window);
        (, , , uint256 pending) = market.edgeGrowthOf(address(this));
        require(pending == 3_007.5e6, "pending charge");
        vm.recordLogs();
        market.modifyPosition(1e18, type(uint256).max);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool charged;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].topics[0] == IPerpMarket.OracleEdgeCharged.selector) {
                (, , uint256 charge, , ) = abi.decode(logs[i].data, (uint80, int256, uint256, uint256, uint256));
                charged = charge == 3_007.5e6;
            }
        }
        require(charged, "the old record's charge was not applied");
        (uint256 roundId, , int256 guarded, uint256 after_) = market.edgeGrowthOf(address(this));
        (uint80 latest, , , , ) = feed.latestRoundData();
        require(roundId == latest && guarded == 1e18 && after_ == 0, "the new record is not the new growth");
        vm.warp(block.timestamp + window);
        market.modifyPosition(-101e18, 0);
        require(market.positionOf(address(this)).margin <= margin, "the round trip gained");
    }
}

/// @notice Drives several accounts through random deposits, withdrawals, trades, price moves,
/// time warps, liquidations and pool top-ups, base-token collateral deposits, withdrawals and
/// debt repayments, and purchases of the pool's seized collateral, recording what the invariants
/// need.
contract PerpHandler is PerpDeployer {
    PerpMarket public immutable market;
    TestERC20 public immutable usdc;
    TestERC20 public immutable weth;
    MockV3Aggregator public immutable feed;
    address[4] internal _actors = [address(0x1001), address(0x1002), address(0x1003), address(0x1004)];
    address internal constant KEEPER = address(0x2001);
    address internal constant BUYER = address(0x4001);

    uint256 public lastBadDebt;
    bool public badDebtDecreased;
    bool public roundTripGained;
    bool public flatExitFailed;
    bool public tradeBelowInitialMargin;
    bool public withdrawalBelowRule;
    bool public saleBelowDiscountedValue;
    bool public saleMovedWrongAmounts;
    uint256 public trades;
    uint256 public liquidations;
    uint256 public collateralWithdrawals;
    uint256 public debtsSeen;
    uint256 public seizedSales;
    uint256 public seizedBought;

    constructor(PerpMarket market_, TestERC20 usdc_, TestERC20 weth_, MockV3Aggregator feed_) {
        market = market_;
        usdc = usdc_;
        weth = weth_;
        feed = feed_;
        for (uint256 i = 0; i < _actors.length; i++) {
            usdc.mint(_actors[i], 1e15);
            weth.mint(_actors[i], 1e24);
            vm.startPrank(_actors[i]);
            usdc.approve(address(market_), type(uint256).max);
            weth.approve(address(market_), type(uint256).max);
            vm.stopPrank();
        }
    }

    /// @dev Equity as the margin rules count it: settled margin, PnL at face at the oracle,
    /// pending funding and the collateral at its haircut.
    function ruleEquity(address actor, uint256 price) public view returns (int256) {
        IPerpMarket.PositionView memory v = market.positionOf(actor);
        uint256 haircutValue = (v.collateral * price * (10_000 - market.collateralHaircutBps())) / 1e34;
        return
            v.signedMargin +
            PerpMath.signedValue(v.size, int256(price) - int256(v.entryPrice), 1e30) +
            v.accruedFunding +
            int256(haircutValue);
    }

    function _price() internal view returns (uint256) {
        (, int256 answer, , , ) = feed.latestRoundData();
        return uint256(answer) * 1e10;
    }

    /// @dev Posts up to 20 WETH of collateral.
    function depositCollateral(uint256 actorSeed, uint256 qty) external {
        address actor = _actors[actorSeed % 4];
        vm.prank(actor);
        market.depositCollateral(bound(qty, 1, 20e18));
        _after();
    }

    /// @dev Tries to take collateral out; one that passes must leave the account within the rule.
    function withdrawCollateral(uint256 actorSeed, uint256 qty) external {
        address actor = _actors[actorSeed % 4];
        IPerpMarket.PositionView memory v = market.positionOf(actor);
        if (v.collateral == 0) return;
        vm.prank(actor);
        try market.withdrawCollateral(bound(qty, 1, v.collateral), actor) {
            collateralWithdrawals++;
            uint256 price = _price();
            uint256 required = _bpsUp(_notionalUp(v.size, price), market.initialMarginBps());
            // One unit of slack per rounded term.
            if (v.size != 0 && ruleEquity(actor, price) + 3 < int256(required)) withdrawalBelowRule = true;
        } catch {}
        _after();
    }

    /// @dev Repays an account's margin debt, if any.
    function repayDebt(uint256 actorSeed) external {
        address actor = _actors[actorSeed % 4];
        int256 margin = market.positionOf(actor).signedMargin;
        if (margin >= 0) return;
        vm.prank(actor);
        market.depositMargin(uint256(-margin));
        _after();
    }

    function actors() external view returns (address[4] memory) {
        return _actors;
    }

    function deposit(uint256 actorSeed, uint256 amount) external {
        address actor = _actors[actorSeed % 4];
        vm.prank(actor);
        market.depositMargin(bound(amount, 1, 1e11));
        _after();
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address actor = _actors[actorSeed % 4];
        uint256 margin = market.positionOf(actor).margin;
        if (margin == 0) return;
        vm.prank(actor);
        market.withdrawMargin(bound(amount, 1, margin), actor);
        _after();
    }

    /// @dev Tops the account up when it is nearly empty, then trades up to ~12x its margin in
    /// either direction, so some trades fail the initial-margin check and most pass.
    function trade(uint256 actorSeed, uint256 sizeSeed, bool sell, uint256 topUp) external {
        address actor = _actors[actorSeed % 4];
        IPerpMarket.PositionView memory before = market.positionOf(actor);
        if (before.marginEquity < 1_000e6) {
            vm.prank(actor);
            market.depositMargin(bound(topUp, 1_000e6, 100_000e6));
            before = market.positionOf(actor);
        }
        uint256 price = _price();
        uint256 maxSize = (uint256(before.marginEquity) * 1e30 * 12) / price + 1;
        int256 delta = int256(bound(sizeSeed, 1, maxSize));
        if (sell) delta = -delta;
        int256 oldSize = before.size;
        vm.prank(actor);
        market.modifyPosition(delta, sell ? 0 : type(uint256).max);
        trades++;
        int256 newSize = oldSize + delta;
        bool grew = newSize != 0 && (oldSize == 0 || (oldSize > 0) != (newSize > 0) || _abs(newSize) > _abs(oldSize));
        if (grew) {
            uint256 required = _bpsUp(_notionalUp(newSize, price), market.initialMarginBps());
            // The market's margin rule counts an unrealised profit at face (at the oracle price),
            // while positionOf values it after the pool's cut when the pool's equity is negative
            // (README, known limits): check the rule the market states, at face, to a unit per term.
            if (ruleEquity(actor, price) + 3 < int256(required)) tradeBelowInitialMargin = true;
        }
        _after();
    }

    /// @dev Moves the price by up to 25% either way (gaps large enough to create bad debt).
    function movePrice(uint256 pctSeed) external {
        (, int256 answer, , , ) = feed.latestRoundData();
        uint256 pct = bound(pctSeed, 75, 125);
        uint256 next = (uint256(answer) * pct) / 100;
        if (next < 100e8) next = 100e8;
        if (next > 100_000e8) next = 100_000e8;
        feed.updateAnswer(int256(next));
        _after();
    }

    /// @dev Time passes and the feed reports again at the same price.
    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 1, 3 days));
        (, int256 answer, , , ) = feed.latestRoundData();
        feed.updateAnswer(answer);
        _after();
    }

    /// @dev Liquidates every account the market reports as liquidatable.
    function liquidateAll() external {
        for (uint256 i = 0; i < _actors.length; i++) {
            if (!market.isLiquidatable(_actors[i])) continue;
            vm.prank(KEEPER);
            market.liquidate(_actors[i]);
            liquidations++;
        }
        _after();
    }

    /// @dev A fresh account buys or sells ahead of a feed update and closes right after it.
    function roundTripAroundUpdate(uint256 sizeSeed, bool sell, uint256 moveBps, bool up) external {
        address trader = address(0x3001);
        (, int256 answer, , , ) = feed.latestRoundData();
        uint256 price = uint256(answer) * 1e10;
        uint256 margin = 10_000e6;
        usdc.mint(trader, margin);
        vm.startPrank(trader);
        usdc.approve(address(market), margin);
        market.depositMargin(margin);
        int256 size = int256(bound(sizeSeed, 1e15, (margin * 1e30 * 5) / price));
        if (sell) size = -size;
        try market.modifyPosition(size, sell ? 0 : type(uint256).max) {
            moveBps = bound(moveBps, 1, 500);
            uint256 next =
                up ? (uint256(answer) * (10_000 + moveBps)) / 10_000 : (uint256(answer) * (10_000 - moveBps)) / 10_000;
            feed.updateAnswer(int256(next));
            market.modifyPosition(-size, sell ? type(uint256).max : 0);
        } catch {}
        uint256 left = market.positionOf(trader).margin;
        if (left > margin) roundTripGained = true;
        if (left > 0) market.withdrawMargin(left, trader);
        vm.stopPrank();
        _after();
    }

    /// @dev Seconds pass with no new round, so trades fall inside or outside the oracle-edge windows.
    function tick(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 1, 2 * market.oracleEdgeWindow() + 1));
        _after();
    }

    /// @dev A fresh account opens, the feed moves `delay` seconds later, and it closes
    /// `closeDelay` seconds after that: opened less than the window before the round, it must not
    /// gain (the growth charge, or the after-round rule for a close inside the round's window).
    function roundTripAcrossTheWindow(
        uint256 sizeSeed,
        bool sell,
        uint256 moveBps,
        bool up,
        uint256 delay,
        uint256 closeDelay
    ) external {
        address trader = address(0x3002);
        (, int256 answer, , , ) = feed.latestRoundData();
        uint256 margin = 10_000e6;
        usdc.mint(trader, margin);
        vm.startPrank(trader);
        usdc.approve(address(market), margin);
        market.depositMargin(margin);
        int256 size = int256(bound(sizeSeed, 1e15, (margin * 1e30 * 5) / (uint256(answer) * 1e10)));
        if (sell) size = -size;
        uint256 window = market.oracleEdgeWindow();
        delay = bound(delay, 0, 2 * window);
        try market.modifyPosition(size, sell ? 0 : type(uint256).max) {
            vm.warp(block.timestamp + delay);
            moveBps = bound(moveBps, 1, 500);
            uint256 next =
                up ? (uint256(answer) * (10_000 + moveBps)) / 10_000 : (uint256(answer) * (10_000 - moveBps)) / 10_000;
            feed.updateAnswer(int256(next));
            vm.warp(block.timestamp + bound(closeDelay, 0, 2 * window));
            market.modifyPosition(-size, sell ? type(uint256).max : 0);
        } catch {}
        uint256 left = market.positionOf(trader).margin;
        if (delay < window && left > margin) roundTripGained = true;
        if (left > 0) market.withdrawMargin(left, trader);
        vm.stopPrank();
        _after();
    }

    /// @dev An account with no position withdraws all its margin; that must always succeed.
    function exitFlat(uint256 actorSeed) external {
        address actor = _actors[actorSeed % 4];
        IPerpMarket.PositionView memory v = market.positionOf(actor);
        if (v.size != 0 || v.margin == 0) return;
        vm.prank(actor);
        try market.withdrawMargin(v.margin, actor) {} catch {
            flatExitFailed = true;
        }
        _after();
    }

    /// @dev An outside buyer takes part or all of the pool's seized collateral: it must pay at
    /// least the discounted value at the latest answer (the sale prices at that or higher), and
    /// only the pool's two balances move, by the quantity and the cost.
    function buySeized(uint256 qtySeed) external {
        uint256 held = market.poolCollateral();
        if (held == 0) return;
        uint256 qty = bound(qtySeed, 1, held);
        int256 poolBefore = market.poolBalance();
        uint256 debtBefore = market.totalMarginDebt();
        (uint256 quote, ) = market.seizedCollateralCost(qty);
        usdc.mint(BUYER, quote);
        vm.startPrank(BUYER);
        usdc.approve(address(market), quote);
        uint256 cost = market.buySeizedCollateral(qty, quote);
        vm.stopPrank();
        seizedSales++;
        seizedBought += qty;
        uint256 discounted = (qty * _price() * (10_000 - market.SEIZED_SALE_DISCOUNT_BPS())) / 1e34;
        if (cost < discounted || cost == 0) saleBelowDiscountedValue = true;
        if (
            cost != quote ||
            market.poolBalance() != poolBefore + int256(cost) ||
            market.poolCollateral() != held - qty ||
            market.totalMarginDebt() != debtBefore ||
            weth.balanceOf(BUYER) != seizedBought
        ) saleMovedWrongAmounts = true;
        _after();
    }

    function fundPool(uint256 amount) external {
        amount = bound(amount, 1, 1e10);
        usdc.mint(address(this), amount);
        usdc.approve(address(market), amount);
        market.fundPool(amount);
        _after();
    }

    function _after() internal {
        if (market.totalMarginDebt() != 0) debtsSeen++;
        uint256 badDebt = market.badDebt();
        if (badDebt < lastBadDebt) badDebtDecreased = true;
        lastBadDebt = badDebt;
    }
}

/// @notice Invariants of the market under the handler's random sequences.
contract PerpMarketInvariantTest is PerpDeployer {
    PerpMarket internal market;
    TestERC20 internal usdc;
    TestERC20 internal weth;
    MockV3Aggregator internal feed;
    PerpHandler internal handler;

    function setUp() public {
        usdc = new TestERC20("USD Coin", "USDC", 6);
        weth = new TestERC20("Wrapped Ether", "WETH", 18);
        feed = new MockV3Aggregator(8, 3_000e8);
        IPerpMarket.MarketParams memory p = _params();
        // Smaller scale and caps so four accounts move the skew, premium and funding materially.
        p.skewScale = 2_000;
        p.maxFundingRatePerDay = 1e16;
        p.maxLongOpenInterest = 150;
        p.maxShortOpenInterest = 150;
        market = new PerpMarket(usdc, _feed(feed), p, weth, NO_BOOK);
        handler = new PerpHandler(market, usdc, weth, feed);
        // A small pool, so deficits and bad debt are reachable.
        usdc.mint(address(this), 1_000e6);
        usdc.approve(address(market), type(uint256).max);
        market.fundPool(1_000e6);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Per token, to the wei: USDC held == pool + sum of signed margins; WETH held ==
    /// the pool's WETH + sum of collateral; the debt sum is the sum of the negative margins.
    function invariant_marginConservation() public view {
        address[4] memory actors = handler.actors();
        int256 total = market.poolBalance();
        uint256 collateralTotal = market.poolCollateral();
        uint256 debt;
        for (uint256 i = 0; i < actors.length; i++) {
            IPerpMarket.PositionView memory v = market.positionOf(actors[i]);
            total += v.signedMargin;
            collateralTotal += v.collateral;
            if (v.signedMargin < 0) debt += uint256(-v.signedMargin);
            require(v.margin == (v.signedMargin > 0 ? uint256(v.signedMargin) : 0), "margin != positive part");
        }
        require(int256(usdc.balanceOf(address(market))) == total, "balance != margins + pool");
        require(weth.balanceOf(address(market)) == collateralTotal, "base balance != collateral + pool's");
        require(market.totalMarginDebt() == debt, "debt sum != negative margins");
    }

    /// @notice A collateral withdrawal that passed left the account within the initial margin.
    function invariant_collateralWithdrawalsKeepTheRule() public view {
        require(!handler.withdrawalBelowRule(), "a collateral withdrawal left a position below the rule");
    }

    /// @notice Open interest per side equals the sum of account sizes on that side.
    function invariant_openInterestMatchesSizes() public view {
        address[4] memory actors = handler.actors();
        uint256 long;
        uint256 short;
        for (uint256 i = 0; i < actors.length; i++) {
            int256 size = market.sizeOf(actors[i]);
            if (size > 0) long += uint256(size);
            else short += uint256(-size);
        }
        (uint256 oiLong, uint256 oiShort) = market.openInterest();
        require(oiLong == long && oiShort == short, "open interest != sum of sizes");
        require(market.skew() == int256(long) - int256(short), "skew != long - short");
    }

    /// @notice A trade that opened, grew or flipped a position never left it below initial margin.
    function invariant_noTradeLeavesPositionBelowInitialMargin() public view {
        require(!handler.tradeBelowInitialMargin(), "trade left a position below initial margin");
    }

    /// @notice The pool never pays out tokens it does not hold, so every positive settled margin is
    /// backed: its cash (balance less receivables) >= 0, i.e. tokens >= sum of positive margins,
    /// and a flat account can always take all of its margin out.
    function invariant_poolNeverPaysPastItsBalance() public view {
        require(market.poolCash() >= 0, "pool paid past its cash");
        require(market.poolBalance() >= 0, "pool paid past its balance");
        require(!handler.flatExitFailed(), "a flat account could not withdraw its margin");
    }

    /// @notice Pool solvency counts open positions: openClaims equals the sum of every account's
    /// unrealised PnL and accrued funding (up to per-account rounding), and poolEquity is the
    /// pool less those claims.
    function invariant_openClaimsMatchPositions() public view {
        address[4] memory actors = handler.actors();
        (, int256 answer, , , ) = feed.latestRoundData();
        int256 price = answer * 1e10;
        int256 claims;
        int256 pool = market.poolBalance();
        for (uint256 i = 0; i < actors.length; i++) {
            IPerpMarket.PositionView memory v = market.positionOf(actors[i]);
            // At face: the view itself may cut a profit the pool cannot pay. The view counts a
            // pending growth charge at once (its entry re-priced), open claims when it is applied.
            (, , , uint256 pendingCharge) = market.edgeGrowthOf(actors[i]);
            claims +=
                PerpMath.signedValue(v.size, price - int256(v.entryPrice), 1e30) +
                v.accruedFunding +
                int256(pendingCharge);
            // ...and never values an account's profit past what the pool holds.
            require(
                v.unrealizedPnl + v.accruedFunding <= (pool > 0 ? pool : int256(0)) ||
                    v.unrealizedPnl + v.accruedFunding <= 0,
                "profit valued past the pool"
            );
        }
        int256 reported = market.openClaims();
        require(_abs(reported - claims) <= 4 * actors.length + 4, "open claims drift from positions");
        int256 poolWeth = int256((market.poolCollateral() * uint256(price)) / 1e30);
        require(market.poolEquity() == pool + poolWeth - reported, "pool equity != pool + its WETH - claims");
    }

    /// @notice Every account's guarded size carries its position's sign and never exceeds it.
    function invariant_guardedSizeWithinPosition() public view {
        address[4] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; i++) {
            int256 size = market.sizeOf(actors[i]);
            (, , int256 guarded, ) = market.edgeGrowthOf(actors[i]);
            require(guarded == 0 || (guarded > 0) == (size > 0), "guarded on the wrong side");
            require(_abs(guarded) <= _abs(size), "guarded more than the position");
        }
    }

    /// @notice No round trip around a feed update ever gained.
    function invariant_noRiskFreeRoundTrip() public view {
        require(!handler.roundTripGained(), "a round trip around an update gained");
    }

    /// @notice A sale of seized collateral never prices below the oracle value less the discount
    /// and moves exactly its quantity and cost between the pool and the buyer.
    function invariant_seizedSalesPayThePool() public view {
        require(!handler.saleBelowDiscountedValue(), "seized collateral sold below its discounted value");
        require(!handler.saleMovedWrongAmounts(), "a seized-collateral sale moved the wrong amounts");
    }

    /// @notice Bad debt is a running total: it never shrinks.
    function invariant_badDebtOnlyGrows() public view {
        require(!handler.badDebtDecreased(), "bad debt decreased");
        require(market.badDebt() >= handler.lastBadDebt(), "bad debt below its last value");
    }
}
