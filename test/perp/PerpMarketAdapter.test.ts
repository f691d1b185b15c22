import { expect } from "chai";
import { network } from "hardhat";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";

const { ethers, networkHelpers } = await network.create();

async function adapterFixture() {
  // Funding off so views read the same in every block.
  const deployed = await deployPerpMarket(ethers, { params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n } });
  const [deployer, vault, stranger] = await ethers.getSigners();
  const adapter = await ethers.deployContract("PerpMarketAdapter", [await deployed.market.getAddress()]);
  await deployed.usdc.mint(vault.address, 100_000n * USDC);
  await deployed.usdc.connect(vault).approve(await adapter.getAddress(), ethers.MaxUint256);
  return { ...deployed, adapter, deployer, vault, stranger };
}

async function boundFixture() {
  const f = await adapterFixture();
  await f.adapter.bindVault(f.vault.address);
  return f;
}

/** A market that takes WETH as collateral, its adapter bound to `vault`, no oracle-edge window. */
async function collateralFixture() {
  const deployed = await deployPerpMarket(ethers, {
    params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n },
    oracleEdgeWindow: 0n,
    spotCollateral: true,
  });
  const weth = deployed.weth!;
  const [, vault, stranger] = await ethers.getSigners();
  const adapter = await ethers.deployContract("PerpMarketAdapter", [await deployed.market.getAddress()]);
  await adapter.bindVault(vault.address);
  await deployed.usdc.mint(vault.address, 100_000n * USDC);
  await deployed.usdc.connect(vault).approve(await adapter.getAddress(), ethers.MaxUint256);
  await weth.mint(vault.address, 100n * WAD);
  await weth.connect(vault).approve(await adapter.getAddress(), ethers.MaxUint256);
  return { ...deployed, weth, adapter, vault, stranger };
}

const DIVISOR = 10n ** 30n;

