import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre, { network } from "hardhat";
import { getAddress, ZeroAddress, type Contract } from "ethers";
import LocalStackModule from "../../ignition/modules/LocalStack.js";
import TestnetStackModule from "../../ignition/modules/TestnetStack.js";
import {
  ParameterError,
  readJson,
  resolveNetwork,
  testnetIgnitionParameters,
  UNISWAP_FIELDS,
  validateLocalParameters,
  validateTestnetParameters,
  type ResolvedNetwork,
} from "../../deploy/params.js";
import { addressesFile, planDeployment, ROOT, writeAddressesFile } from "../../deploy/lib/deployStack.js";
import {
  deploySwapRouter02,
  deployUniswapV3,
  priceFromSqrtPriceX96,
  quoteToBase,
  sqrtPriceX96FromPrice,
} from "../../deploy/lib/uniswap.js";
import { DEFAULT_BANDS, DEFAULT_STRATEGY } from "../../deploy/lib/stack/vaultStack.js";

const { ethers, ignition, networkHelpers } = await network.create();

const LOCAL_FILE = join(ROOT, "ignition", "parameters", "local.json");
/** The committed local parameter file, as written (numbers and "…n" strings). */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const localFile = (): Json => JSON.parse(readFileSync(LOCAL_FILE, "utf8"));
const raw = localFile().LocalStack as Json;
const big = (v: number | string) => (typeof v === "string" ? BigInt(v.slice(0, -1)) : BigInt(v));
const abs = (x: bigint) => (x < 0n ? -x : x);
const Band = { None: 0n, Idle: 4n };
const Tier = { Hard: 2n };

const plan = planDeployment("localhost");

async function localStack() {
  return ignition.deploy(LocalStackModule, { parameters: plan.parameters });
}

async function addr(c: Contract) {
  return getAddress(await c.getAddress());
}

