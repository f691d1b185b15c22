/**
 * Behaviour every Uniswap V3 spot adapter shares through `UniswapV3SpotVenueBase`: deployment
 * settings and approvals, constructor errors, exact-balance swaps both ways, quote equals
 * execution, the `minAmountOut` check, and rejection of other pairs, zero amounts and missing
 * approvals. Each adapter's test file calls `describeSpotVenueBehaviour` once, inside its own
 * top-level `describe`, and keeps only the tests specific to that adapter.
 */
import { expect } from "chai";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { pushPoolToPrice } from "../../deploy/lib/uniswap.js";
import type { UniswapV3SpotVenueBase } from "../../types/ethers-contracts/index.js";
import type { SpotVenueFixture } from "../../deploy/lib/stack/uniswap.js";

export const WAD = 10n ** 18n;
export const USDC = (n: bigint) => n * 10n ** 6n;
export const WETH = (n: bigint) => n * 10n ** 18n;

/** Mints `amount` of `token` to `who` and approves the venue for it. */
export async function fund(f: SpotVenueFixture, token: "usdc" | "weth", who: HardhatEthersSigner, amount: bigint) {
  await f[token].mint(who.address, amount);
  await f[token].connect(who).approve(f.addresses.venue, amount);
}

export interface SpotVenueBehaviourOptions<F extends SpotVenueFixture> {
  /** The test file's connection (from `network.create()`), which `fixture` was built on. */
  ethers: HardhatEthers;
  networkHelpers: NetworkHelpers;
  /** The adapter's artifact name, for the constructor tests. */
  contractName: "UniswapV3SpotVenue" | "UniswapV3SpotVenue02";
  /** A `loadFixture`-able market whose `venue` is the adapter under test; built once per file. */
  fixture: () => Promise<F>;
  /** Price (USDC per WETH, WAD) the quote-equals-execution tests first push the pool to. */
  quotePoolPriceWad: bigint;
  /**
   * Another adapter over the same pool that must fill the quote-equals-execution swaps exactly
   * as the one under test does. `name` completes the test title ("..., and <name>'s, ...").
   */
  sameOutputAs?: { name: string; deploy: (f: F) => Promise<UniswapV3SpotVenueBase> };
}

/** Registers the shared `deployment` and `swapExactIn` tests for one adapter. */
export function describeSpotVenueBehaviour<F extends SpotVenueFixture>(options: SpotVenueBehaviourOptions<F>) {
  const { ethers, networkHelpers, contractName, fixture, quotePoolPriceWad, sameOutputAs } = options;

  describe("deployment", function () {
    it("records its settings and approves the router for both tokens without limit", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      expect(await f.venue.router()).to.equal(f.addresses.router);
      expect(await f.venue.quoter()).to.equal(f.addresses.quoter);
      expect(await f.venue.tokenA()).to.equal(f.addresses.usdc);
      expect(await f.venue.tokenB()).to.equal(f.addresses.weth);
      expect(await f.venue.fee()).to.equal(500n);
      expect(await f.usdc.allowance(f.addresses.venue, f.addresses.router)).to.equal(ethers.MaxUint256);
      expect(await f.weth.allowance(f.addresses.venue, f.addresses.router)).to.equal(ethers.MaxUint256);
    });

    it("rejects a zero address and identical tokens", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const { router, quoter, usdc, weth } = f.addresses;
      const Venue = await ethers.getContractFactory(contractName);
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
        const f = await networkHelpers.loadFixture(fixture);
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

    const alsoMatches = sameOutputAs ? `, and ${sameOutputAs.name}'s,` : "";
    for (const direction of ["USDC->WETH", "WETH->USDC"] as const) {
      it(`${direction}: the quote equals the executed output${alsoMatches} for the same pool state`, async function () {
        const f = await networkHelpers.loadFixture(fixture);
        // Move the pool off its seed first so the check is not specific to the initial state.
        await pushPoolToPrice(f.deployer, f.uniswap.router, f.pool, f.pair, quotePoolPriceWad, {
          fund: async (token, amount) => {
            await (token === f.addresses.usdc ? f.usdc : f.weth).mint(f.deployer.address, amount);
          },
        });
        const [inKey, outKey] = direction === "USDC->WETH" ? (["usdc", "weth"] as const) : (["weth", "usdc"] as const);
        const amountIn = direction === "USDC->WETH" ? USDC(123_456_789n) / 100n : WETH(7n) / 3n;
        await fund(f, inKey, f.alice, amountIn);
        // The reference adapter fills the same swap identically: same pool, same maths.
        let viaReference: bigint | undefined;
        if (sameOutputAs) {
          const reference = await sameOutputAs.deploy(f);
          await f[inKey].connect(f.alice).approve(await reference.getAddress(), amountIn);
          viaReference = await reference
            .connect(f.alice)
            .swapExactIn.staticCall(f.addresses[inKey], f.addresses[outKey], amountIn, 0n, f.alice);
        }

        const quote = await f.venue.quoteExactIn.staticCall(f.addresses[inKey], f.addresses[outKey], amountIn);
        await f.venue.connect(f.alice).swapExactIn(f.addresses[inKey], f.addresses[outKey], amountIn, 0n, f.alice);
        expect(await f[outKey].balanceOf(f.alice.address)).to.equal(quote);
        if (viaReference !== undefined) expect(quote).to.equal(viaReference);
      });
    }

    it("enforces minAmountOut with InsufficientOutput and loses nothing; the exact minimum passes", async function () {
      const f = await networkHelpers.loadFixture(fixture);
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
      const f = await networkHelpers.loadFixture(fixture);
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
      const f = await networkHelpers.loadFixture(fixture);
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
      const f = await networkHelpers.loadFixture(fixture);
      await f.usdc.mint(f.alice.address, USDC(1_000n));
      await expect(
        f.venue.connect(f.alice).swapExactIn(f.addresses.usdc, f.addresses.weth, USDC(1_000n), 0n, f.alice),
      ).to.be.revertedWithCustomError(f.usdc, "ERC20InsufficientAllowance");
      expect(await f.usdc.balanceOf(f.alice.address)).to.equal(USDC(1_000n));
    });
  });
}
