import { expect } from "chai";
import { network } from "hardhat";
import { keccak256 } from "ethers";
import { pushPoolToPrice, UNISWAP_ARTIFACTS } from "../../deploy/lib/uniswap.js";
import { uniswapFixture02, type UniswapFixture02 } from "../fixtures/uniswap.js";

const { ethers, networkHelpers } = await network.create();

const WAD = 10n ** 18n;
const USDC = (n: bigint) => n * 10n ** 6n;
const WETH = (n: bigint) => n * 10n ** 18n;

// Built once so loadFixture can snapshot and revert to it.
const market = uniswapFixture02(ethers);

/** Mints `amount` of `token` to `who` and approves the venue for it. */
async function fund(f: UniswapFixture02, token: "usdc" | "weth", who: typeof f.alice, amount: bigint) {
  await f[token].mint(who.address, amount);
  await f[token].connect(who).approve(f.addresses.venue, amount);
}

describe("UniswapV3SpotVenue02 (real SwapRouter02 over a real Uniswap V3 pool)", function () {
  describe("deployment", function () {
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

    it("records its settings and approves the router for both tokens without limit", async function () {
      const f = await networkHelpers.loadFixture(market);
      expect(await f.venue.router()).to.equal(f.addresses.router);
      expect(await f.venue.quoter()).to.equal(f.addresses.quoter);
      expect(await f.venue.tokenA()).to.equal(f.addresses.usdc);
      expect(await f.venue.tokenB()).to.equal(f.addresses.weth);
      expect(await f.venue.fee()).to.equal(500n);
      expect(await f.usdc.allowance(f.addresses.venue, f.addresses.router)).to.equal(ethers.MaxUint256);
      expect(await f.weth.allowance(f.addresses.venue, f.addresses.router)).to.equal(ethers.MaxUint256);
    });

    it("rejects a zero address and identical tokens with the v1 adapter's errors", async function () {
      const f = await networkHelpers.loadFixture(market);
      const { router, quoter, usdc, weth } = f.addresses;
      const Venue = await ethers.getContractFactory("UniswapV3SpotVenue02");
      const zero = ethers.ZeroAddress;
      for (const args of [
        [zero, quoter, usdc, weth],
        [router, zero, usdc, weth],
        [router, quoter, zero, weth],
        [router, quoter, usdc, zero],
      ]) {
        await expect(Venue.deploy(args[0], args[1], args[2], args[3], 500)).to.be.revertedWithCustomError(
          Venue,
          "ZeroAddress",
        );
      }
      await expect(Venue.deploy(router, quoter, usdc, usdc, 500))
        .to.be.revertedWithCustomError(Venue, "IdenticalTokens")
        .withArgs(usdc);
    });
  });

  describe("swapExactIn", function () {
    for (const direction of ["USDC->WETH", "WETH->USDC"] as const) {
      it(`${direction}: debits exactly amountIn, pays exactly amountOut to the recipient, keeps nothing`, async function () {
        const f = await networkHelpers.loadFixture(market);
        const [inKey, outKey] = direction === "USDC->WETH" ? (["usdc", "weth"] as const) : (["weth", "usdc"] as const);
        const tokenIn = f[inKey];
        const tokenOut = f[outKey];
        const amountIn = direction === "USDC->WETH" ? USDC(30_000n) : WETH(10n);
        // Leave the sender a surplus so a venue that pulled more than amountIn would show it.
        await fund(f, inKey, f.alice, amountIn * 2n);
        await tokenIn.connect(f.alice).approve(f.addresses.venue, ethers.MaxUint256);

        const inAddr = f.addresses[inKey];
        const outAddr = f.addresses[outKey];
        const expected = await f.venue.quoteExactIn.staticCall(inAddr, outAddr, amountIn);
        expect(expected).to.be.greaterThan(0n);
        const returned = await f.venue.connect(f.alice).swapExactIn.staticCall(inAddr, outAddr, amountIn, 0n, f.bob);
        expect(returned).to.equal(expected);

        const senderInBefore = await tokenIn.balanceOf(f.alice.address);
        const recipientOutBefore = await tokenOut.balanceOf(f.bob.address);
        await expect(f.venue.connect(f.alice).swapExactIn(inAddr, outAddr, amountIn, expected, f.bob))
          .to.emit(f.venue, "Swapped")
          .withArgs(inAddr, outAddr, amountIn, expected, f.bob.address);

        expect(senderInBefore - (await tokenIn.balanceOf(f.alice.address))).to.equal(amountIn);
        expect((await tokenOut.balanceOf(f.bob.address)) - recipientOutBefore).to.equal(expected);
        expect(await tokenOut.balanceOf(f.alice.address)).to.equal(0n);
        for (const holder of [f.addresses.venue, f.addresses.router]) {
          expect(await f.usdc.balanceOf(holder)).to.equal(0n);
          expect(await f.weth.balanceOf(holder)).to.equal(0n);
        }
      });
    }

    for (const direction of ["USDC->WETH", "WETH->USDC"] as const) {
      it(`${direction}: the quote equals the executed output, and the v1 adapter's, for the same pool state`, async function () {
        const f = await networkHelpers.loadFixture(market);
        // Move the pool off its seed first so the check is not specific to the initial state.
        await pushPoolToPrice(f.deployer, f.uniswap.router, f.pool, f.pair, 2_950n * WAD, {
          fund: async (token, amount) => {
            await (token === f.addresses.usdc ? f.usdc : f.weth).mint(f.deployer.address, amount);
          },
        });
        const [inKey, outKey] = direction === "USDC->WETH" ? (["usdc", "weth"] as const) : (["weth", "usdc"] as const);
        const amountIn = direction === "USDC->WETH" ? USDC(123_456_789n) / 100n : WETH(7n) / 3n;
        await fund(f, inKey, f.alice, amountIn);
        // The v1 adapter over SwapRouter fills the same swap identically: same pool, same maths.
        const legacy = await ethers.deployContract("UniswapV3SpotVenue", [
          await f.uniswap.router.getAddress(),
          f.addresses.quoter,
          f.addresses.usdc,
          f.addresses.weth,
          f.fee,
        ]);
        await f[inKey].connect(f.alice).approve(await legacy.getAddress(), amountIn);
        const viaV1 = await legacy
          .connect(f.alice)
          .swapExactIn.staticCall(f.addresses[inKey], f.addresses[outKey], amountIn, 0n, f.alice);

        const quote = await f.venue.quoteExactIn.staticCall(f.addresses[inKey], f.addresses[outKey], amountIn);
        await f.venue.connect(f.alice).swapExactIn(f.addresses[inKey], f.addresses[outKey], amountIn, 0n, f.alice);
        expect(await f[outKey].balanceOf(f.alice.address)).to.equal(quote);
        expect(quote).to.equal(viaV1);
      });
    }

    it("enforces minAmountOut with InsufficientOutput and loses nothing; the exact minimum passes", async function () {
      const f = await networkHelpers.loadFixture(market);
      const amountIn = WETH(5n);
      await fund(f, "weth", f.alice, amountIn);
      const quote = await f.venue.quoteExactIn.staticCall(f.addresses.weth, f.addresses.usdc, amountIn);

      await expect(
        f.venue.connect(f.alice).swapExactIn(f.addresses.weth, f.addresses.usdc, amountIn, quote + 1n, f.alice),
      )
        .to.be.revertedWithCustomError(f.venue, "InsufficientOutput")
        .withArgs(quote, quote + 1n);
      expect(await f.weth.balanceOf(f.alice.address)).to.equal(amountIn);
      expect(await f.usdc.balanceOf(f.alice.address)).to.equal(0n);
      expect(await f.weth.balanceOf(f.addresses.venue)).to.equal(0n);
      expect(await f.weth.allowance(f.alice.address, f.addresses.venue)).to.equal(amountIn);

      await f.venue.connect(f.alice).swapExactIn(f.addresses.weth, f.addresses.usdc, amountIn, quote, f.alice);
      expect(await f.usdc.balanceOf(f.alice.address)).to.equal(quote);
    });

    it("rejects any pair other than its own, in both functions", async function () {
      const f = await networkHelpers.loadFixture(market);
      const other = await ethers.deployContract("TestERC20", ["Other", "OTH", 18]);
      const oth = await other.getAddress();
      const { usdc, weth } = f.addresses;
      await fund(f, "usdc", f.alice, USDC(1_000n));
      for (const [a, b] of [
        [usdc, usdc],
        [weth, weth],
        [usdc, oth],
        [oth, weth],
        [weth, oth],
      ]) {
        await expect(f.venue.connect(f.alice).swapExactIn(a, b, USDC(1_000n), 0n, f.alice))
          .to.be.revertedWithCustomError(f.venue, "UnsupportedPair")
          .withArgs(a, b);
        await expect(f.venue.quoteExactIn.staticCall(a, b, USDC(1_000n)))
          .to.be.revertedWithCustomError(f.venue, "UnsupportedPair")
          .withArgs(a, b);
      }
    });

    it("rejects a zero amount, in both functions", async function () {
      const f = await networkHelpers.loadFixture(market);
      const { usdc, weth } = f.addresses;
      await expect(f.venue.connect(f.alice).swapExactIn(usdc, weth, 0n, 0n, f.alice)).to.be.revertedWithCustomError(
        f.venue,
        "ZeroAmount",
      );
      await expect(f.venue.quoteExactIn.staticCall(weth, usdc, 0n)).to.be.revertedWithCustomError(
        f.venue,
        "ZeroAmount",
      );
    });

    it("reverts without moving funds when the sender has not approved the venue", async function () {
      const f = await networkHelpers.loadFixture(market);
      await f.usdc.mint(f.alice.address, USDC(1_000n));
      await expect(
        f.venue.connect(f.alice).swapExactIn(f.addresses.usdc, f.addresses.weth, USDC(1_000n), 0n, f.alice),
      ).to.be.revertedWithCustomError(f.usdc, "ERC20InsufficientAllowance");
      expect(await f.usdc.balanceOf(f.alice.address)).to.equal(USDC(1_000n));
    });

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