describe("Deployment: LocalStack Ignition module", function () {
  it("wires the vault to the deployed tokens, venues and feed, and binds the adapter", async function () {
    const s = await networkHelpers.loadFixture(localStack);
    expect(await s.vault.asset()).to.equal(await addr(s.usdc));
    expect(await s.vault.spotToken()).to.equal(await addr(s.weth));
    expect(await s.vault.spotVenue()).to.equal(await addr(s.spotVenue));
    expect(await s.vault.perpVenue()).to.equal(await addr(s.perpAdapter));
    expect(await s.vault.priceFeed()).to.equal(await addr(s.oracle));
    expect(await s.vault.name()).to.equal(raw.vaultName);
    expect(await s.vault.symbol()).to.equal(raw.vaultSymbol);
    expect(await s.perpAdapter.vault()).to.equal(await addr(s.vault));
    expect(await s.perpAdapter.market()).to.equal(await addr(s.perpMarket));
    expect(await s.perpMarket.collateral()).to.equal(await addr(s.usdc));
    expect(await s.spotVenue.router()).to.equal(await addr(s.router));
    expect(await s.spotVenue.quoter()).to.equal(await addr(s.quoter));
    expect(await s.spotVenue.fee()).to.equal(BigInt(raw.poolFee));
    expect([await s.spotVenue.tokenA(), await s.spotVenue.tokenB()]).to.deep.equal([
      await addr(s.usdc),
      await addr(s.weth),
    ]);
    const feed = await s.perpMarket.feed();
    expect(feed.aggregator).to.equal(await addr(s.oracle));
    expect(feed.heartbeat).to.equal(BigInt(raw.heartbeat));
    expect(feed.sequencerUptimeFeed).to.equal(ZeroAddress);
  });

  it("stores the parameter file's bands, strategy, cap, fees, oracle answer and perp parameters", async function () {
    const s = await networkHelpers.loadFixture(localStack);
    const bands = await s.vault.bands();
    for (const [field, value] of Object.entries(raw.bands)) expect(bands[field], field).to.equal(big(value as number));
    const strategy = await s.vault.strategy();
    for (const [field, value] of Object.entries(raw.strategy)) {
      expect(strategy[field], field).to.equal(big(value as number));
    }
    expect(await s.vault.depositCap()).to.equal(big(raw.depositCap));
    const fees = await s.vault.fees();
    expect(fees.managementFeeBps).to.equal(big(raw.managementFeeBps));
    expect(fees.performanceFeeBps).to.equal(big(raw.performanceFeeBps));
    const market = await s.perpMarket.marketParams();
    for (const [field, value] of Object.entries(raw.perpParams)) {
      expect(market[field], field).to.equal(big(value as number | string));
    }
    expect(await s.perpMarket.poolBalance()).to.equal(big(raw.perpPoolUsdc));
    expect((await s.oracle.latestRoundData()).answer).to.equal(big(raw.oracleAnswer));
    expect(await s.oracle.decimals()).to.equal(8n);
  });

  it("gives the keeper role to account #3, the guardian to #4, the vault and fees to the deployer, the market to #1", async function () {
    const s = await networkHelpers.loadFixture(localStack);
    const signers = await ethers.getSigners();
    expect(await s.vault.isKeeper(signers[3].address)).to.equal(true);
    expect(await s.vault.isGuardian(signers[4].address)).to.equal(true);
    expect(await s.vault.isKeeper(signers[0].address)).to.equal(false);
    expect(await s.vault.isGuardian(signers[3].address)).to.equal(false);
    expect(await s.vault.owner()).to.equal(signers[0].address);
    expect(await s.vault.pendingOwner()).to.equal(ZeroAddress);
    expect((await s.vault.fees()).recipient).to.equal(signers[0].address);
    // The venue's owner is never the vault's admin.
    expect(await s.perpMarket.owner()).to.equal(signers[1].address);
    expect(await s.perpMarket.pendingOwner()).to.equal(ZeroAddress);
  });

  it("creates the pool at the oracle price (within 0.01%) with deep full-range liquidity", async function () {
    const s = await networkHelpers.loadFixture(localStack);
    const [usdc, weth, pool] = [await addr(s.usdc), await addr(s.weth), await addr(s.pool)];
    expect(await s.factory.getPool(usdc, weth, raw.poolFee)).to.equal(pool);
    const oraclePrice = big(raw.oracleAnswer) * 10n ** 10n;
    const { sqrtPriceX96 } = await s.pool.slot0();
    // Same maths as the TypeScript helper, to the wei.
    expect(sqrtPriceX96).to.equal(sqrtPriceX96FromPrice(oraclePrice, weth, usdc, 18, 6));
    const poolPrice = priceFromSqrtPriceX96(sqrtPriceX96, weth, usdc, 18, 6);
    expect(abs(poolPrice - oraclePrice) * 10_000n <= oraclePrice, `pool ${poolPrice} vs ${oraclePrice}`).to.equal(true);
    // Full range: the position manager's NFT #1 spans the widest ticks for spacing 10 (fee 500).
    const position = await s.positionManager.positions(1n);
    expect([position.tickLower, position.tickUpper]).to.deep.equal([-887270n, 887270n]);
    expect(await s.pool.liquidity()).to.equal(position.liquidity);
    // Both sides deposited in full (to rounding): USDC as offered, WETH worth as much.
    const liquidityUsdc = big(raw.poolLiquidityUsdc);
    const usdcIn = await s.usdc.balanceOf(pool);
    expect(liquidityUsdc - usdcIn <= liquidityUsdc / 1_000_000n, `pool holds ${usdcIn} USDC`).to.equal(true);
    const wethIn = await s.weth.balanceOf(pool);
    const wethValue = (wethIn * oraclePrice) / 10n ** 30n;
    expect(abs(wethValue - liquidityUsdc) * 10_000n <= liquidityUsdc, `WETH worth ${wethValue}`).to.equal(true);
  });

  it("takes a deposit and a rebalance to target on the deployed stack", async function () {
    const s = await networkHelpers.loadFixture(localStack);
    const signers = await ethers.getSigners();
    const [keeper, user] = [signers[3], signers[5]];
    const amount = 1_000_000n * 10n ** 6n;
    await (await s.usdc.mint(user.address, amount)).wait();
    await (await (s.usdc.connect(user) as Contract).approve(await s.vault.getAddress(), amount)).wait();
    const shares = await (s.vault as Contract).previewDeposit(amount);
    await (await (s.vault.connect(user) as Contract)["deposit(uint256,address)"](amount, user.address)).wait();
    expect(await s.vault.balanceOf(user.address)).to.equal(shares);
    // Virtual shares (10^6 per asset unit) on what is left after the entry charge (95 bps here).
    expect(shares).to.equal((amount - 9_500_000_001n) * 10n ** 6n);
    let st = await s.vault.vaultState();
    expect([st.band, st.tier]).to.deep.equal([Band.Idle, Tier.Hard]);

    await expect((s.vault.connect(keeper) as Contract).rebalance()).to.emit(s.vault, "Rebalanced");
    st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.None);
    expect(st.spotQty > 0n).to.equal(true);
    expect(st.shortQty).to.equal(st.spotQty);
    // Target margin ratio 1/L = 50% at 2x.
    expect(abs(st.marginRatioBps - 5_000n) <= 25n, `margin ratio ${st.marginRatioBps}`).to.equal(true);
    expect(st.totalAssets > (amount * 9_980n) / 10_000n, `NAV ${st.totalAssets}`).to.equal(true);
  });

  it("honours parameters that differ from the defaults: price, fee tier and roles", async function () {
    const signers = await ethers.getSigners();
    const p = validateLocalParameters({
      LocalStack: {
        ...raw,
        oracleAnswer: 123456789012,
        poolFee: 3000,
        keeper: signers[7].address,
        guardian: signers[8].address,
        feeRecipient: signers[9].address,
        managementFeeBps: 100,
        performanceFeeBps: 1000,
      },
    });
    const s = await ignition.deploy(LocalStackModule, { parameters: { LocalStack: { ...p } } });
    const [usdc, weth] = [await addr(s.usdc), await addr(s.weth)];
    const oraclePrice = 123456789012n * 10n ** 10n;
    const { sqrtPriceX96 } = await s.pool.slot0();
    expect(sqrtPriceX96).to.equal(sqrtPriceX96FromPrice(oraclePrice, weth, usdc, 18, 6));
    expect(await s.pool.fee()).to.equal(3000n);
    const nft = await s.positionManager.positions(1n);
    expect([nft.tickLower, nft.tickUpper]).to.deep.equal([-887220n, 887220n]);
    expect(await s.vault.isKeeper(signers[7].address)).to.equal(true);
    expect(await s.vault.isKeeper(signers[3].address)).to.equal(false);
    expect(await s.vault.isGuardian(signers[8].address)).to.equal(true);
    const fees = await s.vault.fees();
    expect([fees.recipient, fees.managementFeeBps, fees.performanceFeeBps]).to.deep.equal([
      signers[9].address,
      100n,
      1000n,
    ]);
  });

  it("writes an addresses file in the keeper's shape, every address holding code", async function () {
    const s = await networkHelpers.loadFixture(localStack);
    const contracts: Record<string, string> = {};
    for (const [name, c] of Object.entries(s)) contracts[name] = await c.getAddress();
    const signers = await ethers.getSigners();
    const roles = {
      owner: signers[0].address,
      pendingOwner: ZeroAddress,
      keeper: signers[3].address,
      guardian: signers[4].address,
      feeRecipient: signers[0].address,
    };
    const dir = mkdtempSync(join(tmpdir(), "dn-addresses-"));
    const path = writeAddressesFile(addressesFile(plan, 31337, "chain-31337", contracts, roles), dir);
    expect(path).to.equal(join(dir, "localhost.json"));
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.chainId).to.equal(31337);
    expect(file.vaults).to.deep.equal([{ name: raw.vaultName, symbol: raw.vaultSymbol, address: contracts.vault }]);
    for (const key of [
      "vault",
      "perpMarket",
      "perpAdapter",
      "spotVenue",
      "usdc",
      "weth",
      "oracle",
      "pool",
      "factory",
      "router",
      "quoter",
      "positionManager",
    ]) {
      expect(file[key], key).to.equal(contracts[key]);
      expect(await ethers.provider.getCode(file[key]), key).to.not.equal("0x");
    }
    expect(file.roles).to.deep.equal(roles);
  });
});

