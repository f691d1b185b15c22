import { expect } from "chai";
import { network } from "hardhat";
import { keccak256 } from "ethers";
import { UNISWAP_ARTIFACTS } from "../../deploy/lib/uniswap.js";
import { uniswapFixture02 } from "../../deploy/lib/stack/uniswap.js";
import { USDC, WAD, describeSpotVenueBehaviour, fund } from "./spotVenueBehaviour.js";

const { ethers, networkHelpers } = await network.create();

// Built once so loadFixture can snapshot and revert to it.
const market = uniswapFixture02(ethers);

describe("UniswapV3SpotVenue02 (real SwapRouter02 over a real Uniswap V3 pool)", function () {
  describe("SwapRouter02 wiring", function () {
    it("runs against a SwapRouter02 whose pool init-code hash is the npm v3-core pool's", async function () {
      const f = await networkHelpers.loadFixture(market);
      // SwapRouter02 computes pool addresses from a compiled-in hash rather than asking the
      // factory: if it differed from the npm pool's, every swap would call an empty address.
      const initCodeHash = keccak256(UNISWAP_ARTIFACTS.pool.bytecode).slice(2);
      expect(UNISWAP_ARTIFACTS.router02.bytecode.toLowerCase()).to.include(initCodeHash);
      expect(await f.router02.factory()).to.equal(await f.uniswap.factory.getAddress());
      expect(await f.router02.positionManager()).to.equal(await f.uniswap.positionManager.getAddress());
      expect(await f.router02.factoryV2()).to.equal(ethers.ZeroAddress);
    });
  });

  describeSpotVenueBehaviour({
    ethers,
    networkHelpers,
    contractName: "UniswapV3SpotVenue02",
    fixture: market,
    quotePoolPriceWad: 2_950n * WAD,
    // The v1 adapter over SwapRouter fills the same swap identically: same pool, same maths.
    sameOutputAs: {
      name: "the v1 adapter",
      deploy: async (f) =>
        ethers.deployContract("UniswapV3SpotVenue", [
          await f.uniswap.router.getAddress(),
          f.addresses.quoter,
          f.addresses.usdc,
          f.addresses.weth,
          f.fee,
        ]),
    },
  });

  describe("swapExactIn to SwapRouter02's placeholder recipients", function () {
    for (const placeholder of [
      "0x0000000000000000000000000000000000000001",
      "0x0000000000000000000000000000000000000002",
    ]) {
      it(`pays recipient ${placeholder} itself, which SwapRouter02 would read as a placeholder`, async function () {
        const f = await networkHelpers.loadFixture(market);
        const amountIn = USDC(3_000n);
        await fund(f, "usdc", f.alice, amountIn);
        const quote = await f.venue.quoteExactIn.staticCall(f.addresses.usdc, f.addresses.weth, amountIn);
        await expect(
          f.venue.connect(f.alice).swapExactIn(f.addresses.usdc, f.addresses.weth, amountIn, quote, placeholder),
        )
          .to.emit(f.venue, "Swapped")
          .withArgs(f.addresses.usdc, f.addresses.weth, amountIn, quote, placeholder);
        expect(await f.weth.balanceOf(placeholder)).to.equal(quote);
        for (const holder of [f.addresses.venue, f.addresses.router]) {
          expect(await f.weth.balanceOf(holder)).to.equal(0n);
        }
      });
    }
  });
});
