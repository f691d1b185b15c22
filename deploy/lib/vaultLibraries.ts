/**
 * The vault calls six libraries through DELEGATECALL rather than inlining them: `VaultMath`'s
 * public functions (the rebalance plan, band classification, fee maths), `VaultParams` (the hard
 * bounds of every admin setting), `VaultTrading` (how the plan, an exit's unwind and the
 * emergency close are carried out on the venues), `SpotCollateralTrading` (the same three in
 * the SpotCollateral hedge mode, and a deposit's deployment), `VaultBands` (the rebalance gate
 * and the `vaultState` report) and `VaultPrices` (the checked read of the two price feeds). Inlined, they would push the vault past the
 * 24,576-byte code limit (EIP-170). Every deployment of the vault deploys them first and links
 * them; `VaultTrading` itself links `VaultMath`.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress } from "ethers";

/**
 * The vault's `assetFeed` when the asset has no USD feed of its own: the asset is then valued at
 * one dollar. With a feed (e.g. USDC/USD), the vault prices spot in the asset (ETH/USD ÷ USDC/USD).
 */
export const NO_ASSET_FEED = {
  aggregator: ZeroAddress,
  heartbeat: 0,
  sequencerUptimeFeed: ZeroAddress,
  sequencerGracePeriod: 0,
} as const;

/** The vault's hedge modes (IDeltaNeutralVault.HedgeMode), as the constructor takes them. */
export const HEDGE_MODE = { CashMargin: 0, SpotCollateral: 1 } as const;

/** Library name to address, as `getContractFactory(..., { libraries })` takes it. */
export type VaultLibraries = {
  VaultMath: string;
  VaultParams: string;
  VaultTrading: string;
  SpotCollateralTrading: string;
  VaultBands: string;
  VaultPrices: string;
};

export async function deployVaultLibraries(ethers: HardhatEthers): Promise<VaultLibraries> {
  const address = async (name: string, libraries: Record<string, string> = {}) => {
    const factory = await ethers.getContractFactory(name, { libraries });
    const library = await factory.deploy();
    await library.waitForDeployment();
    return library.getAddress();
  };
  const VaultMath = await address("VaultMath");
  const VaultParams = await address("VaultParams");
  const VaultTrading = await address("VaultTrading", { VaultMath });
  const SpotCollateralTrading = await address("SpotCollateralTrading");
  const VaultBands = await address("VaultBands");
  const VaultPrices = await address("VaultPrices");
  return { VaultMath, VaultParams, VaultTrading, SpotCollateralTrading, VaultBands, VaultPrices };
}

/** The vault's contract factory, linked to `libraries` (deployed afresh when not given). */
export async function vaultFactory(ethers: HardhatEthers, libraries?: VaultLibraries) {
  return ethers.getContractFactory("DeltaNeutralVault", {
    libraries: libraries ?? (await deployVaultLibraries(ethers)),
  });
}