describe("PerpMarketAdapter", function () {
  describe("binding", function () {
    it("records the market, deployer and collateral, and approves the market", async function () {
      const { adapter, market, usdc, deployer } = await networkHelpers.loadFixture(adapterFixture);
      expect(await adapter.market()).to.equal(await market.getAddress());
      expect(await adapter.deployer()).to.equal(deployer.address);
      expect(await adapter.collateralToken()).to.equal(await usdc.getAddress());
      expect(await adapter.vault()).to.equal(ethers.ZeroAddress);
      expect(await usdc.allowance(await adapter.getAddress(), await market.getAddress())).to.equal(ethers.MaxUint256);
      expect(await adapter.initialMarginBps()).to.equal(1_000n);
    });

    it("binds the vault once, only from the deployer", async function () {
      const { adapter, vault, stranger } = await networkHelpers.loadFixture(adapterFixture);
      await expect(adapter.connect(stranger).bindVault(vault.address))
        .to.be.revertedWithCustomError(adapter, "NotDeployer")
        .withArgs(stranger.address);
      await expect(adapter.bindVault(ethers.ZeroAddress)).to.be.revertedWithCustomError(adapter, "ZeroAddress");
      await expect(adapter.bindVault(vault.address)).to.emit(adapter, "VaultBound").withArgs(vault.address);
      expect(await adapter.vault()).to.equal(vault.address);
      await expect(adapter.bindVault(stranger.address))
        .to.be.revertedWithCustomError(adapter, "VaultAlreadyBound")
        .withArgs(vault.address);
    });

    it("rejects a zero market", async function () {
      const { adapter } = await networkHelpers.loadFixture(adapterFixture);
      await expect(ethers.deployContract("PerpMarketAdapter", [ethers.ZeroAddress])).to.be.revertedWithCustomError(
        adapter,
        "ZeroAddress",
      );
    });
  });

  describe("access", function () {
    it("lets only the bound vault act", async function () {
      const { adapter, deployer, stranger } = await networkHelpers.loadFixture(boundFixture);
      for (const caller of [deployer, stranger]) {
        const a = adapter.connect(caller);
        await expect(a.depositMargin(1n)).to.be.revertedWithCustomError(adapter, "NotVault").withArgs(caller.address);
        await expect(a.withdrawMargin(1n, caller.address))
          .to.be.revertedWithCustomError(adapter, "NotVault")
          .withArgs(caller.address);
        await expect(a.increaseShort(WAD, 0))
          .to.be.revertedWithCustomError(adapter, "NotVault")
          .withArgs(caller.address);
        await expect(a.decreaseShort(WAD, ethers.MaxUint256))
          .to.be.revertedWithCustomError(adapter, "NotVault")
          .withArgs(caller.address);
      }
    });

    it("lets nobody act before a vault is bound", async function () {
      const { adapter, vault } = await networkHelpers.loadFixture(adapterFixture);
      await expect(adapter.connect(vault).depositMargin(1n))
        .to.be.revertedWithCustomError(adapter, "NotVault")
        .withArgs(vault.address);
    });

    it("rejects zero amounts", async function () {
      const { adapter, vault } = await networkHelpers.loadFixture(boundFixture);
      const a = adapter.connect(vault);
      await expect(a.depositMargin(0)).to.be.revertedWithCustomError(adapter, "ZeroAmount");
      await expect(a.withdrawMargin(0, vault.address)).to.be.revertedWithCustomError(adapter, "ZeroAmount");
      await expect(a.increaseShort(0, 0)).to.be.revertedWithCustomError(adapter, "ZeroAmount");
      await expect(a.decreaseShort(0, 0)).to.be.revertedWithCustomError(adapter, "ZeroAmount");
    });
  });

  describe("flows", function () {
    it("deposits from the vault into the adapter's market account", async function () {
      const { adapter, market, usdc, vault } = await networkHelpers.loadFixture(boundFixture);
      const adapterAddress = await adapter.getAddress();
      await expect(adapter.connect(vault).depositMargin(5_000n * USDC))
        .to.emit(market, "MarginDeposited")
        .withArgs(adapterAddress, 5_000n * USDC);
      expect(await usdc.balanceOf(vault.address)).to.equal(95_000n * USDC);
      expect(await usdc.balanceOf(adapterAddress)).to.equal(0n);
      expect((await market.positionOf(adapterAddress)).margin).to.equal(5_000n * USDC);
      expect(await adapter.equity()).to.equal(5_000n * USDC);
    });

    it("increases and decreases the short at the market's fill and returns it", async function () {
      const { adapter, market, vault } = await networkHelpers.loadFixture(boundFixture);
      const adapterAddress = await adapter.getAddress();
      await adapter.connect(vault).depositMargin(10_000n * USDC);

      // 3000 * (1 - 2 / 2 / 1e6) = 2999.997
      const openFill = 2_999_997_000_000_000_000_000n;
      expect(await adapter.connect(vault).increaseShort.staticCall(2n * WAD, openFill)).to.deep.equal([true, openFill]);
      await expect(adapter.connect(vault).increaseShort(2n * WAD, openFill + 1n))
        .to.be.revertedWithCustomError(market, "FillPriceOutOfBounds")
        .withArgs(openFill, openFill + 1n);
      await expect(adapter.connect(vault).increaseShort(2n * WAD, openFill))
        .to.emit(market, "PositionModified")
        .withArgs(adapterAddress, -2n * WAD, openFill, -2n * WAD, openFill, 2_999_997n, 0n, 0n); // fee: 5_999.994 USDC * 5 bps

      // Buying 1 back from skew -2: 3000 * (1 + (-4 + 1) / 2 / 1e6) = 2999.9955
      const closeFill = 2_999_995_500_000_000_000_000n;
      expect(await adapter.connect(vault).decreaseShort.staticCall(WAD, closeFill)).to.deep.equal([true, closeFill]);
      await expect(adapter.connect(vault).decreaseShort(WAD, closeFill - 1n))
        .to.be.revertedWithCustomError(market, "FillPriceOutOfBounds")
        .withArgs(closeFill, closeFill - 1n);
      await adapter.connect(vault).decreaseShort(WAD, closeFill);
      expect((await adapter.position()).shortSize).to.equal(WAD);

      await expect(adapter.connect(vault).decreaseShort(WAD + 1n, ethers.MaxUint256))
        .to.be.revertedWithCustomError(adapter, "DecreaseExceedsShort")
        .withArgs(WAD + 1n, WAD);
      await adapter.connect(vault).decreaseShort(WAD, ethers.MaxUint256);
      expect((await adapter.position()).shortSize).to.equal(0n);
    });

    it("withdraws margin to any address, within the initial margin", async function () {
      const { adapter, market, usdc, vault, stranger } = await networkHelpers.loadFixture(boundFixture);
      await adapter.connect(vault).depositMargin(1_000n * USDC);
      await adapter.connect(vault).increaseShort(3n * WAD, 0);
      const equity = await adapter.equity();
      // Initial margin: 10% of 9_000 USDC.
      await expect(adapter.connect(vault).withdrawMargin(BigInt(equity) - 900n * USDC + 1n, stranger.address))
        .to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin")
        .withArgs(900n * USDC - 1n, 900n * USDC);
      await adapter.connect(vault).withdrawMargin(50n * USDC, stranger.address);
      expect(await usdc.balanceOf(stranger.address)).to.equal(50n * USDC);
    });

    it("maps the market's view onto IPerpVenue.Position", async function () {
      const { adapter, market, feed, vault } = await networkHelpers.loadFixture(boundFixture);
      await adapter.connect(vault).depositMargin(10_000n * USDC);
      await adapter.connect(vault).increaseShort(2n * WAD, 0);
      // Long enough before the round that its growth is not guarded (IPerpMarket, "Trading ahead").
      await networkHelpers.time.increase(await market.oracleEdgeWindow());
      await feed.updateAnswer(2_900n * 10n ** 8n);
      const v = await market.positionOf(await adapter.getAddress());
      const p = await adapter.position();
      expect(p.shortSize).to.equal(-v.size);
      expect(p.shortSize).to.equal(2n * WAD);
      expect(p.entryPrice).to.equal(v.entryPrice);
      expect(p.margin).to.equal(v.margin);
      expect(p.unrealizedPnl).to.equal(v.unrealizedPnl);
      // 2 * (2999.997 - 2900) = 199.994 USDC
      expect(p.unrealizedPnl).to.equal(199_994_000n);
      expect(p.accruedFunding).to.equal(v.accruedFunding);
      expect(p.marginRatioBps).to.equal(v.marginRatioBps);
      expect(p.pendingOrder).to.equal(false);
      // What the vault values the account at, in the same call: the equity while the pool pays.
      expect(p.payableEquity).to.equal(await adapter.payableEquity());
      expect(p.payableEquity).to.equal(v.equity);
      expect(await adapter.equity()).to.equal(v.equity);
      expect(v.equity).to.equal(BigInt(v.margin) + v.unrealizedPnl + v.accruedFunding);
    });

    it("reports no position as zero size and an unbounded margin ratio", async function () {
      const { adapter } = await networkHelpers.loadFixture(boundFixture);
      const p = await adapter.position();
      expect(p.shortSize).to.equal(0n);
      expect(p.marginRatioBps).to.equal(ethers.MaxUint256);
      expect(await adapter.equity()).to.equal(0n);
    });
  });

  describe("spot collateral", function () {
    it("names the base token and the haircut; a venue without one refuses the collateral calls", async function () {
      const { adapter, market, weth } = await networkHelpers.loadFixture(collateralFixture);
      expect(await adapter.baseCollateralToken()).to.equal(await weth.getAddress());
      expect(await adapter.collateralHaircutBps()).to.equal(await market.collateralHaircutBps());
      expect(await weth.allowance(await adapter.getAddress(), await market.getAddress())).to.equal(ethers.MaxUint256);
      const plain = await networkHelpers.loadFixture(boundFixture);
      expect(await plain.adapter.baseCollateralToken()).to.equal(ethers.ZeroAddress);
      await expect(plain.adapter.connect(plain.vault).depositCollateral(WAD)).to.be.revertedWithCustomError(
        plain.adapter,
        "SpotCollateralUnsupported",
      );
      await expect(
        plain.adapter.connect(plain.vault).withdrawCollateral(WAD, plain.vault.address),
      ).to.be.revertedWithCustomError(plain.adapter, "SpotCollateralUnsupported");
    });

    it("only the vault moves collateral, never zero", async function () {
      const { adapter, vault, stranger } = await networkHelpers.loadFixture(collateralFixture);
      await expect(adapter.connect(stranger).depositCollateral(WAD))
        .to.be.revertedWithCustomError(adapter, "NotVault")
        .withArgs(stranger.address);
      await expect(adapter.connect(stranger).withdrawCollateral(WAD, stranger.address))
        .to.be.revertedWithCustomError(adapter, "NotVault")
        .withArgs(stranger.address);
      await expect(adapter.connect(vault).depositCollateral(0)).to.be.revertedWithCustomError(adapter, "ZeroAmount");
      await expect(adapter.connect(vault).withdrawCollateral(0, vault.address)).to.be.revertedWithCustomError(
        adapter,
        "ZeroAmount",
      );
    });

    it("pulls WETH from the vault, reports collateral and debt, and returns it under the market's rule", async function () {
      const { adapter, market, weth, feed, vault, stranger } = await networkHelpers.loadFixture(collateralFixture);
      const adapterAddress = await adapter.getAddress();
      await expect(adapter.connect(vault).depositCollateral(10n * WAD))
        .to.emit(market, "CollateralDeposited")
        .withArgs(adapterAddress, 10n * WAD);
      expect(await weth.balanceOf(vault.address)).to.equal(90n * WAD);
      expect(await weth.balanceOf(adapterAddress)).to.equal(0n);
      // The short on collateral alone: the fee is a debt.
      await adapter.connect(vault).increaseShort(10n * WAD, 0);
      await feed.updateAnswer(3_600n * 10n ** 8n);
      await adapter.connect(vault).decreaseShort(5n * WAD, ethers.MaxUint256); // realise half the loss
      const v = await market.positionOf(adapterAddress);
      const p = await adapter.position();
      expect(p.collateral).to.equal(10n * WAD);
      expect(v.signedMargin).to.be.lessThan(-3_000n * USDC);
      expect(p.marginDebt).to.equal(-v.signedMargin);
      expect(p.margin).to.equal(0n);
      expect(p.marginRatioBps).to.equal(v.marginRatioBps);
      // payableEquity: the margin-token equity (negative) plus the collateral at its full value.
      expect(v.collateralValue).to.equal(36_000n * USDC);
      expect(await adapter.payableEquity()).to.equal(v.equity + v.collateralValue);
      await expect(
        adapter.connect(vault).withdrawCollateral(10n * WAD, stranger.address),
      ).to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin");
      await adapter.connect(vault).withdrawCollateral(WAD, stranger.address);
      expect(await weth.balanceOf(stranger.address)).to.equal(WAD);
      expect((await adapter.position()).collateral).to.equal(9n * WAD);
    });

    it("payableEquity counts a profit beyond margin only up to the pool's cash", async function () {
      const { adapter, market, feed, vault } = await networkHelpers.loadFixture(collateralFixture);
      await adapter.connect(vault).depositCollateral(WAD);
      await adapter.connect(vault).depositMargin(1_000n * USDC);
      await adapter.connect(vault).increaseShort(2n * WAD, 0);
      await feed.updateAnswer(2_000n * 10n ** 8n);
      const v = await market.positionOf(await adapter.getAddress());
      const cash = await market.poolCash();
      const usdcPart = v.equity < v.margin + cash ? v.equity : v.margin + cash;
      expect(await adapter.payableEquity()).to.equal(usdcPart + (WAD * 2_000n * WAD) / DIVISOR);
    });
  });
});
