import { expect } from "chai";
import { network } from "hardhat";
import {
  DEFAULT_BANDS,
  DEFAULT_PERP_PARAMS,
  DEFAULT_STRATEGY,
  vaultStackFixture,
} from "../../deploy/lib/stack/vaultStack.js";
import { HEDGE_MODE, NO_ASSET_FEED, vaultFactory } from "../../deploy/lib/vaultLibraries.js";
import { Band, Tier, deployed, depositFor, price, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);
const { time } = networkHelpers;
const name = (s: string) => ethers.encodeBytes32String(s);

describe("DeltaNeutralVault: roles, pause, emergency unwind, parameters, automation", function () {
  describe("pause", function () {
    it("stops deposits, mints and rebalances but never withdrawals, even with an unwind", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice, shares } = await deployed(s);
      await expect(s.vault.connect(s.guardian).pause()).to.emit(s.vault, "Paused");
      await s.fund(alice, usdc(10));
      await expect(
        s.vault.connect(alice)["deposit(uint256,address)"](usdc(10), alice.address),
      ).to.be.revertedWithCustomError(s.vault, "EnforcedPause");
      await expect(s.vault.connect(alice)["mint(uint256,address)"](10n, alice.address)).to.be.revertedWithCustomError(
        s.vault,
        "EnforcedPause",
      );
      await expect(s.vault.rebalance()).to.be.revertedWithCustomError(s.vault, "EnforcedPause");
      expect(await s.vault.maxDeposit(alice.address)).to.equal(0n);
      expect(await s.vault.maxMint(alice.address)).to.equal(0n);
      // A redeem of everything needs an unwind; it still works while paused.
      await expect(
        s.vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address),
      ).to.emit(s.vault, "Unwound");
      expect(await s.vault.balanceOf(alice.address)).to.equal(0n);
      await expect(s.vault.connect(s.guardian).unpause()).to.emit(s.vault, "Unpaused");
    });

    it("only a guardian pauses, unpauses or unwinds", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const stranger = s.users[3];
      for (const call of [s.vault.connect(stranger).pause(), s.vault.connect(s.keeper).emergencyUnwind()]) {
        await expect(call).to.be.revertedWithCustomError(s.vault, "NotGuardian");
      }
      await expect(s.vault.connect(s.admin).unpause())
        .to.be.revertedWithCustomError(s.vault, "NotGuardian")
        .withArgs(s.admin.address);
    });
  });

  describe("emergency unwind", function () {
    it("closes spot, short and margin to idle, pauses, and leaves holders whole but for costs", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice, shares } = await deployed(s);
      const nav = (await s.vault.vaultState()).totalAssets;
      await expect(s.vault.connect(s.guardian).emergencyUnwind()).to.emit(s.vault, "EmergencyUnwound");
      const st = await s.vault.vaultState();
      expect(st.spotQty).to.equal(0n);
      expect(st.shortQty).to.equal(0n);
      expect((await s.perpVenue.position()).margin).to.equal(0n);
      expect(st.idle).to.equal(st.totalAssets);
      expect(st.paused).to.equal(true);
      expect(st.totalAssets * 10_000n > nav * 9_980n).to.equal(true);
      // Everyone can leave from idle afterwards.
      const cash = await s.usdc.balanceOf(alice.address);
      await (
        await s.vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address)
      ).wait();
      const received = (await s.usdc.balanceOf(alice.address)) - cash;
      // The only holder gets all of it but for the virtual shares' rounding sliver.
      expect(received <= st.totalAssets && received >= st.totalAssets - 1n).to.equal(true);
    });

    it("is bounded by the oracle: a pushed pool makes it revert rather than dump spot", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const { pushPoolToPrice } = await import("../../deploy/lib/uniswap.js");
      await pushPoolToPrice(s.admin, s.uniswap.router, s.pool, s.pair, price(2_900), {
        fund: async (token, amount) => {
          const t = token === s.addresses.usdc ? s.usdc : s.weth;
          await (await t.mint(s.admin.address, amount)).wait();
        },
      });
      await expect(s.vault.connect(s.guardian).emergencyUnwind()).to.be.revertedWithCustomError(
        s.venue,
        "InsufficientOutput",
      );
    });
  });

  describe("parameters", function () {
    it("setBands accepts in-bound values, emits, and rejects out-of-bound, inconsistent and no-op values", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const wider = { ...DEFAULT_BANDS, deltaSoftBps: 150 };
      await expect(s.vault.setBands(wider)).to.emit(s.vault, "BandsUpdated");
      expect((await s.vault.bands()).deltaSoftBps).to.equal(150n);
      await expect(s.vault.setBands(wider))
        .to.be.revertedWithCustomError(s.vault, "ParameterUnchanged")
        .withArgs(name("bands"));
      await expect(s.vault.setBands({ ...DEFAULT_BANDS, deltaSoftBps: 5 }))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(name("deltaSoftBps"), 5, 10, 2_000);
      await expect(s.vault.setBands({ ...DEFAULT_BANDS, deltaHardBps: 100 }))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(name("deltaHardBps"), 100, 101, 2_000);
      // The soft margin floor must stay 5% below the 50% target ratio of 2x leverage.
      await expect(s.vault.setBands({ ...DEFAULT_BANDS, minMarginRatioSoftBps: 4_600 }))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(name("minMarginRatioSoftBps"), 4_600, 2_001, 4_500);
      await expect(s.vault.connect(s.users[0]).setBands(wider))
        .to.be.revertedWithCustomError(s.vault, "OwnableUnauthorizedAccount")
        .withArgs(s.users[0].address);
    });

    it("setStrategy is bounded and keeps the bands consistent with the target leverage", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, maxSlippageBps: 30 })).to.emit(
        s.vault,
        "StrategyUpdated",
      );
      await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, targetLeverageBps: 60_000 }))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(name("targetLeverageBps"), 60_000, 10_000, 50_000);
      await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, maxSlippageBps: 0 }))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(name("maxSlippageBps"), 0, 30, 300);
      // 3x leverage puts the target ratio at 33%, below the 35% soft floor: rejected.
      await expect(
        s.vault.setStrategy({ ...DEFAULT_STRATEGY, targetLeverageBps: 30_000 }),
      ).to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds");
      await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, minRebalanceInterval: 86_401 }))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(name("minRebalanceInterval"), 86_401, 0, 86_400);
    });

    it("the deposit cap bounds deposits and mints and shows in maxDeposit", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const [alice] = s.users;
      await expect(s.vault.setDepositCap(usdc(1_000)))
        .to.emit(s.vault, "DepositCapUpdated")
        .withArgs(usdc(1_000));
      await expect(s.vault.setDepositCap(usdc(1_000))).to.be.revertedWithCustomError(s.vault, "ParameterUnchanged");
      await depositFor(s, alice, usdc(600));
      expect(await s.vault.maxDeposit(alice.address)).to.equal(usdc(400));
      await s.fund(alice, usdc(401));
      await expect(s.vault.connect(alice)["deposit(uint256,address)"](usdc(401), alice.address))
        .to.be.revertedWithCustomError(s.vault, "ERC4626ExceededMaxDeposit")
        .withArgs(alice.address, usdc(401), usdc(400));
      const maxMint = await s.vault.maxMint(alice.address);
      await expect(
        s.vault.connect(alice)["mint(uint256,address)"](maxMint + 10n ** 6n, alice.address),
      ).to.be.revertedWithCustomError(s.vault, "ERC4626ExceededMaxMint");
      await (await s.vault.connect(alice)["mint(uint256,address)"](maxMint, alice.address)).wait();
    });

    it("roles: keeper and guardian grants emit, reject no-ops and the zero address", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const who = s.users[2].address;
      await expect(s.vault.setKeeper(who, true)).to.emit(s.vault, "KeeperSet").withArgs(who, true);
      expect(await s.vault.isKeeper(who)).to.equal(true);
      await expect(s.vault.setKeeper(who, true))
        .to.be.revertedWithCustomError(s.vault, "ParameterUnchanged")
        .withArgs(name("keeper"));
      await expect(s.vault.setGuardian(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(s.vault, "ZeroAddress");
      await expect(s.vault.setGuardian(who, true)).to.emit(s.vault, "GuardianSet").withArgs(who, true);
      await expect(s.vault.setKeeper(who, false)).to.emit(s.vault, "KeeperSet").withArgs(who, false);
    });

    it("admin transfer is two-step", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const next = s.users[2];
      await (await s.vault.transferOwnership(next.address)).wait();
      expect(await s.vault.owner()).to.equal(s.admin.address);
      await expect(s.vault.connect(s.users[3]).acceptOwnership()).to.be.revertedWithCustomError(
        s.vault,
        "OwnableUnauthorizedAccount",
      );
      await (await s.vault.connect(next).acceptOwnership()).wait();
      expect(await s.vault.owner()).to.equal(next.address);
    });

    it("the constructor rejects a perp venue margined in another token", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const otherMarket = await ethers.deployContract("PerpMarket", [
        s.addresses.weth,
        {
          aggregator: s.addresses.oracle,
          heartbeat: 3_600,
          sequencerUptimeFeed: ethers.ZeroAddress,
          sequencerGracePeriod: 0,
        },
        DEFAULT_PERP_PARAMS,
        ethers.ZeroAddress,
        ethers.ZeroAddress,
      ]);
      const adapter = await ethers.deployContract("PerpMarketAdapter", [await otherMarket.getAddress()]);
      const factory = await vaultFactory(ethers, s.vaultLibraries);
      await expect(
        factory.deploy({
          asset: s.addresses.usdc,
          spotToken: s.addresses.weth,
          spotVenue: s.addresses.venue,
          perpVenue: await adapter.getAddress(),
          feed: {
            aggregator: s.addresses.oracle,
            heartbeat: 3_600,
            sequencerUptimeFeed: ethers.ZeroAddress,
            sequencerGracePeriod: 0,
          },
          assetFeed: NO_ASSET_FEED,
          admin: s.admin.address,
          guardian: s.guardian.address,
          name: "x",
          symbol: "x",
          bands: DEFAULT_BANDS,
          strategy: DEFAULT_STRATEGY,
          depositCap: 1n,
          hedgeMode: HEDGE_MODE.CashMargin,
        }),
      )
        .to.be.revertedWithCustomError(s.vault, "VenueMismatch")
        .withArgs(await adapter.getAddress());
    });
  });

  describe("Chainlink Automation", function () {
    it("checkUpkeep mirrors the gate and performUpkeep re-checks it", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const [needed] = await s.vault.checkUpkeep("0x");
      expect(needed).to.equal(false);
      await expect(s.vault.connect(s.keeper).performUpkeep("0x")).to.be.revertedWithCustomError(s.vault, "WithinBands");
      await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
      await s.setPrice(price(3_450));
      const [neededNow, data] = await s.vault.checkUpkeep("0x");
      expect(neededNow).to.equal(true);
      const [band, tier] = ethers.AbiCoder.defaultAbiCoder().decode(["uint8", "uint8"], data);
      expect(band).to.equal(Band.MarginLow);
      expect(tier).to.equal(Tier.Soft);
      // A forged payload changes nothing: the gate is re-read from live state.
      await expect(s.vault.connect(s.users[3]).performUpkeep(data)).to.be.revertedWithCustomError(
        s.vault,
        "RebalanceNotAllowed",
      );
      await expect(s.vault.connect(s.keeper).performUpkeep(data)).to.emit(s.vault, "Rebalanced");
    });
  });
});
