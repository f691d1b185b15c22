import { Writable } from "node:stream";
import { Wallet } from "ethers";
import { network } from "hardhat";
import { createApp, type App } from "../../../keeper/app.js";
import { type KeeperConfig, parseConfig } from "../../../keeper/config.js";
import { createLogger } from "../../../keeper/ops/log.js";
import { RpcProxy } from "./rpc-proxy.js";
import { type VaultStack, deployVaultOn, deployVaultStack } from "../../../deploy/lib/stack/vaultStack.js";

/**
 * THE PLUG-IN POINT for the end-to-end tests. Everything vault-specific goes through a
 * `KeeperVaultStack`; the tests only speak IDeltaNeutralVault. Today it is backed by the test
 * double `KeeperTestVault`; to run the same tests against the real vault, implement this
 * interface with the real stack (vault + venues + MockV3Aggregator): `realStack` below does
 * that, and the end-to-end tests run on it.
 */
export interface KeeperVaultStack {
  /**
   * Deploys `count` vaults, balanced (every band holds) and past their keeper interval, whose
   * KEEPER role is held by each address in `keepers`.
   */
  deployVaults(count: number, keepers: readonly string[]): Promise<string[]>;
  /** Moves the oracle price the vault reads by `bps` (signed), e.g. +1500 for a 15% rally. */
  movePrice(vault: string, bps: bigint): Promise<void>;
  /** Makes `rebalance()` revert with these raw bytes; only a test double can (optional). */
  forceRevert?(vault: string, data: string): Promise<void>;
}

/** A rally that breaches the soft margin-low band but not the hard one (ratio ≈ 7391 bps). */
export const SOFT_BREACH_BPS = 1_500n;
/** A rally that breaches the hard margin-low band (ratio ≈ 5385 bps). */
export const HARD_BREACH_BPS = 3_000n;

export const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function createStack(): Promise<KeeperVaultStack> {
  const WAD = 10n ** 18n;
  const [deployer] = await ethers.getSigners();
  const vaultAt = (address: string) => ethers.getContractAt("KeeperTestVault", address, deployer);
  return {
    async deployVaults(count, keepers) {
      const addresses: string[] = [];
      for (let i = 0; i < count; i++) {
        const vault = await ethers.deployContract("KeeperTestVault", [3_000n * WAD, 1_000_000n * WAD, keepers[0]]);
        for (const k of keepers.slice(1)) await vault.setKeeper(k, true);
        addresses.push(await vault.getAddress());
      }
      await networkHelpers.time.increase(3_601); // past minRebalanceInterval
      return addresses;
    },
    async movePrice(address, bps) {
      const vault = await vaultAt(address);
      const price = await vault.price();
      await vault.setPrice((price * (10_000n + bps)) / 10_000n);
    },
    async forceRevert(address, data) {
      await (await vaultAt(address)).setForcedRevert(data);
    },
  };
}

/**
 * The real stack: one set of tokens, Chainlink mock feed, Uniswap V3 pool and PerpMarket (from the
 * vault tests' fixture), and as many real vaults on it as a test asks for, each deposited into
 * and deployed at target. The feed is shared, so `movePrice` moves every vault's price (and an
 * arbitrageur trades the pool to it, as on a live chain).
 */
async function createRealStack(base: VaultStack): Promise<KeeperVaultStack> {
  const [deployer] = await ethers.getSigners();
  const feedScale = 10n ** 10n; // 8-decimal answer -> WAD
  return {
    async deployVaults(count, keepers) {
      const addresses: string[] = [];
      const [, current] = await base.oracle.latestRoundData();
      await (await base.oracle.updateAnswer(current)).wait(); // other fixtures may have moved time on
      for (let i = 0; i < count; i++) {
        const vault = await deployVaultOn(connection, base, {});
        const amount = 100_000n * 10n ** 6n;
        await (await base.usdc.mint(deployer.address, amount)).wait();
        await (await base.usdc.approve(await vault.getAddress(), amount)).wait();
        await (await vault["deposit(uint256,address)"](amount, deployer.address)).wait();
        await (await vault.rebalance()).wait(); // all idle: a hard breach anyone may fix
        for (const k of keepers) await (await vault.setKeeper(k, true)).wait();
        addresses.push(await vault.getAddress());
      }
      await networkHelpers.time.increase(3_601); // past minRebalanceInterval
      const [, answer] = await base.oracle.latestRoundData();
      await (await base.oracle.updateAnswer(answer)).wait(); // keep the feed fresh
      return addresses;
    },
    async movePrice(_vault, bps) {
      const [, answer] = await base.oracle.latestRoundData();
      await base.setPrice(((answer * (10_000n + bps)) / 10_000n) * feedScale);
    },
  };
}

