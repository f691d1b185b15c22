/**
 * Asks the contracts whether a parameter file's values are within their bounds, before any
 * transaction reaches the target chain. On a fresh in-process Hardhat chain it deploys what the
 * file configures, in the deployment's order: the Uniswap V3 factory (is `poolFee` one of its fee
 * tiers?), `PerpMarket` with `perpParams`, the vault with `bands`, `strategy` and `depositCap`
 * against that market, then `setFees`. Each revert becomes an issue naming the field, with the
 * bound the contract itself reported (`ParameterOutOfBounds(name, value, min, max)`).
 *
 * The bounds live only in Solidity (contracts/vault/VaultParams.sol, PerpMarket's
 * `_setParameter`); this file knows none of them, not even PerpMarket's list of parameters,
 * which it reads from the compiled constructor. A contract reports its first bad parameter
 * only, so the preflight sets that field to the nearest bound the contract named and asks again,
 * until the contract accepts: one run lists every field out of bounds (later bounds are then
 * checked against the earlier fields as corrected).
 */
import { ContractFactory, decodeBytes32String, ZeroAddress, type Interface, type ParamType } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { UNISWAP_ARTIFACTS } from "./lib/uniswap.js";
import {
  deployVaultLibraries,
  HEDGE_MODE,
  NO_ASSET_FEED,
  vaultFactory,
  type VaultLibraries,
} from "./lib/vaultLibraries.js";

/** The parameters the contracts check (shape already validated by deploy/params.ts). */
export interface PreflightParameters {
  heartbeat: number;
  poolFee: number;
  perpParams: Record<string, bigint>;
  bands: Record<string, number>;
  strategy: Record<string, number>;
  depositCap: bigint;
  managementFeeBps: number;
  performanceFeeBps: number;
  hedgeMode?: number;
  /** The DelayedOrders book of a delayed-mode stack (TestnetStack): seconds, seconds, USDC units. */
  perpOrders?: { minDelay: number; maxDelay: number; executionFee: bigint };
}

/** Contracts every check reuses: tokens, a feed, the Uniswap factory, the vault's library. */
export interface PreflightBench {
  ethers: HardhatEthers;
  usdc: string;
  weth: string;
  feed: string;
  uniswapFactory: { feeAmountTickSpacing(fee: number): Promise<bigint> };
  libraries: VaultLibraries;
}

/** Most corrections one check makes before giving up (each corrects one field). */
const MAX_ROUNDS = 64;
/** Any positive price: no bound depends on it. */
const FEED_ANSWER = 3_000n * 10n ** 8n;

/**
 * Deploys the reusable contracts on `eth`: an in-process chain (`network.create("default")`), never
 * the target network.
 */
export async function createPreflightBench(eth: HardhatEthers): Promise<PreflightBench> {
  const [signer] = await eth.getSigners();
  const deploy = async (name: string, args: unknown[]) => {
    const c = await eth.deployContract(name, args);
    await c.waitForDeployment();
    return c.getAddress();
  };
  const { abi, bytecode } = UNISWAP_ARTIFACTS.factory;
  const factory = await new ContractFactory(abi, bytecode, signer).deploy();
  await factory.waitForDeployment();
  return {
    ethers: eth,
    usdc: await deploy("TestERC20", ["USD Coin", "USDC", 6]),
    weth: await deploy("TestERC20", ["Wrapped Ether", "WETH", 18]),
    feed: await deploy("MockV3Aggregator", [8, FEED_ANSWER]),
    uniswapFactory: factory as unknown as PreflightBench["uniswapFactory"],
    libraries: await deployVaultLibraries(eth),
  };
}

/**
 * Every issue the contracts find with `p`, as "<prefix>.<field>: message" lines (empty when they
 * accept it all).
 */