describe("Deployment: UniswapV3SeedPlanner", function () {
  async function plannerFixture() {
    const planner = await ethers.deployContract("UniswapV3SeedPlanner");
    const usdc = await ethers.deployContract("TestERC20", ["USD Coin", "USDC", 6]);
    const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether", "WETH", 18]);
    return { planner, usdc, weth };
  }

  it("matches the TypeScript pool maths to the wei, in both token orders", async function () {
    const { planner, usdc, weth } = await networkHelpers.loadFixture(plannerFixture);
    const tokens = [
      { address: await usdc.getAddress(), decimals: 6 },
      { address: await weth.getAddress(), decimals: 18 },
    ];
    let baseWasToken0 = 0;
    let baseWasToken1 = 0;
    for (const answer of [50_000n, 1_00000000n, 3_000_00000000n, 1234_56789012n, 95_000_00000000n]) {
      const feed = await ethers.deployContract("MockV3Aggregator", [8, answer]);
      const priceWad = answer * 10n ** 10n;
      for (const [base, quote] of [tokens, [...tokens].reverse()]) {
        if (BigInt(base.address) < BigInt(quote.address)) baseWasToken0++;
        else baseWasToken1++;
        const expected = sqrtPriceX96FromPrice(priceWad, base.address, quote.address, base.decimals, quote.decimals);
        expect(await planner.sqrtPriceX96(base.address, quote.address, feed), `answer ${answer}`).to.equal(expected);
        const amountQuote = 10n ** BigInt(quote.decimals + 6);
        const { amount0, amount1, amountBase } = await planner.seedAmounts(
          base.address,
          quote.address,
          feed,
          amountQuote,
        );
        expect(amountBase).to.equal(quoteToBase(amountQuote, priceWad, base.decimals, quote.decimals));
        const baseIs0 = BigInt(base.address) < BigInt(quote.address);
        expect([amount0, amount1]).to.deep.equal(baseIs0 ? [amountBase, amountQuote] : [amountQuote, amountBase]);
      }
    }
    expect([baseWasToken0 > 0, baseWasToken1 > 0]).to.deep.equal([true, true]);
  });

  it("gives the widest ticks for each fee tier's spacing and refuses a zero spacing", async function () {
    const { planner } = await networkHelpers.loadFixture(plannerFixture);
    expect(await planner.fullRangeTicks(10)).to.deep.equal([-887270n, 887270n]);
    expect(await planner.fullRangeTicks(60)).to.deep.equal([-887220n, 887220n]);
    expect(await planner.fullRangeTicks(200)).to.deep.equal([-887200n, 887200n]);
    await expect(planner.fullRangeTicks(0)).to.be.revertedWithCustomError(planner, "InvalidTickSpacing");
  });

  it("refuses a non-positive feed answer and identical tokens", async function () {
    const { planner, usdc, weth } = await networkHelpers.loadFixture(plannerFixture);
    const feed = await ethers.deployContract("MockV3Aggregator", [8, 0]);
    await expect(planner.sqrtPriceX96(weth, usdc, feed)).to.be.revertedWithCustomError(planner, "NonPositivePrice");
    await expect(planner.sortedTokens(usdc, usdc)).to.be.revertedWithCustomError(planner, "IdenticalTokens");
  });
});