/** The test double: per-vault prices and forced reverts, for the fault and operations tests. */
export const stack = await createStack();
/** The real stack's tokens, feed, Uniswap pool and synchronous market (other venues are added on them). */
export const realBase = await deployVaultStack(connection);
/** The real vault and venues, for the end-to-end tests. */
export const realStack = await createRealStack(realBase);
/** Multicall3, through which the keeper batches its reads (at its canonical address on public chains). */
export const multicall3 = await (await ethers.deployContract("Multicall3")).getAddress();
export const proxy = new RpcProxy(connection.provider);
export const rpcUrl = await proxy.start();
// Root-level hook (this module is evaluated once): close the HTTP server so mocha can exit.
after(async function () {
  await proxy.stop();
});

export interface KeeperFixture {
  vaults: string[];
  keeper: Wallet;
  second: Wallet;
}

/** Deploys `count` vaults with two funded keeper keys holding the KEEPER role. */
export function vaultsFixture(count: number, on: KeeperVaultStack = stack) {
  return async function deployed(): Promise<KeeperFixture> {
    const keeper = Wallet.createRandom() as unknown as Wallet;
    const second = Wallet.createRandom() as unknown as Wallet;
    for (const w of [keeper, second]) await networkHelpers.setBalance(w.address, 10n ** 20n);
    const vaults = await on.deployVaults(count, [keeper.address, second.address]);
    return { vaults, keeper, second };
  };
}

/** Collects pino's JSON lines. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const s = chunk.toString("utf8");
    this.text += s;
    for (const line of s.split("\n").filter(Boolean)) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
  find(msg: string | RegExp): Record<string, unknown>[] {
    return this.lines.filter((l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))));
  }
}

export function testConfig(vaults: readonly string[], over: Record<string, unknown> = {}): KeeperConfig {
  return parseConfig(
    {
      chainId: 31337,
      multicall3,
      rpc: { urls: [rpcUrl], timeoutMs: 2_000, cooldownMs: 60_000 },
      signer: { type: "privateKeyEnv" },
      gas: { maxFeePerGas: "500 gwei", priorityFeePerGas: "1 gwei", replaceAfterBlocks: 1, receiptTimeoutMs: 20_000 },
      loop: { pollIntervalMs: 20 },
      metrics: { enabled: false },
      // The test stacks turn the market's oracle-edge window off, so the keeper need not wait it out.
      vaults: vaults.map((address, i) => ({ name: `v${i}`, address, edgeWaitSeconds: 0 })),
      ...over,
    },
    {},
  );
}

export interface TestKeeper extends App {
  logs: LogCapture;
}

export function startKeeper(
  config: KeeperConfig,
  wallet: Wallet,
  opts: { dryRun?: boolean; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): TestKeeper {
  const logs = new LogCapture();
  const app = createApp({
    config,
    signer: { address: wallet.address, wallet },
    log: createLogger("debug", logs),
    dryRun: opts.dryRun,
    now: opts.now,
    sleep: opts.sleep,
  });
  return { ...app, logs };
}

/** Rebalances the keepers made (the deployer's setup rebalance of a real vault is not counted). */
export async function rebalancedEvents(vault: string): Promise<number> {
  const [deployer] = await ethers.getSigners();
  const v = await ethers.getContractAt("KeeperTestVault", vault);
  const events = await v.queryFilter(v.filters.Rebalanced());
  return events.filter((e) => e.args.caller !== deployer.address).length;
}

export async function nonceOf(address: string): Promise<number> {
  return ethers.provider.getTransactionCount(address, "latest");
}

export { ethers, networkHelpers };
