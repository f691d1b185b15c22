/**
 * Deploys the vault stack with Ignition and writes the addresses the keeper reads.
 *
 *   npx hardhat node                                   # terminal 1: a local chain
 *   npm run deploy:local                               # terminal 2: = hardhat run deploy/deploy.ts --network localhost
 *   npx hardhat run deploy/deploy.ts --network arbitrumSepolia
 *
 * Steps: validate the parameter file's shape (ignition/parameters/local.json, or <network>.json
 * plus the addresses in deploy/networks.json on testnets), then ask the contracts about every
 * bound by deploying them with those parameters on an in-process chain (deploy/preflight.ts), and
 * exit non-zero naming each bad field; run the Ignition module (LocalStack or TestnetStack); write deploy/addresses/<network>.json.
 *
 * Environment:
 *   DEPLOY_PARAMETERS=path   use another parameter file
 *   DEPLOY_RESET=1           (localhost only) forget the previous local deployment's journal
 *
 * Ignition keeps a journal per chain in ignition/deployments/chain-<id>, so re-running resumes or
 * does nothing. A restarted `hardhat node` is a new chain with the same id: the script notices
 * that the journal's vault has no code and starts afresh.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import hre, { network } from "hardhat";
import LocalStackModule from "../ignition/modules/LocalStack.js";
import TestnetStackModule from "../ignition/modules/TestnetStack.js";
import { ParameterError } from "./params.js";
import {
  addressesFile,
  checkWithContracts,
  planDeployment,
  writeAddressesFile,
  type AddressesFile,
} from "./lib/deployStack.js";

async function main(): Promise<number> {
  const connection = await network.getOrCreate();
  const { ethers, ignition, networkName } = connection;

  let plan;
  try {
    plan = planDeployment(networkName, { parametersPath: process.env.DEPLOY_PARAMETERS });
    await checkWithContracts(plan, (await network.create("default")).ethers);
  } catch (e) {
    if (e instanceof ParameterError) {
      console.error(`Not deploying: ${e.message}`);
      return 1;
    }
    throw e;
  }
  console.log(`Parameters ${plan.parametersPath}: valid.`);

  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  if (plan.resolved && plan.resolved.chainId !== chainId) {
    console.error(`Not deploying: ${networkName} should be chain ${plan.resolved.chainId}, the RPC says ${chainId}.`);
    return 1;
  }
  const deploymentId = `chain-${chainId}`;
  const journalDir = join(hre.config.paths.ignition, "deployments", deploymentId);
  if (plan.kind === "local") await forgetStaleLocalJournal(journalDir, ethers.provider);

  const options = { parameters: plan.parameters, deploymentId, displayUi: true };
  // Two calls rather than one on a union: the modules' results differ in shape (the testnet's
  // Uniswap contracts are contractAt futures, and it has no mock oracle).
  const result =
    plan.kind === "local"
      ? await ignition.deploy(LocalStackModule, options)
      : await ignition.deploy(TestnetStackModule, options);

  const contracts: Record<string, string> = {};
  for (const [name, contract] of Object.entries(result)) contracts[name] = await contract.getAddress();

  const vault = result.vault;
  const params = plan.parameters[plan.kind === "local" ? "LocalStack" : "TestnetStack"];
  const signers = await ethers.getSigners();
  // Local roles default to accounts #3 / #4 / #0 (LocalStack.ts); testnet files name them.
  const roles: AddressesFile["roles"] = {
    owner: await vault.owner(),
    pendingOwner: await vault.pendingOwner(),
    keeper: (params.keeper as string | undefined) ?? signers[3].address,
    guardian: (params.guardian as string | undefined) ?? signers[4].address,
    feeRecipient: (await vault.fees()).recipient,
  };
  const file = addressesFile(plan, chainId, deploymentId, contracts, roles);

  if (networkName === "default") {
    // The in-process chain disappears when this script exits: nothing for a keeper to read.
    console.log("In-process chain (no --network): deployed and checked, no addresses file written.");
    console.log(JSON.stringify(file, null, 2));
    return 0;
  }
  const path = writeAddressesFile(file);
  console.log(`Vault ${file.vault} on ${networkName} (chain ${chainId}); addresses written to ${path}`);
  if (plan.kind === "testnet") {
    console.log(
      `Owner handover proposed: ${roles.pendingOwner} calls acceptOwnership() on the vault, ` +
        `${String(params.marketOwner)} on the PerpMarket.`,
    );
  }
  return 0;
}

/**
 * A journal whose vault has no code belongs to an earlier `hardhat node` run: Ignition would
 * otherwise believe everything is deployed. Also honours DEPLOY_RESET=1.
 */
async function forgetStaleLocalJournal(journalDir: string, provider: { getCode(a: string): Promise<string> }) {
  if (!existsSync(journalDir)) return;
  let stale = process.env.DEPLOY_RESET === "1";
  const addressesPath = join(journalDir, "deployed_addresses.json");
  if (!stale && existsSync(addressesPath)) {
    const recorded = JSON.parse(readFileSync(addressesPath, "utf8")) as Record<string, string>;
    const vault = recorded["LocalStack#DeltaNeutralVault"];
    stale = vault !== undefined && (await provider.getCode(vault)) === "0x";
  }
  if (stale) {
    console.log(`Forgetting the previous local deployment journal (${journalDir}).`);
    rmSync(journalDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
