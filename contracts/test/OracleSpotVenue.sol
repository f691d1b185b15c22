// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISpotVenue} from "../interfaces/ISpotVenue.sol";
import {TestERC20} from "./TestERC20.sol";

/// @title OracleSpotVenue
/// @notice TEST DOUBLE of a spot market, for Solidity tests only: swaps between two TestERC20
/// tokens at the Chainlink price less a fee and a configurable adverse offset (standing in for
/// slippage or a pool pushed off the oracle). It mints what it pays out and keeps what it is paid,
/// so it never runs out of inventory. Anyone may change the offset: never deploy it with value.
/// @dev Real Uniswap V3 comes from npm artifacts, which Solidity tests cannot deploy easily; this
/// double keeps the invariant suite on the same ISpotVenue surface the vault uses.
contract OracleSpotVenue is ISpotVenue {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;

    TestERC20 public immutable asset;
    TestERC20 public immutable spot;
    AggregatorV3Interface public immutable feed;
    /// @notice Fee charged on every swap's output, bps.
    uint256 public immutable feeBps;
    /// @notice Extra output withheld on every swap, bps (a price worse than the oracle).
    uint256 public adverseBps;
    /// @notice Spot tokens (18-decimal units) a swap trades for each further bps withheld (a pool's
    /// depth: a large swap fills worse than a small one); zero for none.
    uint256 public spotPerImpactBps;
    /// @notice Every quote reverts (QuoteUnavailable) while swaps still fill: a quoter misconfigured or down.
    bool public quotesRevert;

    /// @notice Fee plus offset would take the whole output.
    error OffsetTooLarge(uint256 feeBps, uint256 adverseBps);
    /// @notice Quotes are switched off (`setQuotesRevert`).
    error QuoteUnavailable();
    /// @notice The feed answered zero or a negative price.
    error BadPrice(int256 answer);

    event AdverseOffsetSet(uint256 adverseBps);

    constructor(TestERC20 asset_, TestERC20 spot_, AggregatorV3Interface feed_, uint256 feeBps_) {
        if (feeBps_ >= BPS) revert OffsetTooLarge(feeBps_, 0);
        asset = asset_;
        spot = spot_;
        feed = feed_;
        feeBps = feeBps_;
    }

    /// @notice Sets the adverse offset (test control).
    function setAdverseBps(uint256 adverseBps_) external {
        if (feeBps + adverseBps_ >= BPS) revert OffsetTooLarge(feeBps, adverseBps_);
        adverseBps = adverseBps_;
        emit AdverseOffsetSet(adverseBps_);
    }

    /// @notice Sets the depth (test control): each `spotPerImpactBps_` of spot a swap trades
    /// withholds one bps more of its output.
    function setDepth(uint256 spotPerImpactBps_) external {
        spotPerImpactBps = spotPerImpactBps_;
    }

    /// @notice Makes every quote revert, or answer again (test control).
    function setQuotesRevert(bool quotesRevert_) external {
        quotesRevert = quotesRevert_;
    }

    /// @inheritdoc ISpotVenue
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut,
        address recipient
    ) external returns (uint256 amountOut) {
        amountOut = _quote(tokenIn, tokenOut, amountIn);
        if (amountOut < minAmountOut) revert InsufficientOutput(amountOut, minAmountOut);
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        TestERC20(tokenOut).mint(recipient, amountOut);
        emit Swapped(tokenIn, tokenOut, amountIn, amountOut, recipient);
    }

    /// @inheritdoc ISpotVenue
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external view returns (uint256) {
        if (quotesRevert) revert QuoteUnavailable();
        return _quote(tokenIn, tokenOut, amountIn);
    }

    /// @dev Oracle value of `amountIn` in the other token, rounded down, less fee and offset.
    function _quote(address tokenIn, address tokenOut, uint256 amountIn) internal view returns (uint256) {
        if (amountIn == 0) revert ZeroAmount();
        (, int256 answer, , , ) = feed.latestRoundData();
        if (answer <= 0) revert BadPrice(answer);
        uint256 price = uint256(answer);
        uint256 priceUnit = 10 ** feed.decimals();
        uint256 assetUnit = 10 ** asset.decimals();
        uint256 spotUnit = 10 ** spot.decimals();
        uint256 gross;
        if (tokenIn == address(asset) && tokenOut == address(spot)) {
            gross = Math.mulDiv(amountIn, spotUnit * priceUnit, price * assetUnit);
        } else if (tokenIn == address(spot) && tokenOut == address(asset)) {
            gross = Math.mulDiv(amountIn, price * assetUnit, spotUnit * priceUnit);
        } else {
            revert UnsupportedPair(tokenIn, tokenOut);
        }
        uint256 withheld = feeBps + adverseBps;
        if (spotPerImpactBps != 0) withheld += (tokenIn == address(spot) ? amountIn : gross) / spotPerImpactBps;
        return withheld >= BPS ? 0 : Math.mulDiv(gross, BPS - withheld, BPS);
    }
}