export async function preflightIssues(p: PreflightParameters, prefix: string, b: PreflightBench): Promise<string[]> {
  const issues: string[] = [];
  const report = (path: string, message: string) => issues.push(`${prefix}.${path}: ${message}`);

  if ((await b.uniswapFactory.feeAmountTickSpacing(p.poolFee)) === 0n) {
    report("poolFee", `${p.poolFee} is not a fee tier of the UniswapV3Factory (its feeAmountTickSpacing is 0)`);
  }

  const [deployer] = await b.ethers.getSigners();
  const feedConfig = {
    aggregator: b.feed,
    heartbeat: p.heartbeat,
    sequencerUptimeFeed: ZeroAddress,
    sequencerGracePeriod: 0,
  };

  const perpFactory = await b.ethers.getContractFactory("PerpMarket");
  const perpParams = marketParams(perpFactory.interface, p.perpParams, report);
  if (perpParams === undefined) return issues;
  const market = await deployChecked(perpFactory, "PerpMarket", report, perpParams, "perpParams", (params) => [
    b.usdc,
    feedConfig,
    params,
    b.weth,
    ZeroAddress,
  ]);
  if (market === undefined) return issues;
  if (p.perpOrders !== undefined) {
    // The fee's bound depends on the margin token, so each attempt deploys a book, a market
    // naming it, and binds them (on the in-process chain).
    const bookFactory = await b.ethers.getContractFactory("DelayedOrders");
    const orders = { perpOrders: { ...p.perpOrders } };
    const ok = await callChecked(bookFactory.interface, "DelayedOrders", report, orders, async (v) => {
      const book = await bookFactory.deploy(v.perpOrders);
      await book.waitForDeployment();
      const args = [b.usdc, feedConfig, perpParams, b.weth, await book.getAddress()] as const;
      const delayed = await (perpFactory as ContractFactory).deploy(...args);
      await delayed.waitForDeployment();
      const bind = book as unknown as { bindMarket(market: string): Promise<{ wait(): Promise<unknown> }> };
      await (await bind.bindMarket(await delayed.getAddress())).wait();
    });
    if (!ok) return issues;
  }

  const adapter = await b.ethers.deployContract("PerpMarketAdapter", [market]);
  const spotVenue = await b.ethers.deployContract("UniswapV3SpotVenue", [
    await deployer.getAddress(), // router and quoter: never called by a constructor
    await deployer.getAddress(),
    b.usdc,
    b.weth,
    p.poolFee,
  ]);
  const vaultParams = { bands: { ...p.bands }, strategy: { ...p.strategy } };
  const factory = await vaultFactory(b.ethers, b.libraries);
  const vault = await deployChecked(factory, "DeltaNeutralVault", report, vaultParams, "", (v) => [
    {
      asset: b.usdc,
      spotToken: b.weth,
      spotVenue,
      perpVenue: adapter,
      feed: feedConfig,
      assetFeed: NO_ASSET_FEED,
      admin: deployer,
      guardian: ZeroAddress,
      name: "preflight",
      symbol: "PRE",
      bands: v.bands,
      strategy: v.strategy,
      depositCap: p.depositCap,
      hedgeMode: p.hedgeMode ?? HEDGE_MODE.CashMargin,
    },
  ]);
  if (vault === undefined) return issues;

  const fees = { managementFeeBps: p.managementFeeBps, performanceFeeBps: p.performanceFeeBps };
  await callChecked(factory.interface, "DeltaNeutralVault.setFees", report, fees, async (f) => {
    const contract = factory.attach(vault).connect(deployer) as unknown as {
      setFees: { staticCall(m: number, q: number, r: string): Promise<void> };
    };
    await contract.setFees.staticCall(f.managementFeeBps, f.performanceFeeBps, await deployer.getAddress());
  });
  return issues;
}

type Report = (path: string, message: string) => void;
type Groups = Record<string, unknown>;

/**
 * The file's `perpParams` as PerpMarket's constructor struct (its third argument, after the
 * collateral and the feed), whose field list is read from the compiled ABI; a missing or unknown
 * field is reported and stops the check.
 */