describe("Deployment: TestnetStack Ignition module (in-process, local stand-ins for Chainlink and the public Uniswap)", function () {
  /** A testnet file with its role placeholders filled in. */
  async function testnetParams(overrides: Json = {}) {
    const signers = await ethers.getSigners();
    const file = readJson(join(ROOT, "ignition", "parameters", "arbitrumSepolia.json")) as Json;
    return validateTestnetParameters({
      TestnetStack: {
        ...file.TestnetStack,
        admin: signers[6].address,
        marketOwner: signers[5].address,
        keeper: signers[7].address,
        guardian: signers[8].address,
        feeRecipient: signers[9].address,
        ...overrides,
      },
    });
  }

  /**
   * What the module finds on a testnet, deployed here: Uniswap V3 (factory, position manager and
   * QuoterV2 from the npm artifacts, plus a SwapRouter02 from swap-router-contracts) standing in
   * for the public deployment, and the two Chainlink feeds as mocks.
   */
  async function publicContracts() {
    const [deployer] = await ethers.getSigners();
    // The periphery's WETH9 only wraps native ETH, which the stack never sends.
    const weth9 = await ethers.deployContract("TestERC20", ["Wrapped Ether", "WETH9", 18]);
    const weth9Address = await weth9.getAddress();
    const uniswap = await deployUniswapV3(deployer, weth9Address);
    const [factory, positionManager, quoter] = await Promise.all(
      [uniswap.factory, uniswap.positionManager, uniswap.quoter].map((c) => c.getAddress()),
    );
    const router02 = await deploySwapRouter02(deployer, factory, positionManager, weth9Address);
    const feed = await ethers.deployContract("MockV3Aggregator", [8, 2_500_00000000n]);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const sequencer = await ethers.deployContract("SequencerUptimeFeedMock", [0, now - 86_400]);
    const resolved: ResolvedNetwork = {
      chainId: 31337,
      ethUsdFeed: await feed.getAddress(),
      sequencerUptimeFeed: await sequencer.getAddress(),
      uniswap: {
        uniswapV3Factory: factory,
        nonfungiblePositionManager: positionManager,
        swapRouter02: await router02.getAddress(),
        quoterV2: quoter,
      },
    };
    return { resolved, uniswap, router02, feed, sequencer };
  }

  it("refuses a PerpMarket owner equal to the vault's admin", async function () {
    const signers = await ethers.getSigners();
    let issues: string[] = [];
    try {
      await testnetParams({ marketOwner: signers[6].address });
    } catch (e) {
      issues = (e as ParameterError).issues;
    }
    expect(
      issues.some((i) => i.startsWith("TestnetStack.marketOwner:")),
      issues.join(" | "),
    ).to.equal(true);
  });

  it("prices from the given feed, checks the sequencer feed, and proposes the admin as owner", async function () {
    const signers = await ethers.getSigners();
    const { resolved, feed, sequencer } = await publicContracts();
    const parameters = testnetIgnitionParameters(await testnetParams(), resolved);
    const s = await ignition.deploy(TestnetStackModule, { parameters });
    const [usdc, weth] = [await addr(s.usdc), await addr(s.weth)];
    expect(await s.vault.priceFeed()).to.equal(await feed.getAddress());
    const marketFeed = await s.perpMarket.feed();
    expect(marketFeed.sequencerUptimeFeed).to.equal(await sequencer.getAddress());
    expect(marketFeed.sequencerGracePeriod).to.equal(3600n);
    expect(marketFeed.heartbeat).to.equal(86_400n);
    const { sqrtPriceX96 } = await s.pool.slot0();
    expect(sqrtPriceX96).to.equal(sqrtPriceX96FromPrice(2_500n * 10n ** 18n, weth, usdc, 18, 6));
    expect(await s.vault.isKeeper(signers[7].address)).to.equal(true);
    expect(await s.vault.isGuardian(signers[8].address)).to.equal(true);
    expect((await s.vault.fees()).recipient).to.equal(signers[9].address);
    // Two-step handovers: the vault to the admin, the market to its own owner; each accepts.
    for (const [owned, to] of [
      [s.vault, signers[6]],
      [s.perpMarket, signers[5]],
    ] as const) {
      expect(await owned.owner()).to.equal(signers[0].address);
      expect(await owned.pendingOwner()).to.equal(to.address);
      await (await (owned.connect(to) as Contract).acceptOwnership()).wait();
      expect(await owned.owner()).to.equal(to.address);
    }
  });

  it("uses the given Uniswap deployment: pool on its factory, UniswapV3SpotVenue02 on its SwapRouter02", async function () {
    const signers = await ethers.getSigners();
    const { resolved, uniswap } = await publicContracts();
    const parameters = testnetIgnitionParameters(await testnetParams(), resolved);
    const s = await ignition.deploy(TestnetStackModule, { parameters });
    const [usdc, weth, pool, venue] = [
      await addr(s.usdc),
      await addr(s.weth),
      await addr(s.pool),
      await addr(s.spotVenue),
    ];
    // Nothing of Uniswap's was deployed by the module: it returns the addresses it was given.
    expect(await addr(s.factory)).to.equal(resolved.uniswap.uniswapV3Factory);
    expect(await addr(s.positionManager)).to.equal(resolved.uniswap.nonfungiblePositionManager);
    expect(await addr(s.router)).to.equal(resolved.uniswap.swapRouter02);
    expect(await addr(s.quoter)).to.equal(resolved.uniswap.quoterV2);
    expect(await uniswap.factory.getPool(usdc, weth, 500)).to.equal(pool);
    // The venue is the SwapRouter02 adapter: its code is UniswapV3SpotVenue02's.
    const venue02 = await ethers.getContractAt("UniswapV3SpotVenue02", venue);
    const artifact = await hre.artifacts.readArtifact("UniswapV3SpotVenue02");
    expect(await ethers.provider.getCode(venue)).to.have.length(artifact.deployedBytecode.length);
    expect(await venue02.router()).to.equal(resolved.uniswap.swapRouter02);
    expect(await venue02.quoter()).to.equal(resolved.uniswap.quoterV2);
    // Full-range liquidity minted through the given position manager, owned by the deployer.
    const position = await uniswap.positionManager.positions(1n);
    expect([position.tickLower, position.tickUpper]).to.deep.equal([-887270n, 887270n]);
    expect(await uniswap.positionManager.ownerOf(1n)).to.equal(signers[0].address);
    expect(await s.pool.liquidity()).to.equal(position.liquidity);

    // A swap through the deployed venue and the SwapRouter02 fills at its quote.
    const user = signers[5];
    const amountIn = 2_500n * 10n ** 6n;
    await (await s.usdc.mint(user.address, amountIn)).wait();
    await (await (s.usdc.connect(user) as Contract).approve(venue, amountIn)).wait();
    const quote = await venue02.quoteExactIn.staticCall(usdc, weth, amountIn);
    await (await venue02.connect(user).swapExactIn(usdc, weth, amountIn, quote, user.address)).wait();
    expect(await s.weth.balanceOf(user.address)).to.equal(quote);
    expect(quote).to.be.greaterThan(0n);
  });

  for (const field of ["ethUsdFeed", ...UNISWAP_FIELDS]) {
    it(`stops with the parameter's name when ${field} is missing`, async function () {
      const { resolved } = await publicContracts();
      const parameters = testnetIgnitionParameters(await testnetParams(), resolved);
      delete parameters.TestnetStack[field];
      let message = "";
      try {
        await ignition.deploy(TestnetStackModule, { parameters });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.match(new RegExp(field));
    });
  }
});

describe("Deployment: parameter validation", function () {
  it("accepts the committed local file, whose defaults are the test fixture's", function () {
    const p = validateLocalParameters(localFile());
    expect(p.bands).to.deep.equal(DEFAULT_BANDS);
    expect(p.strategy).to.deep.equal(DEFAULT_STRATEGY);
    expect(p.perpParams.skewScale).to.equal(1_000_000n); // whole tokens, as PerpMarket expects
  });

  it("accepts each committed testnet file except for the roles the deployer must fill in", function () {
    for (const net of ["sepolia", "arbitrumSepolia", "baseSepolia"]) {
      const path = join(ROOT, "ignition", "parameters", `${net}.json`);
      let issues: string[] = [];
      try {
        validateTestnetParameters(readJson(path), path);
      } catch (e) {
        issues = (e as ParameterError).issues;
      }
      const fields = issues.map((i) => i.split(":")[0]).sort();
      expect(fields, net).to.deep.equal([
        "TestnetStack.admin",
        "TestnetStack.feeRecipient",
        "TestnetStack.guardian",
        "TestnetStack.keeper",
        "TestnetStack.marketOwner",
      ]);
    }
  });

  it("resolves every testnet in networks.json to its chain id, a checksummed ETH/USD feed and Uniswap", function () {
    const book = readJson(join(ROOT, "deploy", "networks.json")) as Json;
    const chainIds = { sepolia: 11155111, arbitrumSepolia: 421614, baseSepolia: 84532 };
    for (const [net, chainId] of Object.entries(chainIds)) {
      const r = resolveNetwork(book, net);
      expect(r.chainId, net).to.equal(chainId);
      expect(getAddress(r.ethUsdFeed), net).to.equal(r.ethUsdFeed);
      expect(r.sequencerUptimeFeed, net).to.equal(ZeroAddress); // none published for these testnets
      expect(Object.keys(r.uniswap).sort(), net).to.deep.equal([...UNISWAP_FIELDS].sort());
      for (const field of UNISWAP_FIELDS) {
        // Written as the docs print them, mixed case: a typo would break the EIP-55 checksum.
        expect(getAddress(r.uniswap[field]), `${net}.${field}`).to.equal(r.uniswap[field]);
        expect(book[net][field].source, `${net}.${field}`).to.match(
          /docs\.uniswap\.org\/contracts\/v3\/reference\/deployments/,
        );
      }
      // Four distinct contracts per network (a copy-paste slip would repeat one).
      expect(new Set(Object.values(r.uniswap)).size, net).to.equal(UNISWAP_FIELDS.length);
    }
  });

  it("fails naming each Uniswap field that is null or zero in networks.json", function () {
    const book = readJson(join(ROOT, "deploy", "networks.json")) as Json;
    const broken = structuredClone(book);
    broken.baseSepolia.swapRouter02.address = null;
    broken.baseSepolia.quoterV2.address = ZeroAddress;
    let issues: string[] = [];
    try {
      resolveNetwork(broken, "baseSepolia");
    } catch (e) {
      expect(e).to.be.instanceOf(ParameterError);
      issues = (e as ParameterError).issues;
    }
    expect(issues).to.have.length(2);
    expect(issues[0]).to.match(/^baseSepolia\.swapRouter02\.address: null/);
    expect(issues[1]).to.equal("baseSepolia.quoterV2.address: must not be the zero address");
    const missing = structuredClone(book);
    delete missing.sepolia.nonfungiblePositionManager;
    expect(() => resolveNetwork(missing, "sepolia")).to.throw(ParameterError, "sepolia.nonfungiblePositionManager");
  });

  it("fails naming the field when an address in networks.json is null or missing", function () {
    const book = readJson(join(ROOT, "deploy", "networks.json")) as Json;
    const broken = structuredClone(book);
    broken.arbitrumSepolia.ethUsdFeed.address = null;
    expect(() => resolveNetwork(broken, "arbitrumSepolia")).to.throw(
      ParameterError,
      "arbitrumSepolia.ethUsdFeed.address",
    );
    expect(() => resolveNetwork(book, "optimismSepolia")).to.throw(ParameterError, "optimismSepolia: no entry");
    const noSource = structuredClone(book);
    delete noSource.sepolia.ethUsdFeed.source;
    expect(() => resolveNetwork(noSource, "sepolia")).to.throw(ParameterError, "sepolia.ethUsdFeed.source");
  });

  /** Each badly shaped input and the field its message must name (bounds: test/deploy/Preflight.test.ts). */
  const BAD: [string, (p: Json) => void, string][] = [
    ["uint16 overflow", (p) => (p.bands.deltaSoftBps = 70_000), "bands.deltaSoftBps"],
    ["fractional bps", (p) => (p.strategy.maxSlippageBps = 50.5), "strategy.maxSlippageBps"],
    ["slippage not above the pool fee", (p) => (p.strategy.maxSlippageBps = 5), "strategy.maxSlippageBps"],
    ["zero oracle answer", (p) => (p.oracleAnswer = 0), "oracleAnswer"],
    ["zero deposit cap", (p) => (p.depositCap = "0n"), "depositCap"],
    ["decimal string without n", (p) => (p.depositCap = "100"), "depositCap"],
    ["negative amount", (p) => (p.perpPoolUsdc = -1), "perpPoolUsdc"],
    ["malformed keeper", (p) => (p.keeper = "0x1234"), "keeper"],
    ["zero-address guardian", (p) => (p.guardian = ZeroAddress), "guardian"],
    ["empty symbol", (p) => (p.vaultSymbol = ""), "vaultSymbol"],
    ["missing bands", (p) => delete p.bands, "bands"],
    ["missing amount", (p) => delete p.poolLiquidityUsdc, "poolLiquidityUsdc"],
    ["misspelt key", (p) => (p.heartBeat = 3600), "heartBeat"],
    ["missing band field", (p) => delete p.bands.idleSoftBps, "bands.idleSoftBps"],
  ];

  for (const [what, mutate, field] of BAD) {
    it(`rejects ${what}, naming LocalStack.${field}`, function () {
      const file = localFile();
      mutate(file.LocalStack);
      let error: unknown;
      try {
        validateLocalParameters(file, "local.json");
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ParameterError);
      const issues = (error as ParameterError).issues;
      if (what.startsWith("missing")) expect(issues).to.include(`LocalStack.${field}: Required`);
      expect(
        issues.some((i) => i.startsWith(`LocalStack.${field}:`) || i.includes(`'${field}'`)),
        issues.join(" | "),
      ).to.equal(true);
    });
  }

  it("rejects a file without the module's key or with another module's key", function () {
    expect(() => validateLocalParameters({ TestnetStack: raw })).to.throw(ParameterError, "LocalStack: missing");
    expect(() => validateLocalParameters({ LocalStack: raw, Vault: {} })).to.throw(ParameterError, "Vault");
  });

  it("stops the deploy script before any transaction, exiting non-zero and naming the field the vault refused", function () {
    this.timeout(120_000);
    const file = localFile();
    file.LocalStack.bands.maxMarginRatioSoftBps = 5_200;
    const dir = mkdtempSync(join(tmpdir(), "dn-params-"));
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify(file));
    // The shape is fine: it is the vault's own bound check, run by the preflight, that stops it.
    expect(() => planDeployment("localhost", { parametersPath: path })).to.not.throw();
    const run = spawnSync("npx", ["hardhat", "run", "--no-compile", "deploy/deploy.ts"], {
      cwd: ROOT,
      env: { ...process.env, DEPLOY_PARAMETERS: path },
      encoding: "utf8",
    });
    expect(run.status, run.stdout + run.stderr).to.equal(1);
    expect(run.stderr).to.include("LocalStack.bands.maxMarginRatioSoftBps");
    expect(run.stdout).to.not.include("successfully deployed");
  });

  it("refuses a network it has no deployment for", function () {
    expect(() => planDeployment("mainnet")).to.throw(/no deployment for network "mainnet"/);
  });
});
