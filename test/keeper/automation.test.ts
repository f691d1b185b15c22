/**
 * Chainlink Automation as the distributed keeper, locally. Chainlink's registry and registrar 2.1
 * are pinned to solc 0.8.16 and do not build with this project's compiler, so the registrar and
 * registry are a test double with their ABI (AutomationRegistryDouble); the forwarder that calls
 * the vault is Chainlink's own AutomationForwarder from @chainlink/contracts 1.2.0, and the
 * registration goes through the same command code (keeper/automation/register.ts) as on a testnet.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AutomationError, registerVaultUpkeep, registrarVersion } from "../../keeper/automation/register.js";
import { deployVaultStack } from "../../deploy/lib/stack/vaultStack.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const LINK = 10n ** 18n;

/** The AutomationError a registration stopped with. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AutomationError);
    return (err as Error).message;
  }
  throw new Error("expected the registration to be refused");
}

async function deployed() {
  const s = await deployVaultStack(connection);
  const [user] = s.users;
  await s.fund(user, 100_000n * 10n ** 6n);
  await (await s.vault.connect(user)["deposit(uint256,address)"](100_000n * 10n ** 6n, user.address)).wait();
  await (await s.vault.connect(user).rebalance()).wait(); // all idle: a hard breach anyone may fix
  const link = await ethers.deployContract("TestERC20", ["ChainLink Token", "LINK", 18]);
  await (await link.mint(s.admin.address, 10n * LINK)).wait();
  const logic = await ethers.deployContract("AutomationForwarderLogic");
  const registry = await ethers.deployContract("AutomationRegistryDouble", [
    await link.getAddress(),
    await logic.getAddress(),
    LINK,
  ]);
  const automation = {
    registrar: await registry.getAddress(),
    registry: await registry.getAddress(),
    link: await link.getAddress(),
  };
  return { s, link, registry, automation, vault: await s.vault.getAddress() };
}

describe("Chainlink Automation registration (Chainlink's AutomationForwarder, registrar double)", function () {
  this.timeout(120_000);

  it("registers the vault, funds it and makes the forwarder a keeper that rebalances at the soft tier", async function () {
    const { s, link, registry, automation, vault } = await networkHelpers.loadFixture(deployed);
    const result = await registerVaultUpkeep({
      signer: s.admin,
      vault,
      automation,
      amount: 5n * LINK,
      gasLimit: 2_000_000,
      name: "dnETH",
    });
    expect(result.registrarVersion).to.equal("2.1");
    expect(result.forwarder).to.equal(await registry.getForwarder(result.upkeepId));
    expect(await s.vault.isKeeper(result.forwarder)).to.equal(true);
    expect(await link.balanceOf(automation.registrar)).to.equal(5n * LINK);
    expect(result.transactions.map((t) => t.step)).to.deep.equal([
      "approve LINK",
      "registerUpkeep",
      "setKeeper(forwarder)",
    ]);

    // A soft margin-low breach (+15%) after the keeper interval: only a KEEPER may act, and the
    // forwarder now is one.
    await networkHelpers.time.increase(3_601);
    const [, answer] = await s.oracle.latestRoundData();
    await s.setPrice(((answer * 11_500n) / 10_000n) * 10n ** 10n);
    const state = await s.vault.vaultState();
    expect(state.tier).to.equal(1n); // soft
    await expect(registry.performUpkeep(result.upkeepId))
      .to.emit(registry, "UpkeepPerformed")
      .withArgs(result.upkeepId, true);
    const [event] = await s.vault.queryFilter(s.vault.filters.Rebalanced(), -1);
    expect(event.args.caller).to.equal(result.forwarder);
    expect((await s.vault.vaultState()).tier).to.equal(0n);
    await expect(registry.performUpkeep(result.upkeepId)).to.be.revertedWithCustomError(registry, "UpkeepNotNeeded");
  });

  it("without the role the forwarder's perform fails at the soft tier (what the grant is for)", async function () {
    const { s, registry, automation, vault } = await networkHelpers.loadFixture(deployed);
    const result = await registerVaultUpkeep({
      signer: s.admin,
      vault,
      automation,
      amount: LINK,
      gasLimit: 2_000_000,
      name: "x",
    });
    await (await s.vault.setKeeper(result.forwarder, false)).wait();
    await networkHelpers.time.increase(3_601);
    const [, answer] = await s.oracle.latestRoundData();
    await s.setPrice(((answer * 11_500n) / 10_000n) * 10n ** 10n);
    await expect(registry.performUpkeep(result.upkeepId))
      .to.emit(registry, "UpkeepPerformed")
      .withArgs(result.upkeepId, false);
  });

  it("refuses before spending anything: a signer that is not the owner, too little LINK, an unknown registrar", async function () {
    const { s, link, automation, vault } = await networkHelpers.loadFixture(deployed);
    const [, stranger] = s.users;
    const base = { vault, automation, gasLimit: 2_000_000, name: "x" };
    expect(await failure(registerVaultUpkeep({ ...base, signer: stranger, amount: LINK }))).to.match(
      /not the vault's owner/,
    );
    expect(await failure(registerVaultUpkeep({ ...base, signer: s.admin, amount: 11n * LINK }))).to.match(
      /10000000000000000000 LINK juels, 11000000000000000000 needed/,
    );
    expect(await link.balanceOf(s.admin.address)).to.equal(10n * LINK);
    expect(() => registrarVersion("AutomationRegistrar 1.2.0")).to.throw(/knows AutomationRegistrar 2.1 and 2.3/);
    expect(registrarVersion("AutomationRegistrar 2.3.0")).to.equal("2.3");
  });
});
