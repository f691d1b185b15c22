/**
 * The vault links `VaultMath`'s public functions (its rebalance plan and fee maths) as a deployed
 * library rather than inlining them: inlined, they would push the vault past the 24,576-byte code
 * limit (EIP-170). Every deployment of the vault deploys the library first and links it.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

/** Library name to address, as `getContractFactory(..., { libraries })` takes it. */
export type VaultLibraries = { VaultMath: string };

export async function deployVaultLibraries(ethers: HardhatEthers): Promise<VaultLibraries> {
  const vaultMath = await ethers.deployContract("VaultMath");
  await vaultMath.waitForDeployment();
  return { VaultMath: await vaultMath.getAddress() };
}

/** The vault's contract factory, linked to `libraries` (deployed afresh when not given). */
export async function vaultFactory(ethers: HardhatEthers, libraries?: VaultLibraries) {
  return ethers.getContractFactory("DeltaNeutralVault", {
    libraries: libraries ?? (await deployVaultLibraries(ethers)),
  });
}
