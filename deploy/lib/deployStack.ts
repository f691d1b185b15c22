/**
 * What deploy/deploy.ts does, as functions the tests can call: pick the module and parameter file
 * for a network, validate their shape (deploy/params.ts), ask the contracts about their bounds
 * (deploy/preflight.ts), and shape the deployed addresses into the file
 * the keeper reads (deploy/addresses/<network>.json).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeploymentParameters } from "@nomicfoundation/ignition-core";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { createPreflightBench, preflightIssues, type PreflightBench, type PreflightParameters } from "../preflight.js";
import { CANONICAL_MULTICALL3 } from "../../keeper/config.js";
import {
  localIgnitionParameters,
  MODULE_IDS,
  ParameterError,
  readJson,
  resolveNetwork,
  testnetIgnitionParameters,
  validateLocalParameters,
  validateTestnetParameters,
  type ResolvedNetwork,
  type StackKind,
} from "../params.js";

/** Repository root (this file is deploy/lib/deployStack.ts). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Networks the local module deploys to: a `npx hardhat node` or the in-process chain. */
export const LOCAL_NETWORKS = ["localhost", "default"] as const;
/** Networks with an entry in deploy/networks.json and a parameter file of their own. */
export const TESTNETS = ["sepolia", "arbitrumSepolia", "baseSepolia"] as const;

export interface DeploymentPlan {
  kind: StackKind;
  network: string;
  parametersPath: string;
  /** Ignition `parameters`, validated. */
  parameters: DeploymentParameters;
  /** Testnets: the address book entry (chain id, feeds, public Uniswap V3). */
  resolved?: ResolvedNetwork;
  vaultName: string;
  vaultSymbol: string;
  /** What the contracts check, for `checkWithContracts`. */
  preflight: PreflightParameters;
}

/**
 * Validates everything the deployment of `network` needs, before any transaction. Throws a
 * `ParameterError` naming the field on bad input.
 */
export function planDeployment(
  network: string,
  options: { parametersPath?: string; networksPath?: string } = {},
): DeploymentPlan {
  if ((LOCAL_NETWORKS as readonly string[]).includes(network)) {
    const parametersPath = options.parametersPath ?? join(ROOT, "ignition", "parameters", "local.json");
    const p = validateLocalParameters(readJson(parametersPath), parametersPath);
    return {
      kind: "local",
      network,
      parametersPath,
      parameters: localIgnitionParameters(p),
      vaultName: p.vaultName,
      vaultSymbol: p.vaultSymbol,
      preflight: p,
    };
  }
  if ((TESTNETS as readonly string[]).includes(network)) {
    const parametersPath = options.parametersPath ?? join(ROOT, "ignition", "parameters", `${network}.json`);
    const networksPath = options.networksPath ?? join(ROOT, "deploy", "networks.json");
    const p = validateTestnetParameters(readJson(parametersPath), parametersPath);
    const resolved = resolveNetwork(readJson(networksPath), network, networksPath);
    return {
      kind: "testnet",
      network,
      parametersPath,
      parameters: testnetIgnitionParameters(p, resolved),
      resolved,
      vaultName: p.vaultName,
      vaultSymbol: p.vaultSymbol,
      preflight: p,
    };
  }
  throw new Error(
    `no deployment for network "${network}": use one of ${[...LOCAL_NETWORKS, ...TESTNETS].join(", ")} (--network)`,
  );
}

/**
 * Asks the contracts, on the in-process chain `local` (never the target network), whether the
 * plan's parameters are within their bounds; throws a `ParameterError` listing each field they
 * refuse. Pass `bench` to reuse its contracts across checks.
 */
export async function checkWithContracts(
  plan: DeploymentPlan,
  local: HardhatEthers,
  bench?: PreflightBench,
): Promise<void> {
  const issues = await preflightIssues(
    plan.preflight,
    MODULE_IDS[plan.kind],
    bench ?? (await createPreflightBench(local)),
  );
  if (issues.length > 0) throw new ParameterError(plan.parametersPath, issues);
}

/** What the keeper reads. Every value is a checksummed address unless noted. */
export interface AddressesFile {
  network: string;
  chainId: number;
  /** Ignition deployment id (ignition/deployments/<id>). */
  deploymentId: string;
  vault: string;
  vaults: { name: string; symbol: string; address: string }[];
  perpMarket: string;
  perpAdapter: string;
  spotVenue: string;
  usdc: string;
  weth: string;
  /** ETH/USD aggregator the vault and perp read (a mock on local chains). */
  oracle: string;
  /** Zero address where there is none. */
  sequencerUptimeFeed: string;
  pool: string;
  factory: string;
  router: string;
  quoter: string;
  positionManager: string;
  /** Multicall3 the keeper reads through: deployed locally, the canonical one on testnets. */
  multicall3: string;
  roles: { owner: string; pendingOwner: string; keeper: string; guardian: string; feeRecipient: string };
}

/** Builds the addresses file; `contracts` maps the module's result names to addresses. */
export function addressesFile(
  plan: DeploymentPlan,
  chainId: number,
  deploymentId: string,
  contracts: Record<string, string>,
  roles: AddressesFile["roles"],
): AddressesFile {
  const need = (name: string) => {
    const a = contracts[name];
    if (a === undefined) throw new Error(`the deployment returned no "${name}"`);
    return a;
  };
  return {
    network: plan.network,
    chainId,
    deploymentId,
    vault: need("vault"),
    vaults: [{ name: plan.vaultName, symbol: plan.vaultSymbol, address: need("vault") }],
    perpMarket: need("perpMarket"),
    perpAdapter: need("perpAdapter"),
    spotVenue: need("spotVenue"),
    usdc: need("usdc"),
    weth: need("weth"),
    oracle: plan.resolved?.ethUsdFeed ?? need("oracle"),
    sequencerUptimeFeed: plan.resolved?.sequencerUptimeFeed ?? "0x0000000000000000000000000000000000000000",
    pool: need("pool"),
    factory: need("factory"),
    router: need("router"),
    quoter: need("quoter"),
    positionManager: need("positionManager"),
    multicall3: plan.resolved ? CANONICAL_MULTICALL3 : need("multicall3"),
    roles,
  };
}

/** Writes `deploy/addresses/<network>.json` (two-space JSON, as prettier formats it). */
export function writeAddressesFile(file: AddressesFile, dir = join(ROOT, "deploy", "addresses")): string {
  const path = join(dir, `${file.network}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}
