import { expect } from "chai";
import { network } from "hardhat";
import {
  MAX_SQRT_RATIO,
  MIN_SQRT_RATIO,
  Q96,
  poolPriceWad,
  priceFromSqrtPriceX96,
  pushPoolToPrice,
  sqrtBigInt,
  sqrtPriceX96FromPrice,
} from "../../deploy/lib/uniswap.js";
import { uniswapFixture } from "../../deploy/lib/stack/uniswap.js";
import { USDC, WAD, WETH, describeSpotVenueBehaviour, fund } from "./spotVenueBehaviour.js";

const { ethers, networkHelpers } = await network.create();

// Built once so loadFixture can snapshot and revert to each.
const fullRange = uniswapFixture(ethers);
const concentrated = uniswapFixture(ethers, { halfWidthTicks: 1_000 });

function relDiffWad(a: bigint, b: bigint): bigint {
  return ((a > b ? a - b : b - a) * WAD) / b;
}

describe("UniswapV3SpotVenue (real Uniswap V3 pool)", function () {
  describeSpotVenueBehaviour({
    ethers,
    networkHelpers,
    contractName: "UniswapV3SpotVenue",
    fixture: fullRange,
    quotePoolPriceWad: 3_100n * WAD,
  });

  describe("pool seeded at the oracle price", function () {
    it("starts at the oracle price", async function () {
      const f = await networkHelpers.loadFixture(fullRange);
      const [, answer] = await f.oracle.latestRoundData();
      expect(answer * 10n ** 10n).to.equal(f.priceWad);
      const { sqrtPriceX96 } = await f.pool.slot0();
      expect(sqrtPriceX96).to.equal(sqrtPriceX96FromPrice(f.priceWad, f.addresses.weth, f.addresses.usdc, 18, 6));
      expect(relDiffWad(await poolPriceWad(f.pool, f.pair), f.priceWad)).to.be.lessThanOrEqual(1n);
    });

    it("fills a small swap each way at the oracle price plus the 0.05% fee and under 0.05% impact", async function () {
      const f = await networkHelpers.loadFixture(fullRange);
      const fee = 500n; // of 1e6
      const maxImpactWad = WAD / 2_000n; // 0.05%

      // Buy WETH for 3,000 USDC: pays at least oracle * (1 + fee) per WETH, and not much more.
      const usdcIn = USDC(3_000n);
      await fund(f, "usdc", f.alice, usdcIn);
      await f.venue.connect(f.alice).swapExactIn(f.addresses.usdc, f.addresses.weth, usdcIn, 0n, f.alice);
      const wethOut = await f.weth.balanceOf(f.alice.address);
      const buyPrice = (usdcIn * 10n ** 12n * WAD) / wethOut; // USDC per WETH, WAD
      const buyFloor = (f.priceWad * 1_000_000n) / (1_000_000n - fee);
      expect(buyPrice).to.be.greaterThanOrEqual(buyFloor);
      expect(buyPrice).to.be.lessThanOrEqual(buyFloor + (buyFloor * maxImpactWad) / WAD);

      // Sell 1 WETH: receives at most oracle * (1 - fee), and not much less.
      const f2 = await networkHelpers.loadFixture(fullRange);
      const wethIn = WETH(1n);
      await fund(f2, "weth", f2.alice, wethIn);
      await f2.venue.connect(f2.alice).swapExactIn(f2.addresses.weth, f2.addresses.usdc, wethIn, 0n, f2.alice);
      const sellPrice = (await f2.usdc.balanceOf(f2.alice.address)) * 10n ** 12n;
      const sellCeil = (f2.priceWad * (1_000_000n - fee)) / 1_000_000n;
      expect(sellPrice).to.be.lessThanOrEqual(sellCeil);
      expect(sellPrice).to.be.greaterThanOrEqual(sellCeil - (sellCeil * maxImpactWad) / WAD);
    });
  });

  describe("pushPoolToPrice", function () {
    const tolerance = WAD / 1_000n; // 0.1%
    const cases = [
      { name: "full range, up 5%", fixture: fullRange, target: 3_150n * WAD },
      { name: "full range, down 5%", fixture: fullRange, target: 2_850n * WAD },
      { name: "full range, up 40%", fixture: fullRange, target: 4_200n * WAD },
      { name: "full range, down 30%", fixture: fullRange, target: 2_100n * WAD },
      { name: "concentrated, up 3%", fixture: concentrated, target: 3_090n * WAD },
      { name: "concentrated, down 3%", fixture: concentrated, target: 2_910n * WAD },
      // Beyond the +-10% position: the pool runs out of liquidity and must still land on target.
      { name: "concentrated, past the range up", fixture: concentrated, target: 3_600n * WAD, outOfRange: true },
      { name: "concentrated, past the range down", fixture: concentrated, target: 2_500n * WAD, outOfRange: true },
    ];
    for (const c of cases) {
      it(`moves the pool to within 0.1% of the target (${c.name}) and pays what it reports`, async function () {
        const f = await networkHelpers.loadFixture(c.fixture);
        const trader = f.bob;
        const result = await pushPoolToPrice(trader, f.uniswap.router, f.pool, f.pair, c.target, {
          fund: async (token, amount) => {
            await (token === f.addresses.usdc ? f.usdc : f.weth).mint(trader.address, amount);
          },
        });
        const price = await poolPriceWad(f.pool, f.pair);
        expect(relDiffWad(price, c.target)).to.be.lessThanOrEqual(tolerance);
        expect(result.priceWad).to.equal(price);
        // The limit price makes it land exactly on the target's sqrt price; with one liquidity value
        // (full range) the computed input gets there in a single swap.
        expect(result.sqrtPriceX96).to.equal(
          sqrtPriceX96FromPrice(c.target, f.addresses.weth, f.addresses.usdc, 18, 6),
        );
        if (c.fixture === fullRange) expect(result.swaps).to.equal(1);
        else expect(result.swaps).to.be.greaterThan(0);
        // The pusher pays only the input side of its direction.
        const usdcIsToken0 = BigInt(f.addresses.usdc) < BigInt(f.addresses.weth);
        const up = c.target > f.priceWad; // WETH dearer: USDC goes in
        const [usdcIn, wethIn] = usdcIsToken0
          ? [result.amount0In, result.amount1In]
          : [result.amount1In, result.amount0In];
        expect(up ? usdcIn : wethIn).to.be.greaterThan(0n);
        expect(up ? wethIn : usdcIn).to.equal(0n);
        if ("outOfRange" in c) {
          // Past the position there is nothing left to trade against.
          expect(await f.pool.liquidity()).to.equal(0n);
          return;
        }
        // The venue now trades at the new price: a small buy costs about target * (1 + fee).
        await fund(f, "usdc", f.alice, USDC(1_000n));
        await f.venue.connect(f.alice).swapExactIn(f.addresses.usdc, f.addresses.weth, USDC(1_000n), 0n, f.alice);
        const paid = (USDC(1_000n) * 10n ** 12n * WAD) / (await f.weth.balanceOf(f.alice.address));
        expect(relDiffWad(paid, c.target)).to.be.lessThanOrEqual(WAD / 500n); // fee + tolerance
      });
    }

    it("does nothing when the pool is already at the target", async function () {
      const f = await networkHelpers.loadFixture(fullRange);
      const before = (await f.pool.slot0()).sqrtPriceX96;
      // bob holds no tokens: any swap attempt would throw.
      const result = await pushPoolToPrice(f.bob, f.uniswap.router, f.pool, f.pair, f.priceWad);
      expect(result.swaps).to.equal(0);
      expect(result.amount0In + result.amount1In).to.equal(0n);
      expect(result.sqrtPriceX96).to.equal(before);
      expect(result.priceWad).to.equal(priceFromSqrtPriceX96(before, f.addresses.weth, f.addresses.usdc, 18, 6));
    });
  });

  describe("sqrtPriceX96FromPrice / priceFromSqrtPriceX96", function () {
    const LOW = "0x1000000000000000000000000000000000000000"; // token0 of any pair here
    const HIGH = "0xF000000000000000000000000000000000000000";

    it("matches exact values for both token orderings and decimals", function () {
      // Same decimals, price 4: base token0 => raw1/raw0 = 4; base token1 => 1/4.
      expect(sqrtPriceX96FromPrice(4n * WAD, LOW, HIGH, 18, 18)).to.equal(2n * Q96);
      expect(sqrtPriceX96FromPrice(4n * WAD, HIGH, LOW, 18, 18)).to.equal(Q96 / 2n);
      // Base 18 decimals, quote 6, price 4e12: raw1/raw0 = 4e12 * 1e6 / 1e18 = 4 (base token0).
      expect(sqrtPriceX96FromPrice(4n * 10n ** 12n * WAD, LOW, HIGH, 18, 6)).to.equal(2n * Q96);
      expect(sqrtPriceX96FromPrice(4n * 10n ** 12n * WAD, HIGH, LOW, 18, 6)).to.equal(Q96 / 2n);
      // Base 6 decimals, quote 18, price 4e-12: raw1/raw0 = 4e-12 * 1e18 / 1e6 = 4 (base token0).
      expect(sqrtPriceX96FromPrice(4_000_000n, LOW, HIGH, 6, 18)).to.equal(2n * Q96);
      expect(sqrtPriceX96FromPrice(4_000_000n, HIGH, LOW, 6, 18)).to.equal(Q96 / 2n);
      // And back.
      expect(priceFromSqrtPriceX96(2n * Q96, LOW, HIGH, 18, 6)).to.equal(4n * 10n ** 12n * WAD);
      expect(priceFromSqrtPriceX96(Q96 / 2n, HIGH, LOW, 18, 6)).to.equal(4n * 10n ** 12n * WAD);
      expect(priceFromSqrtPriceX96(2n * Q96, LOW, HIGH, 6, 18)).to.equal(4_000_000n);
    });

    const prices = [1n, 3_000n * WAD, 1_234_567_890_123_456_789_012n, WAD / 3_000n, 65_000n * WAD, 10n ** 30n];
    for (const [baseDec, quoteDec] of [
      [18, 6],
      [6, 18],
      [18, 18],
      [6, 6],
    ]) {
      for (const [base, quote, order] of [
        [LOW, HIGH, "base token0"],
        [HIGH, LOW, "base token1"],
      ]) {
        it(`round-trips within 1e-15 or 1 wei (${baseDec}/${quoteDec} decimals, ${order})`, function () {
          let tested = 0;
          for (const price of prices) {
            let sqrtP: bigint;
            try {
              sqrtP = sqrtPriceX96FromPrice(price, base, quote, baseDec, quoteDec);
            } catch {
              continue; // price not representable by a pool with these decimals
            }
            expect(sqrtP >= MIN_SQRT_RATIO && sqrtP < MAX_SQRT_RATIO).to.equal(true);
            const back = priceFromSqrtPriceX96(sqrtP, base, quote, baseDec, quoteDec);
            const err = back > price ? back - price : price - back;
            expect(err).to.be.lessThanOrEqual(price / 10n ** 15n + 1n, `price ${price}`);
            tested += 1;
          }
          expect(tested).to.be.greaterThanOrEqual(4);
        });
      }
    }

    it("rejects prices a pool cannot represent", function () {
      expect(() => sqrtPriceX96FromPrice(0n, LOW, HIGH, 18, 6)).to.throw();
      expect(() => sqrtPriceX96FromPrice(10n ** 70n, LOW, HIGH, 18, 18)).to.throw(/outside the range/);
    });

    it("sqrtBigInt is the exact floor square root", function () {
      for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 2n ** 192n, 2n ** 192n - 1n, 10n ** 77n + 12345n]) {
        const r = sqrtBigInt(n);
        expect(r * r <= n && (r + 1n) * (r + 1n) > n).to.equal(true, `sqrt(${n}) = ${r}`);
      }
    });
  });
});
