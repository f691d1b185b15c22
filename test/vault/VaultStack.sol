// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {IPerpVenue} from "../../contracts/interfaces/IPerpVenue.sol";
import {ISpotVenue} from "../../contracts/interfaces/ISpotVenue.sol";
import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {DelayedOrders} from "../../contracts/perp/DelayedOrders.sol";
import {IDelayedOrders} from "../../contracts/interfaces/IDelayedOrders.sol";
import {PerpMarket} from "../../contracts/perp/PerpMarket.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {PerpMarketAdapter} from "../../contracts/perp/PerpMarketAdapter.sol";
import {OracleSpotVenue} from "../../contracts/test/OracleSpotVenue.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {DeltaNeutralVault} from "../../contracts/vault/DeltaNeutralVault.sol";
import {TestBase} from "../utils/Vm.sol";
import {VaultHandler} from "./VaultHandler.sol";

/// @notice The vault stack of deploy/lib/stack/vaultStack.ts in Solidity: USDC, WETH, an 8-decimal
/// feed at $3,000, the real PerpMarket (funded pool, WETH accepted as collateral) and its adapter,
/// the oracle-priced spot venue test double, the vault in the hedge mode the test contract names
/// (`_hedgeMode`) with that mode's default bands and strategy, and the handler that holds the
/// keeper, guardian and owner roles. A test contract may put the market in delayed mode
/// (`_delayedVenue`): it then fills orders at the next oracle round through `orderBook`.
abstract contract VaultStackBase is TestBase {
    uint32 internal constant HEARTBEAT = 3_600;
    uint256 internal constant PERP_POOL_USDC = 20_000_000e6;
    uint256 internal constant VIRTUAL_SHARES = 1e6;

    TestERC20 internal usdc;
    TestERC20 internal weth;
    MockV3Aggregator internal feed;
    PerpMarket internal market;
    PerpMarketAdapter internal adapter;
    OracleSpotVenue internal venue;
    DeltaNeutralVault internal vault;
    VaultHandler internal handler;
    /// @notice The market's DelayedOrders book (zero on a synchronous market).
    DelayedOrders internal orderBook;

    /// @dev The hedge mode the vault is deployed in; each concrete test contract names its own.
    function _hedgeMode() internal pure virtual returns (IDeltaNeutralVault.HedgeMode);

    /// @dev The asset's decimals (the stack's USDC has 6); a test may deploy an 18-decimal one.
    function _assetDecimals() internal pure virtual returns (uint8) {
        return 6;
    }

    /// @dev The perp market fills at once (the default), or later, at the first oracle round after
    /// the order, through a DelayedOrders book with the stack's DELAYED_ORDERS_DEFAULTS
    /// (deploy/lib/stack/perp.ts: 5 s minimum delay, 3 h expiry, a 1 USDC execution fee).
    function _delayedVenue() internal pure virtual returns (bool) {
        return false;
    }

    /// @dev The market's initial margin, bps (the stack fixture's 10%).
    function _initialMarginBps() internal pure virtual returns (uint256) {
        return 1_000;
    }

    /// @dev The feed's price at set-up, 8 decimals.
    function _initialPrice() internal pure virtual returns (int256) {
        return 3_000e8;
    }

    /// @dev `amount` of 6-decimal units in the asset's own units.
    function _units(uint256 amount) internal pure returns (uint256) {
        return (amount * 10 ** _assetDecimals()) / 1e6;
    }

    function setUp() public virtual {
        // A realistic clock, so no time arithmetic starts near zero.
        vm.warp(1_700_000_000);
        usdc = new TestERC20("USD Coin", "USDC", _assetDecimals());
        weth = new TestERC20("Wrapped Ether", "WETH", 18);
        feed = new MockV3Aggregator(8, _initialPrice());
        OracleLib.Feed memory oracle = OracleLib.Feed({
            aggregator: AggregatorV3Interface(address(feed)),
            heartbeat: HEARTBEAT,
            sequencerUptimeFeed: AggregatorV3Interface(address(0)),
            sequencerGracePeriod: 0
        });

        market = _deployMarket(oracle);
        feed.updateAnswer(_initialPrice()); // fresh again after the parameter delay
        adapter = new PerpMarketAdapter(market);
        // 5 bps, like the stack's Uniswap fee tier.
        venue = new OracleSpotVenue(usdc, weth, AggregatorV3Interface(address(feed)), 5);

        vault = _deployVault(oracle);
        adapter.bindVault(address(vault));

        handler = new VaultHandler(vault, market, adapter, usdc, weth, feed, venue);
        vault.setKeeper(address(handler), true);
        vault.setGuardian(address(handler), true);
        vault.transferOwnership(address(handler));
        handler.acceptVaultOwnership();
        if (_delayedVenue()) handler.setOrderBook(orderBook);
    }

    function _spotCollateral() internal pure returns (bool) {
        return _hedgeMode() == IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }

    /// @dev The stack fixture's perp parameters (skew scale and caps in whole tokens, as
    /// PerpMarket takes them), with the same funded pool and WETH as its base collateral (the
    /// market's default 10% haircut).
    function _deployMarket(OracleLib.Feed memory oracle) internal returns (PerpMarket m) {
        if (_delayedVenue()) {
            orderBook = new DelayedOrders(
                IDelayedOrders.Params({minDelay: 5, maxDelay: 3 hours, executionFee: _units(1e6)})
            );
        }
        m = new PerpMarket(
            usdc,
            oracle,
            IPerpMarket.MarketParams({
                takerFeeBps: 5,
                initialMarginBps: _initialMarginBps(),
                maintenanceMarginBps: 500,
                liquidationRewardBps: 100,
                maxFundingRatePerDay: 1e15,
                skewScale: 1_000_000,
                maxLongOpenInterest: 100_000,
                maxShortOpenInterest: 100_000
            }),
            weth,
            address(orderBook) // zero: synchronous
        );
        if (_delayedVenue()) orderBook.bindMarket(m);
        usdc.mint(address(this), _units(PERP_POOL_USDC));
        usdc.approve(address(m), _units(PERP_POOL_USDC));
        m.fundPool(_units(PERP_POOL_USDC));
        // As the stack fixture: compressed time puts rebalances seconds after feed updates; the
        // change waits out the parameter delay, then the feed posts a fresh round.
        m.setParameter("oracleEdgeWindow", 0);
        vm.warp(block.timestamp + m.PARAMETER_DELAY());
        m.applyParameter("oracleEdgeWindow");
    }

    /// @dev The stack fixture's bands, strategy and deposit cap for the mode; this contract is the
    /// admin until it hands ownership to the handler.
    function _deployVault(OracleLib.Feed memory oracle) internal returns (DeltaNeutralVault) {
        return
            new DeltaNeutralVault(
                DeltaNeutralVault.Config({
                    asset: usdc,
                    spotToken: weth,
                    spotVenue: ISpotVenue(address(venue)),
                    perpVenue: IPerpVenue(address(adapter)),
                    feed: oracle,
                    assetFeed: OracleLib.Feed(
                        AggregatorV3Interface(address(0)),
                        0,
                        AggregatorV3Interface(address(0)),
                        0
                    ),
                    admin: address(this),
                    guardian: address(0),
                    name: "Delta-Neutral ETH Vault",
                    symbol: "dnETH",
                    bands: _bands(),
                    strategy: _strategy(),
                    depositCap: _units(100_000_000e6),
                    hedgeMode: _hedgeMode()
                })
            );
    }

    /// @dev DEFAULT_BANDS, or SPOT_COLLATERAL_BANDS (the margin bands are the mode's deployment
    /// band: margin ratio = 1 / deployment - haircut).
    function _bands() internal pure virtual returns (IDeltaNeutralVault.Bands memory b) {
        b = IDeltaNeutralVault.Bands({
            deltaSoftBps: 100,
            deltaHardBps: 300,
            minMarginRatioSoftBps: 3_500,
            minMarginRatioHardBps: 2_000,
            maxMarginRatioSoftBps: 7_000,
            maxMarginRatioHardBps: 10_000,
            idleSoftBps: 500,
            idleHardBps: 2_000
        });
        if (_spotCollateral()) {
            b.minMarginRatioSoftBps = 3_750;
            b.minMarginRatioHardBps = 2_500;
            b.maxMarginRatioSoftBps = 18_000;
            b.maxMarginRatioHardBps = 30_000;
        }
    }

    /// @dev DEFAULT_STRATEGY (2x perp leverage), or SPOT_COLLATERAL_STRATEGY (hedged notional 1x
    /// the deployable NAV).
    function _strategy() internal pure virtual returns (IDeltaNeutralVault.Strategy memory) {
        return
            IDeltaNeutralVault.Strategy({
                targetLeverageBps: _spotCollateral() ? 10_000 : 20_000,
                idleBufferBps: 500,
                maxSlippageBps: 50,
                maxRebalanceCostBps: 50,
                minRebalanceInterval: 300,
                rebalanceTargetBps: 0
            });
    }

    /// @dev Invariants read the oracle: run them at the campaign's clock, not setUp's.
    function _sync() internal {
        vm.warp(handler.currentTime());
    }

    function _requireFlag(bool violated) internal view {
        require(!violated, handler.firstViolation());
    }

    /// @dev Rounds by `caller` (at most 3, while a hard band is breached) deploy a deposit: idle
    /// ends inside its soft band, no hard band is left and the book is hedged.
    function _requireDepositDeployedBy(address caller) internal {
        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        for (uint256 round; round < 3 && st.tier == IDeltaNeutralVault.Tier.Hard; ++round) {
            vm.prank(caller);
            vault.rebalance();
            st = vault.vaultState();
        }
        require(st.idleBps <= _strategy().idleBufferBps + _bands().idleSoftBps, "the deposit was not deployed");
        require(st.tier != IDeltaNeutralVault.Tier.Hard, "a hard band is still breached");
        require(SignedMath.abs(st.deltaBps) <= _bands().deltaSoftBps, "the deployed book is not hedged");
    }

    /// @dev `who` is minted `assets` of the asset and deposits them (nothing for 0).
    function _depositFor(address who, uint256 assets) internal {
        if (assets == 0) return;
        _fund(who, assets);
        vm.prank(who);
        vault.deposit(assets, who);
    }

    /// @dev `who` is minted `assets` of the asset and approves the vault for them.
    function _fund(address who, uint256 assets) internal {
        usdc.mint(who, assets);
        vm.prank(who);
        usdc.approve(address(vault), assets);
    }
}

/// @notice Deploys the vault in CashMargin mode: a USDC-margined short beside the spot.
abstract contract CashMarginMode is VaultStackBase {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }
}

/// @notice Deploys the vault in SpotCollateral mode: the spot posted as the short's collateral.
abstract contract SpotCollateralMode is VaultStackBase {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }

    /// @dev The rally the rescue tests start from: `who` deposits 100,000 USDC, anyone deploys it
    /// (idle 5,000 USDC, 31.6508 WETH bought, posted and shorted, margin ratio 89.94%), and ETH
    /// rallies 3,000 -> 7,224 (+140.8%): margin ratio 31.50%, under the soft floor (37.5%).
    function _deployAndRally(address who) internal {
        _depositFor(who, 100_000e6);
        vm.prank(who);
        vault.rebalance();
        vm.warp(block.timestamp + 600);
        feed.updateAnswer(7_224e8);
    }
}
