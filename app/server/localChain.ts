/**
 * The embedded default of `npm run app`: the local stack deployed on an in-process chain through
 * the same path as `deploy/deploy.ts` (the LocalStack Ignition module with the validated
 * ignition/parameters/local.json), a freshly generated test account funded with ETH and the
 * asset, and the chain served over JSON-RPC (demo/rpcServer.ts) for the page's server to forward to.
 */
import { Wallet } from "ethers";
import type { network } from "hardhat";
import LocalStackModule from "../../ignition/modules/LocalStack.js";
import { serveProvider } from "../../demo/rpcServer.js";
import { addressesFile, planDeployment, type AddressesFile } from "../../deploy/lib/deployStack.js";

export type Connection = Awaited<ReturnType<typeof network.create>>;

export interface LocalApp {
  deployment: AddressesFile;
  /** The stack's contracts, for whoever drives the chain (the keeper loop, tests). */
  stack: Awaited<ReturnType<typeof deployLocal>>;
  testWallet: Wallet;
  /** JSON-RPC over HTTP on a free local port. */
  rpcUrl: string;
  close(): Promise<void>;
}

async function deployLocal(connection: Connection) {
  const plan = planDeployment("default");
  return connection.ignition.deploy(LocalStackModule, { parameters: plan.parameters, displayUi: false });
}

export async function startLocalApp(connection: Connection, fund: { eth: bigint; assets: bigint }): Promise<LocalApp> {
  const { ethers, networkHelpers } = connection;
  const plan = planDeployment("default");
  const stack = await deployLocal(connection);
  const contracts: Record<string, string> = {};
  for (const [name, contract] of Object.entries(stack)) contracts[name] = await contract.getAddress();
  const signers = await ethers.getSigners();
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const deployment = addressesFile(plan, chainId, "in-process", contracts, {
    owner: await stack.vault.owner(),
    pendingOwner: await stack.vault.pendingOwner(),
    keeper: signers[3].address,
    guardian: signers[4].address,
    feeRecipient: (await stack.vault.fees()).recipient,
  });

  const testWallet = Wallet.createRandom();
  await networkHelpers.setBalance(testWallet.address, fund.eth);
  await (await stack.usdc.mint(testWallet.address, fund.assets)).wait();

  const rpc = await serveProvider(connection.provider);
  return { deployment, stack, testWallet: new Wallet(testWallet.privateKey), rpcUrl: rpc.url, close: rpc.close };
}