function marketParams(iface: Interface, given: Record<string, bigint>, report: Report) {
  const struct: ParamType | undefined = iface.deploy.inputs[2];
  const fields = (struct?.components ?? []).map((c: ParamType) => c.name);
  let ok = true;
  for (const field of fields) {
    if (!(field in given)) {
      report(`perpParams.${field}`, "Required (a field of PerpMarket's constructor parameters)");
      ok = false;
    }
  }
  for (const field of Object.keys(given)) {
    if (!fields.includes(field)) {
      report(`perpParams.${field}`, `not a PerpMarket parameter (it takes ${fields.join(", ")})`);
      ok = false;
    }
  }
  return ok ? { ...given } : undefined;
}

/**
 * Deploys `factory` with `args(values)`, correcting one out-of-bounds field per round (see the
 * header). `values` holds the checked fields, flat or in groups; `group` prefixes their paths.
 * Returns the deployed address, or undefined after reporting a revert that names no field.
 */
async function deployChecked<T extends Groups>(
  factory: ContractFactory,
  contractName: string,
  report: Report,
  values: T,
  group: string,
  args: (values: T) => unknown[],
): Promise<string | undefined> {
  let address: string | undefined;
  const ok = await callChecked(
    factory.interface,
    contractName,
    report,
    values,
    async (v) => {
      const contract = await factory.deploy(...args(v));
      await contract.waitForDeployment();
      address = await contract.getAddress();
    },
    group,
  );
  return ok ? address : undefined;
}

/** Runs `attempt(values)` until it succeeds, correcting each field the contract names. */
async function callChecked<T extends Groups>(
  iface: Interface,
  contractName: string,
  report: Report,
  values: T,
  attempt: (values: T) => Promise<void>,
  group = "",
): Promise<boolean> {
  const corrected = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      await attempt(values);
      return true;
    } catch (e) {
      const revert = decodeRevert(iface, e);
      if (revert?.name !== "ParameterOutOfBounds") {
        report(group || contractName, `${contractName} reverted: ${revert ? revert.text : String(e)}`);
        return false;
      }
      const [nameBytes, value, min, max] = revert.args as [string, bigint, bigint, bigint];
      const name = decodeBytes32String(nameBytes);
      const path = locate(values, name);
      if (path === undefined || corrected.has(name)) {
        report(group || contractName, `${contractName} reverted: ${revert.text}`);
        return false;
      }
      const shown = group ? `${group}.${path.join(".")}` : path.join(".");
      report(shown, `${value} is outside [${min}, ${max}] (${contractName}: ParameterOutOfBounds)`);
      // An empty range: the bounds come from other fields that leave this one no value.
      if (min > max) return false;
      corrected.add(name);
      set(values, path, value < min ? min : max);
    }
  }
  report(group || contractName, `${contractName}: more than ${MAX_ROUNDS} corrections, giving up`);
  return false;
}

/** The path of the field called `name` in `values` (a top-level field or one level down). */
function locate(values: Groups, name: string): string[] | undefined {
  if (name in values) return [name];
  for (const [key, inner] of Object.entries(values)) {
    if (typeof inner === "object" && inner !== null && name in inner) return [key, name];
  }
  return undefined;
}

/** Sets a corrected value, keeping the field's number or bigint type. */
function set(values: Groups, path: string[], value: bigint) {
  const holder = (path.length === 1 ? values : values[path[0]]) as Record<string, unknown>;
  const key = path[path.length - 1];
  holder[key] = typeof holder[key] === "number" ? Number(value) : value;
}

/** The custom error in a revert, decoded with the contract's ABI (its errors and its libraries'). */
function decodeRevert(
  iface: Interface,
  e: unknown,
): { name: string; args: readonly unknown[]; text: string } | undefined {
  const data = revertData(e);
  if (data === undefined) return undefined;
  const parsed = iface.parseError(data);
  if (parsed === null) return { name: "", args: [], text: `unknown error ${data.slice(0, 10)}` };
  const args = parsed.args.map((a: unknown) => String(a)).join(", ");
  return { name: parsed.name, args: parsed.args, text: `${parsed.name}(${args})` };
}

function revertData(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur !== null && typeof cur === "object" && depth < 5; depth++) {
    const data = (cur as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    cur = (cur as { error?: unknown; cause?: unknown }).error ?? (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
